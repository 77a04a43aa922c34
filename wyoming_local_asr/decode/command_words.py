"""Sentences for the command language model, from Home Assistant's own sentence templates.

`home_assistant_intents.get_speech_to_phrase_intents("en")` expanded with `hassil`. Entity names
and areas are placeholders (`NAME`, `AREA`) that the command model fills with a list of names it
can extend at run time; numeric ranges are replaced by a few spoken numbers each, so that numbers
do not swamp the counts. Words are lowercase with apostrophes kept ("what's"), numbers spelled.
"""

from __future__ import annotations

import re
from typing import Any

from .number_words import cardinal

NAME = "<name>"
AREA = "<area>"
FLOOR = "<floor>"
PLACEHOLDERS = (NAME, AREA, FLOOR)

# Typical entity names and places of a home; the user's own come in through `add_phrases`.
DEFAULT_NAMES = [
    "light", "lights", "lamp", "kitchen light", "kitchen lights", "living room light",
    "bedroom light", "bathroom light", "hallway light", "porch light", "ceiling light",
    "desk lamp", "floor lamp", "ceiling fan", "fan", "tv", "television", "radio", "speaker",
    "coffee maker", "heater", "air conditioner", "thermostat", "garage door", "front door",
    "back door", "blinds", "curtains", "shades", "window", "water valve", "sprinkler",
    "outside temperature", "humidity", "guest mode", "vacuum", "dishwasher", "washing machine",
]  # fmt: skip
DEFAULT_AREAS = [
    "kitchen", "living room", "bedroom", "bathroom", "office", "garage", "hallway", "basement",
    "dining room", "kids room", "garden", "attic", "laundry room", "master bedroom",
]  # fmt: skip
DEFAULT_FLOORS = ["upstairs", "downstairs", "first floor", "second floor", "ground floor"]

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

_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^a-z' ]+")


def normalize_sentence(text: str) -> list[str]:
    """Lowercase words; "%" -> "percent", digits spelled out, hyphens split, apostrophes kept."""
    text = text.lower().replace("’", "'").replace("%", " percent ").replace("-", " ")
    text = _NUMBER.sub(lambda match: f" {cardinal(int(match.group()))} ", text)
    words = _NOT_WORD.sub(" ", text).split()
    return [word.strip("'") for word in words if word.strip("'")]


def _spoken_numbers(name: str) -> list[str]:
    return [cardinal(number) for number in RANGE_NUMBERS.get(name, _PERCENTS)]


def template_sentences(max_per_template: int = 1000) -> list[list[str]]:
    """Placeholder sentences of all English speech-to-phrase intents (distinct, in order)."""
    import itertools

    from hassil import Intents, RangeSlotList, TextSlotList
    from hassil.sample import sample_sentence
    from home_assistant_intents import get_speech_to_phrase_intents

    document = get_speech_to_phrase_intents("en")
    if document is None:
        raise RuntimeError("home-assistant-intents has no English speech-to-phrase intents")
    intents = Intents.from_dict(document)
    slot_lists: dict[str, Any] = dict(intents.slot_lists)
    for name, slot_list in intents.slot_lists.items():
        if isinstance(slot_list, RangeSlotList):
            slot_lists[name] = TextSlotList.from_strings(_spoken_numbers(name))
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
