"""Sentences for the command language model, from Home Assistant's own sentence templates.

`home_assistant_intents.get_speech_to_phrase_intents("en")` expanded with `hassil`. Entity names
and areas are placeholders (`NAME`, `AREA`) that the command model fills with a list of names it
can extend at run time; numeric ranges are replaced by a few spoken numbers each, so that numbers
do not swamp the counts.
"""

from __future__ import annotations

from ..decode.command_words import PLACEHOLDERS, normalize_sentence
from ..vocabulary.grammar import speech_to_phrase_intents


def template_sentences(max_per_template: int = 1000) -> list[list[str]]:
    """Placeholder sentences of all English speech-to-phrase intents (distinct, in order)."""
    import itertools

    from hassil import TextSlotList
    from hassil.sample import sample_sentence

    intents, slot_lists = speech_to_phrase_intents()
    # hassil would read "<name>" as a rule: the slots get plain marker words, swapped afterwards.
    markers = {f"zz{placeholder[1:-1]}": placeholder for placeholder in PLACEHOLDERS}
    for marker, placeholder in markers.items():
        slot_lists[placeholder[1:-1]] = TextSlotList.from_strings([marker])
    sentences: dict[tuple[str, ...], None] = {}
    for intent_name in sorted(intents.intents):
        for data in intents.intents[intent_name].data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for template in data.sentences:
                if any(name in data.wildcard_list_names for name in template.list_names(rules)):
                    continue
                expanded = sample_sentence(template, slot_lists, rules, language="en")
                for text in itertools.islice(expanded, max_per_template):
                    words = [markers.get(word, word) for word in normalize_sentence(text)]
                    if words:
                        sentences[tuple(words)] = None
    return [list(words) for words in sentences]
