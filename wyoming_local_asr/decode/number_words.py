"""Numbers as spoken English words: 2934 -> "two thousand nine hundred thirty four"."""

from __future__ import annotations

ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))

# Ordinal forms of the words that end a cardinal ("twenty one" -> "twenty first").
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def cardinal(number: int) -> str:
    """Spoken form of a non-negative integer, without "and" or hyphens."""
    if number < 0:
        return "minus " + cardinal(-number)
    return " ".join(_cardinal_words(number))


def _cardinal_words(number: int) -> list[str]:
    if number < 20:
        return [ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [TENS[tens]] + ([ONES[ones]] if ones else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [ONES[hundreds], "hundred"] + (_cardinal_words(rest) if rest else [])
    for scale, name in SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return _cardinal_words(high) + [name] + (_cardinal_words(rest) if rest else [])
    raise AssertionError("unreachable")


def ordinal(number: int) -> str:
    """Spoken ordinal: 1 -> "first", 22 -> "twenty second", 100 -> "one hundredth"."""
    words = cardinal(number).split()
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def digits(text: str) -> str:
    """Digit by digit, as in codes and phone numbers: "029" -> "zero two nine"."""
    return " ".join(ONES[int(char)] for char in text)


def spoken_integer(text: str) -> str:
    """A run of digits as a speaker would most likely say it.

    Leading zeros and runs of five or more digits (codes, phone numbers, zip codes) are read
    digit by digit; anything else as a cardinal number.
    """
    if (len(text) > 1 and text.startswith("0")) or len(text) >= 5:
        return digits(text)
    return cardinal(int(text))
