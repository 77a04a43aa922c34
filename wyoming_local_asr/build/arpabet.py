"""CMUdict pronunciations (ARPAbet without stress marks) mapped into the model's IPA phonemes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

ARPABET_TO_IPA = {
    "AA": "ɑ",
    "AE": "æ",
    "AH": "ʌ",  # "ə" when unstressed: see `arpabet_to_ipa`
    "AO": "ɔ",
    "AW": "aʊ",
    "AY": "aɪ",
    "EH": "ɛ",
    "ER": "ɝ",
    "EY": "eɪ",
    "IH": "ɪ",
    "IY": "i",
    "OW": "oʊ",
    "OY": "ɔɪ",
    "UH": "ʊ",
    "UW": "u",
    "B": "b",
    "CH": "t͡ʃ",
    "D": "d",
    "DH": "ð",
    "F": "f",
    "G": "g",
    "HH": "h",
    "JH": "d͡ʒ",
    "K": "k",
    "L": "l",
    "M": "m",
    "N": "n",
    "NG": "ŋ",
    "P": "p",
    "R": "ɹ",
    "S": "s",
    "SH": "ʃ",
    "T": "t",
    "TH": "θ",
    "V": "v",
    "W": "w",
    "Y": "j",
    "Z": "z",
    "ZH": "ʒ",
}
VOWELS = frozenset(
    ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
)


def arpabet_to_ipa(phones: Sequence[str]) -> list[str]:
    """Map ARPAbet phones (stress digits ignored) to IPA.

    Without stress marks "AH" is ambiguous: a word whose only vowel is "AH" has it stressed
    ("but" -> "b ʌ t"); in longer words it is mostly the unstressed schwa ("about" -> "ə b aʊ t"),
    which is how hama's G2P writes it.
    """
    bare = [phone.rstrip("012").upper() for phone in phones]
    unknown = [phone for phone in bare if phone not in ARPABET_TO_IPA]
    if unknown:
        raise ValueError(f"unknown ARPAbet phones: {unknown}")
    vowels = sum(phone in VOWELS for phone in bare)
    return ["ə" if phone == "AH" and vowels > 1 else ARPABET_TO_IPA[phone] for phone in bare]


def parse_cmudict(lines: Iterable[str]) -> dict[str, list[list[str]]]:
    """Word -> distinct IPA pronunciations from `word[(n)] PHONES...` lines, in file order."""
    result: dict[str, list[list[str]]] = {}
    for line in lines:
        if line.startswith(";;;"):
            continue
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        word = parts[0].lower()
        if word.endswith(")") and "(" in word:
            word = word[: word.rindex("(")]
        try:
            pronunciation = arpabet_to_ipa(parts[1:])
        except ValueError:
            continue
        variants = result.setdefault(word, [])
        if pronunciation and pronunciation not in variants:
            variants.append(pronunciation)
    return result


def read_cmudict(path: Path) -> dict[str, list[list[str]]]:
    with path.open(encoding="utf-8") as stream:
        return parse_cmudict(stream)
