"""Home Assistant style voice commands from Home Assistant's own sentence templates.

The templates are `home_assistant_intents.get_speech_to_phrase_intents("en")` (27 intents),
expanded with `hassil` for a small sample home: entity names that fit each template's domain,
a few areas and floors, and a few spoken numbers in place of the numeric ranges. The choice of
sentences is deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .normalize import normalize

# Entity names of the sample home, by Home Assistant domain.
NAMES_BY_DOMAIN = {
    "light": ["kitchen light", "desk lamp", "porch light"],
    "switch": ["coffee maker"],
    "fan": ["ceiling fan"],
    "media_player": ["radio"],
    "input_boolean": ["guest mode"],
    "cover": ["garage door", "living room blinds"],
    "valve": ["water valve"],
    "lock": ["front door", "back door"],
    "sensor": ["outside temperature", "humidity"],
    "climate": ["thermostat"],
}
AREAS = ["kitchen", "living room", "bedroom", "office", "garage"]
FLOORS = ["upstairs", "downstairs", "first floor"]
# Spoken numbers used instead of the templates' numeric ranges.
NUMBERS = {
    "brightness": ["twenty", "fifty", "seventy five"],
    "position": ["thirty", "fifty", "eighty"],
    "fan_speed": ["forty", "sixty"],
    "volume": ["twenty five", "forty", "sixty"],
    "volume_step_up": ["ten", "twenty"],
    "volume_step_down": ["ten", "twenty"],
    "temperature": ["twenty one", "sixty eight", "seventy two"],
    "timer_seconds": ["thirty", "forty five"],
    "timer_minutes": ["five", "ten", "fifteen"],
    "timer_hours": ["two", "three"],
    "color_temperature": ["three thousand", "four thousand"],
}
# Expanding one template stops after this many sentences (ranges and lists multiply quickly).
MAX_PER_TEMPLATE = 400


@dataclass(frozen=True)
class CommandSentence:
    intent: str
    text: str  # the reference: normalized words (`normalize.py`)
    spoken: str  # what the TTS voice is given: the same words, apostrophes kept ("what's")


def spoken_form(text: str) -> str:
    """Template text as a TTS voice should read it: lowercase words, "%" said as "percent"."""
    text = text.lower().replace("%", " percent ").replace("-", " ")
    return " ".join(re.sub(r"[^a-z' ]+", " ", text).split())


def command_sentences(
    per_intent: int = 2, seed: int = 0, exclude: Collection[str] = ()
) -> list[CommandSentence]:
    """`per_intent` distinct sentences for each of the English speech-to-phrase intents, none
    of whose normalized text is in `exclude`."""
    from hassil import Intents, TextSlotList
    from hassil.sample import sample_sentence
    from home_assistant_intents import get_speech_to_phrase_intents

    document = get_speech_to_phrase_intents("en")
    if document is None:
        raise RuntimeError("home-assistant-intents has no English speech-to-phrase intents")
    intents = Intents.from_dict(document)
    shared_lists: dict[str, Any] = {
        "area": TextSlotList.from_strings(AREAS),
        "floor": TextSlotList.from_strings(FLOORS),
        **{name: TextSlotList.from_strings(values) for name, values in NUMBERS.items()},
    }
    sentences: list[CommandSentence] = []
    for intent_name in sorted(intents.intents):
        candidates: dict[str, str] = {}
        for data in intents.intents[intent_name].data:
            names = _names_for(data.requires_context)
            slot_lists = {
                **intents.slot_lists,
                **shared_lists,
                "name": TextSlotList.from_strings(names),
            }
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for template in data.sentences:
                if any(name in data.wildcard_list_names for name in template.list_names(rules)):
                    continue
                expanded = sample_sentence(template, slot_lists, rules, language="en")
                for text in itertools.islice(expanded, MAX_PER_TEMPLATE):
                    # Fractions such as "1/2 an hour" read badly once spelled out.
                    reference = normalize(text)
                    if "/" not in text and reference and reference not in exclude:
                        candidates.setdefault(reference, spoken_form(text))
        chooser = random.Random(f"{seed}:{intent_name}")
        chosen = chooser.sample(sorted(candidates), min(per_intent, len(candidates)))
        sentences.extend(CommandSentence(intent_name, text, candidates[text]) for text in chosen)
    return sentences


def _names_for(requires_context: dict[str, Any]) -> list[str]:
    domains = requires_context.get("domain")
    if isinstance(domains, str):
        domains = [domains]
    if not domains:
        domains = ["light", "fan", "cover", "lock"]
    names = [name for domain in domains for name in NAMES_BY_DOMAIN.get(domain, [])]
    return names or NAMES_BY_DOMAIN["light"]
