"""A home's command grammar: Home Assistant's English intents over the home's own names.

All of `home_assistant_intents.get_intents("en")` (42 intents) and its speech-to-phrase subset,
compiled with `template_compiler.py` into one sentence graph (the full set expands to millions of
sentences; the graph has a few thousand nodes). Names are not multiplied into the sentences: a
sentence keeps a slot per kind of name (`<name:light>`, `<area>`, `<floor>`, and one per number
range) and the slot's phrases are the home's names or the spoken numbers, so the graph grows with
the domains a home has, not with its entity count. A template block that requires a domain (a
lock is "locked", a cover "opened") only gets the names of that domain; names of unknown domain
(plain phrases) fit every name slot. Templates with a free-text slot (shopping-list items,
broadcast messages) are left to the open decoder. The home's custom sentences are compiled as
hassil templates too.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..decode.command_words import normalize_sentence
from ..decode.number_words import cardinal
from ..decode.word_graph import WordGraph
from .home import HomeVocabulary
from .template_compiler import compile_template

_LOGGER = logging.getLogger(__name__)

AREA_SLOT = "<area>"
FLOOR_SLOT = "<floor>"


def name_slot(domain: str) -> str:
    return f"<name:{domain}>"


@dataclass
class HomeGrammar:
    """Sentences (word tuples with slots) and the phrases that fill each slot."""

    sentences: WordGraph = field(default_factory=WordGraph)
    fillers: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    # How Home Assistant spells each name (normalized words -> the name as given).
    spellings: dict[tuple[str, ...], str] = field(default_factory=dict)

    def add_fillers(self, slot: str, names: list[str]) -> None:
        phrases = self.fillers.setdefault(slot, [])
        for name in names:
            words = tuple(normalize_sentence(name))
            if words and words not in phrases:
                phrases.append(words)
                self.spellings.setdefault(words, name)

    @property
    def words(self) -> set[str]:
        found = self.sentences.vocabulary()
        found.update(w for phrases in self.fillers.values() for p in phrases for w in p)
        return found

    def spell(self, words: list[str]) -> str:
        """The words as text, each name spelled as the home spells it (longest match first)."""
        out: list[str] = []
        index = 0
        longest = max((len(k) for k in self.spellings), default=0)
        while index < len(words):
            for size in range(min(longest, len(words) - index), 0, -1):
                key = tuple(words[index : index + size])
                if key in self.spellings:
                    out.append(self.spellings[key])
                    index += size
                    break
            else:
                out.append(words[index])
                index += 1
        return " ".join(out)


def home_phrases(home: HomeVocabulary) -> list[str]:
    """Every name, area, floor and custom sentence, for the open decoder's command model."""
    phrases = [name for entity in home.all_entities() for name in entity.names]
    phrases += [name for area in home.areas for name in area.names]
    phrases += [name for floor in home.floors for name in floor.names]
    return phrases + [s for s in home.sentences if not any(c in s for c in "[]{}()|<>")]


def number_slot(slot_list: Any) -> str:
    """The slot of a hassil `RangeSlotList` (ranges alike share one)."""
    halves = "+halves" if slot_list.fraction_type is not None else ""
    return f"<number:{slot_list.start}-{slot_list.stop}/{slot_list.step}{halves}>"


def range_phrases(slot_list: Any) -> list[str]:
    """Every number of a range as spoken ("twenty one", "twenty one point five")."""
    numbers = [cardinal(n) for n in range(slot_list.start, slot_list.stop + 1, slot_list.step)]
    if slot_list.fraction_type is not None:
        numbers += [f"{n} point five" for n in numbers]
    return numbers


def english_intents() -> list[Any]:
    """Home Assistant's English intents (hassil `Intents`): the full set, then the
    speech-to-phrase subset (whose sentences are mostly in the full set already). Parsed anew
    each time (0.2 s): kept, hassil's parsed templates would hold about 10 MB for good."""
    from hassil import Intents
    from home_assistant_intents import get_intents, get_speech_to_phrase_intents

    intents = []
    for document in (get_intents("en"), get_speech_to_phrase_intents("en")):
        if document is None:
            raise RuntimeError("home-assistant-intents has no English intents")
        intents.append(Intents.from_dict(document))
    return intents


