"""One text normalization for every system under test, applied to references and hypotheses alike.

Lowercase, accents folded, markup such as `<s>` dropped, common abbreviations spelled out
("mr." -> "mister"), symbols spoken ("%" -> "percent"), numbers written as words
("10" -> "ten", "2.5" -> "two point five", "21st" -> "twenty first", "7:30" -> "seven thirty"),
hyphens split, and all punctuation removed, apostrophes included ("what's" -> "whats", so that
"what's", "whats" and "what’s" score alike; Home Assistant's templates spell it all three ways).
"""

from __future__ import annotations

import re
import unicodedata

from ..decode.number_words import cardinal, digits, ordinal, spoken_integer

ABBREVIATIONS = {
    "mr": "mister",
    "mrs": "missus",
    "ms": "miss",
    "dr": "doctor",
    "st": "saint",
    "jr": "junior",
    "sr": "senior",
    "prof": "professor",
    "vs": "versus",
    "etc": "et cetera",
}
# Spelling variants that mean the same word; the left side is rewritten to the right side.
VARIANTS = {"ok": "okay", "alright": "all right", "nevermind": "never mind"}
SYMBOLS = {
    "%": " percent ",
    "&": " and ",
    "+": " plus ",
    "@": " at ",
    "°c": " degrees celsius ",
    "°f": " degrees fahrenheit ",
    "°": " degrees ",
}

_MARKUP = re.compile(r"<[^<>]*>")
_ABBREVIATION = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\b\.?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_MONEY = re.compile(r"\$(\d+)(?:\.(\d\d))?")
_TIME = re.compile(r"\b(\d{1,2}):(\d\d)\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_DECIMAL = re.compile(r"(\d+)\.(\d+)")
_INTEGER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """The normalized form of `text`: lowercase words separated by single spaces."""
    return " ".join(normalize_words(text))


def normalize_words(text: str) -> list[str]:
    """The normalized words of `text`."""
    text = _fold_accents(text).lower().replace("’", "'").replace("‘", "'").replace("`", "'")
    text = _MARKUP.sub(" ", text)
    text = _ABBREVIATION.sub(lambda m: f" {ABBREVIATIONS[m.group(1)]} ", text)
    for symbol, spoken in SYMBOLS.items():
        text = text.replace(symbol, spoken)
    text = _spell_numbers(text)
    text = text.replace("-", " ").replace("'", "")
    text = _NOT_WORD.sub(" ", text)
    words = []
    for word in text.split():
        words.extend(VARIANTS.get(word, word).split())
    return words


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _spell_numbers(text: str) -> str:
    text = _THOUSANDS.sub("", text)
    text = _MONEY.sub(_money, text)
    text = _TIME.sub(_time, text)
    text = _ORDINAL.sub(lambda m: f" {ordinal(int(m.group(1)))} ", text)
    text = _DECIMAL.sub(
        lambda m: f" {spoken_integer(m.group(1))} point {digits(m.group(2))} ", text
    )
    return _INTEGER.sub(lambda m: f" {spoken_integer(m.group(0))} ", text)


def _money(match: re.Match[str]) -> str:
    dollars = int(match.group(1))
    spoken = f" {cardinal(dollars)} {'dollar' if dollars == 1 else 'dollars'} "
    if match.group(2):
        cents = int(match.group(2))
        spoken += f"{cardinal(cents)} {'cent' if cents == 1 else 'cents'} "
    return spoken


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes == 0:
        return f" {cardinal(hours)} o'clock "
    if minutes < 10:
        return f" {cardinal(hours)} oh {cardinal(minutes)} "
    return f" {cardinal(hours)} {cardinal(minutes)} "
