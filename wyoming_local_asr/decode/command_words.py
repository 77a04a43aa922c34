"""The words of command sentences: placeholders for names, areas and floors, the names a home
is assumed to have until it sends its own, and how a sentence is split into words (lowercase,
apostrophes kept ("what's"), numbers spelled). The sentences come from `build/command_sentences.py`.
"""

from __future__ import annotations

import re

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

_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^a-z' ]+")


def normalize_sentence(text: str) -> list[str]:
    """Lowercase words; "%" -> "percent", digits spelled out, hyphens split, apostrophes kept."""
    text = text.lower().replace("’", "'").replace("%", " percent ").replace("-", " ")
    text = _NUMBER.sub(lambda match: f" {cardinal(int(match.group()))} ", text)
    words = _NOT_WORD.sub(" ", text).split()
    return [word.strip("'") for word in words if word.strip("'")]