def build_grammar(home: HomeVocabulary) -> HomeGrammar:
    """The grammar of `home`: Home Assistant's English intents compiled over its slots, and its
    custom sentences. The intents' part depends only on which domains, and whether areas and
    floors, the home has: it is compiled once per such shape (about 2 s) and kept."""
    from hassil.parse_expression import parse_sentence

    domains = tuple(sorted({entity.domain for entity in home.all_entities()}))
    sentences, numbers = _intent_sentences(domains, bool(home.areas), bool(home.floors))
    grammar = HomeGrammar(sentences=sentences)
    for slot, phrases in numbers.items():
        grammar.add_fillers(slot, phrases)
    for entity in home.all_entities():
        grammar.add_fillers(name_slot(entity.domain), list(entity.names))
    grammar.add_fillers(AREA_SLOT, [n for area in home.areas for n in area.names])
    grammar.add_fillers(FLOOR_SLOT, [n for floor in home.floors for n in floor.names])
    if not home.sentences:
        return grammar

    grammar.sentences = sentences.copy()
    intents = english_intents()[0]
    slots = _slots(intents.slot_lists, domains, bool(home.areas), bool(home.floors))
    for sentence in home.sentences:
        try:
            parsed = parse_sentence(sentence)
        except Exception:  # a plain sentence with stray brackets: take it word for word
            _LOGGER.debug("Custom sentence %r is not a template", sentence)
            grammar.sentences.add_path(normalize_sentence(sentence))
            continue
        compile_template(
            parsed.expression,
            grammar.sentences,
            lists=intents.slot_lists,
            rules=intents.expansion_rules,
            slots=slots,
        )
    return grammar


def _slots(
    lists: Mapping[str, Any], names: Sequence[str], has_areas: bool, has_floors: bool
) -> dict[str, list[str]]:
    """The slots that stand for hassil's lists: its number ranges, names, areas and floors."""
    from hassil import RangeSlotList

    slots = {
        list_name: [number_slot(slot_list)]
        for list_name, slot_list in lists.items()
        if isinstance(slot_list, RangeSlotList)
    }
    slots["name"] = [name_slot(domain) for domain in names]
    slots["area"] = [AREA_SLOT] if has_areas else []
    slots["floor"] = [FLOOR_SLOT] if has_floors else []
    return slots


@functools.lru_cache(maxsize=4)
def _intent_sentences(
    domains: tuple[str, ...], has_areas: bool, has_floors: bool
) -> tuple[WordGraph, dict[str, list[str]]]:
    """The intents' sentence graph for a home of this shape, and the phrases of its number
    slots. A template block that requires a domain only gets the name slots of that domain."""
    from hassil import RangeSlotList, check_excluded_context, check_required_context

    graph = WordGraph()
    numbers: dict[str, list[str]] = {}
    done: set[tuple[str, tuple[str, ...]]] = set()
    for intents in english_intents():
        for intent_name in sorted(intents.intents):
            for data in intents.intents[intent_name].data:
                names = [
                    domain
                    for domain in domains
                    if check_required_context(
                        data.requires_context, {"domain": domain} if domain else {},
                        allow_missing_keys=True,
                    )
                    and check_excluded_context(
                        data.excludes_context, {"domain": domain} if domain else {}
                    )
                ]  # fmt: skip
                lists = {**intents.slot_lists, **data.slot_lists}
                for slot_list in lists.values():
                    if isinstance(slot_list, RangeSlotList):
                        numbers.setdefault(number_slot(slot_list), range_phrases(slot_list))
                slots = _slots(lists, names, has_areas, has_floors)
                rules = {**intents.expansion_rules, **data.expansion_rules}
                for template in data.sentences:
                    key = (template.text or "", tuple(names))
                    if key not in done:
                        done.add(key)
                        compile_template(
                            template.expression, graph, lists=lists, rules=rules, slots=slots
                        )
    return graph, numbers
