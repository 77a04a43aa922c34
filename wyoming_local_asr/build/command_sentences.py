"""Sentences for the command language model, from Home Assistant's own sentence templates.

`home_assistant_intents.get_speech_to_phrase_intents("en")` expanded with `hassil`. Entity names
and areas are placeholders (`NAME`, `AREA`) that the command model fills with a list of names it
can extend at run time; numeric ranges are replaced by a few spoken numbers each, so that numbers
do not swamp the counts.
"""

from __future__ import annotations

from typing import Any

from ..decode.command_words import PLACEHOLDERS, normalize_sentence
from ..decode.number_words import cardinal

# Spoken numbers that stand in for each kind of numeric range of the templates.
_PERCENTS = [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 100]
_SMALL = [1, 2, 3, 4, 5, 6, 10, 15, 20, 30, 45, 90]
_DEGREES = [16, 18, 19, 20, 21, 22, 23, 24, 25, 65, 68, 70, 72, 75]
_KELVIN = [2000, 2700, 3000, 4000, 5000, 6500]
RANGE_NUMBERS: dict[str, list[int]] = {
    "temperature": _DEGREES,
    "color_temperature": _KELVIN,
    "timer_seconds": _SMALL,
    "timer_minutes": _SMALL,
    "timer_hours": _SMALL[:6],
}


def spoken_numbers(range_name: str) -> list[str]:
    """The spoken numbers that stand in for a numeric range of the templates."""
    return [cardinal(number) for number in RANGE_NUMBERS.get(range_name, _PERCENTS)]


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
