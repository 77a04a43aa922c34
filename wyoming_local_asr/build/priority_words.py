"""Words a voice assistant needs most, so that a lexicon build gives them pronunciations first.

In order: the words of Home Assistant's sentence templates (speech-to-phrase intents, then the full
English intents), spoken numbers, and the words of the `pocketsphinx-testdata` transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..decode.number_words import cardinal, ordinal

TESTDATA_DIR = Path("/usr/share/pocketsphinx/test/data")
_WORD = re.compile(r"[a-z][a-z']*")


def words_of(text: str) -> list[str]:
    """Lowercase words of free text (templates, transcripts): letters and apostrophes."""
    return _WORD.findall(text.lower().replace("’", "'"))


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            if isinstance(key, str) and key not in ("language", "requires_context"):
                yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


def template_words() -> list[str]:
    """Words of Home Assistant's English templates, list values and expansion rules."""
    from home_assistant_intents import get_intents, get_speech_to_phrase_intents

    words: dict[str, None] = {}
    for document in (get_speech_to_phrase_intents("en"), get_intents("en")):
        for text in _strings(document or {}):
            # Template syntax: {slot} names and <rule> names are not spoken words.
            spoken = re.sub(r"\{[^}]*\}|<[^>]*>", " ", text)
            words.update(dict.fromkeys(words_of(spoken)))
    return list(words)


def number_words() -> list[str]:
    words: dict[str, None] = {}
    for number in range(101):
        words.update(dict.fromkeys(cardinal(number).split()))
        words.update(dict.fromkeys(ordinal(number).split()))
    words.update(dict.fromkeys(["hundred", "thousand", "million", "percent", "degrees", "point"]))
    return list(words)


def transcript_words(directory: Path = TESTDATA_DIR) -> list[str]:
    words: dict[str, None] = {}
    for path in sorted(directory.rglob("*transcription*")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            # Transcripts end with "(utterance-id)".
            words.update(dict.fromkeys(words_of(re.sub(r"\([^)]*\)\s*$", "", line))))
    return list(words)


def priority_words() -> list[str]:
    """All priority words, most useful first, without duplicates."""
    ordered: dict[str, None] = {}
    sources: Iterable[list[str]] = (template_words(), number_words(), transcript_words())
    for source in sources:
        ordered.update(dict.fromkeys(source))
    return list(ordered)
