"""The text normalization shared by every system under evaluation."""

from __future__ import annotations

import pytest

from wyoming_local_asr.decode.number_words import cardinal, ordinal, spoken_integer
from wyoming_local_asr.evaluation.normalize import normalize, normalize_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Go forward 10 meters.", "go forward ten meters"),
        ("Mr. John Dashwood", "mister john dashwood"),
        ("mrs Jennings and Dr. Watson", "missus jennings and doctor watson"),
        ("cold-hearted, and rather selfish!", "cold hearted and rather selfish"),
        ("<s> he was not an ill disposed young man </s>", "he was not an ill disposed young man"),
        ("Set the brightness to 50%", "set the brightness to fifty percent"),
        ("It's 21°C outside", "its twenty one degrees celsius outside"),
        ("Don't turn on the 'kitchen' lights", "dont turn on the kitchen lights"),
        ("the 3rd of May", "the third of may"),
        (
            "wake me at 7:05 or 7:30 or 8:00",
            "wake me at seven oh five or seven thirty or eight oclock",
        ),
        ("pi is 3.14", "pi is three point one four"),
        ("1,000 people", "one thousand people"),
        ("it costs $5.25", "it costs five dollars twenty five cents"),
        ("Café Olé", "cafe ole"),
        ("Turn  ON\tthe   fan", "turn on the fan"),
        ("OK, alright", "okay all right"),
        ("rock & roll", "rock and roll"),
        ("zip code 02934", "zip code zero two nine three four"),
        ("29340", "two nine three four zero"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_apostrophe_spellings_normalize_alike() -> None:
    assert (
        normalize("what's today's date")
        == normalize("whats todays date")
        == normalize("What’s todays date?")
    )


def test_words_and_digits_normalize_alike() -> None:
    assert normalize("Set a timer for 5 minutes") == normalize("set a timer for five minutes")
    assert normalize_words("Go forward ten meters") == ["go", "forward", "ten", "meters"]


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (10, "ten"),
        (19, "nineteen"),
        (20, "twenty"),
        (42, "forty two"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (2934, "two thousand nine hundred thirty four"),
        (10_000, "ten thousand"),
        (1_000_001, "one million one"),
    ],
)
def test_cardinal(number: int, words: str) -> None:
    assert cardinal(number) == words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (5, "fifth"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty first"),
        (100, "one hundredth"),
    ],
)
def test_ordinal(number: int, words: str) -> None:
    assert ordinal(number) == words


def test_spoken_integer_reads_codes_digit_by_digit() -> None:
    assert spoken_integer("2934") == "two thousand nine hundred thirty four"
    assert spoken_integer("007") == "zero zero seven"
    assert spoken_integer("0") == "zero"
    assert spoken_integer("12345") == "one two three four five"
