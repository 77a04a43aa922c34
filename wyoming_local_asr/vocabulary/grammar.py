"""A home's command grammar: Home Assistant's English intents over the home's own names.

`home_assistant_intents.get_speech_to_phrase_intents("en")` (the templates Home Assistant keeps
for closed-vocabulary recognition; its full `get_intents("en")` expands to too many templates to
enumerate), expanded with `hassil`. Names are not multiplied into the sentences: a template
keeps a slot per kind of name (`<name:light>`, `<area>`, `<floor>`) and the slot's fillers are
the home's names, so the grammar grows with the domains a home has, not with its entity count.
A template block that requires a domain (a lock is "locked", a cover "opened") only gets the
names of that domain; names of unknown domain (plain phrases) fit every name slot. Numeric
ranges become a few spoken numbers each. Templates with a free-text slot (shopping-list items,
timer names) are left to the open decoder. The home's custom sentences are parsed as hassil
templates too.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from ..decode.command_words import normalize_sentence, spoken_numbers
from .home import HomeVocabulary

_LOGGER = logging.getLogger(__name__)

AREA_SLOT = "<area>"
FLOOR_SLOT = "<floor>"
# At most this many sentences from one template (its optional words and alternatives).
MAX_PER_TEMPLATE = 400


def name_slot(domain: str) -> str:
    return f"<name:{domain}>"


@dataclass
class HomeGrammar:
    """Sentences (word tuples with slots) and the phrases that fill each slot."""

    templates: list[tuple[str, ...]] = field(default_factory=list)
    fillers: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    # How Home Assistant spells each name (normalized words -> the name as given).
    spellings: dict[tuple[str, ...], str] = field(default_factory=dict)

    _seen: set[tuple[str, ...]] = field(default_factory=set, repr=False)

    def add_template(self, words: tuple[str, ...]) -> None:
        if words and words not in self._seen:
            self._seen.add(words)
            self.templates.append(words)

    def add_fillers(self, slot: str, names: list[str]) -> None:
        phrases = self.fillers.setdefault(slot, [])
        for name in names:
            words = tuple(normalize_sentence(name))
            if words and words not in phrases:
                phrases.append(words)
                self.spellings.setdefault(words, name)

    @property
    def words(self) -> set[str]:
        found = {w for t in self.templates for w in t if not w.startswith("<")}
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


def speech_to_phrase_intents() -> tuple[Any, dict[str, Any]]:
    """Home Assistant's English speech-to-phrase intents (hassil `Intents`) and their slot
    lists, numeric ranges replaced by a few spoken numbers each."""
    from hassil import Intents, RangeSlotList, TextSlotList
    from home_assistant_intents import get_speech_to_phrase_intents

    document = get_speech_to_phrase_intents("en")
    if document is None:
        raise RuntimeError("home-assistant-intents has no English speech-to-phrase intents")
    intents = Intents.from_dict(document)
    slot_lists: dict[str, Any] = dict(intents.slot_lists)
    for list_name, slot_list in intents.slot_lists.items():
        if isinstance(slot_list, RangeSlotList):
            slot_lists[list_name] = TextSlotList.from_strings(spoken_numbers(list_name))
    return intents, slot_lists


def home_phrases(home: HomeVocabulary) -> list[str]:
    """Every name, area, floor and custom sentence, for the open decoder's command model."""
    phrases = [name for entity in home.all_entities() for name in entity.names]
    phrases += [name for area in home.areas for name in area.names]
    phrases += [name for floor in home.floors for name in floor.names]
    return phrases + [s for s in home.sentences if not any(c in s for c in "[]{}()|<>")]


def _marker(index: int) -> str:
    """A plain lowercase word that stands for slot `index` while hassil expands."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return f"zzslot{letters}"


def build_grammar(home: HomeVocabulary, max_per_template: int = MAX_PER_TEMPLATE) -> HomeGrammar:
    """The grammar of `home` (hassil and home-assistant-intents, a few seconds at most)."""
    from hassil import (
        TextSlotList,
        check_excluded_context,
        check_required_context,
    )
    from hassil.parse_expression import parse_sentence
    from hassil.sample import sample_expression

    grammar = HomeGrammar()

    domains = sorted({entity.domain for entity in home.all_entities()})
    for entity in home.all_entities():
        grammar.add_fillers(name_slot(entity.domain), list(entity.names))
    grammar.add_fillers(AREA_SLOT, [n for area in home.areas for n in area.names])
    grammar.add_fillers(FLOOR_SLOT, [n for floor in home.floors for n in floor.names])

    slots = [name_slot(d) for d in domains] + [AREA_SLOT, FLOOR_SLOT]
    markers = {_marker(i): slot for i, slot in enumerate(slots)}
    by_slot = {slot: marker for marker, slot in markers.items()}

    intents, slot_lists = speech_to_phrase_intents()
    name_values = TextSlotList.from_tuples(
        [
            (by_slot[name_slot(d)], by_slot[name_slot(d)], {"domain": d} if d else {})
            for d in domains
        ]
    )
    slot_lists["area"] = TextSlotList.from_strings([by_slot[AREA_SLOT]] if home.areas else [])
    slot_lists["floor"] = TextSlotList.from_strings([by_slot[FLOOR_SLOT]] if home.floors else [])

    def add_expanded(expression: Any, lists: dict[str, Any], rules: dict[str, Any]) -> None:
        texts = sample_expression(expression, lists, rules, language="en")
        for text in itertools.islice(texts, max_per_template):
            grammar.add_template(tuple(markers.get(w, w) for w in normalize_sentence(text)))

    for intent_name in sorted(intents.intents):
        for data in intents.intents[intent_name].data:
            values = [
                value
                for value in name_values.values
                if check_required_context(
                    data.requires_context, value.context or {}, allow_missing_keys=True
                )
                and check_excluded_context(data.excludes_context, value.context or {})
            ]
            lists = {
                **slot_lists,
                **data.slot_lists,
                "name": TextSlotList(name="name", values=values),
            }
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for template in data.sentences:
                used = set(template.list_names(rules))
                if used & set(data.wildcard_list_names):
                    continue
                if any(
                    name in used and not lists[name].values for name in ("name", "area", "floor")
                ):
                    continue
                add_expanded(template.expression, lists, rules)

    all_names = TextSlotList(name="name", values=list(name_values.values))
    for sentence in home.sentences:
        try:
            parsed = parse_sentence(sentence)
        except Exception:  # a plain sentence with stray brackets: take it word for word
            _LOGGER.debug("Custom sentence %r is not a template", sentence)
            grammar.add_template(tuple(normalize_sentence(sentence)))
            continue
        add_expanded(
            parsed.expression, {**slot_lists, "name": all_names}, dict(intents.expansion_rules)
        )
    return grammar
