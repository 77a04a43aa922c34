"""The model's token table: which output column is which phoneme, blank and word boundary."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from ..acoustic.token_file import read_tokens

BLANK = "<blank>"
WORD_BOUNDARY = "<wb>"

# Spellings of one phoneme that the model and hama's G2P both use; the key is folded into the
# value. The model has ASCII "g" (id 18) and IPA "ɡ" (id 95) and emits either.
PHONEME_ALIASES = {"ɡ": "g"}

# Unicode categories of characters that make a token a phoneme (a letter of some alphabet).
_LETTER_CATEGORIES = {"Ll", "Lu", "Lo"}


def normalize_phoneme(phoneme: str) -> str:
    """The canonical spelling of `phoneme` ("ɡ" -> "g")."""
    return PHONEME_ALIASES.get(phoneme, phoneme)


def is_phoneme(token: str) -> bool:
    """True for tokens that name a sound; False for diacritics, tones, punctuation, space and
    special tokens such as `<pad>`, which the decoder treats as silence."""
    if token.startswith("<") and token.endswith(">"):
        return False
    return any(unicodedata.category(char) in _LETTER_CATEGORIES for char in token)


class TokenTable:
    """Output tokens of a CTC phoneme model, indexed by output column."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens: list[str] = list(tokens)
        self._ids = {token: index for index, token in enumerate(self.tokens)}
        if BLANK not in self._ids or WORD_BOUNDARY not in self._ids:
            raise ValueError(f"token table needs {BLANK} and {WORD_BOUNDARY}")
        self.blank_id = self._ids[BLANK]
        self.word_boundary_id = self._ids[WORD_BOUNDARY]

    @classmethod
    def load(cls, path: Path) -> TokenTable:
        """Read a sherpa-onnx `tokens.txt` (`<token> <id>` per line)."""
        return cls(read_tokens(path))

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        """Column of `token`; KeyError when the model has no such token."""
        return self._ids[token]

    def phoneme_id(self, phoneme: str) -> int | None:
        """Column of the canonical spelling of `phoneme`, None when it is not a phoneme here."""
        index = self._ids.get(normalize_phoneme(phoneme))
        if index is None or not is_phoneme(self.tokens[index]):
            return None
        return index

    def canonical_ids(self) -> list[int]:
        """For each column, the column it counts as: aliases fold into their canonical phoneme,
        non-phoneme tokens (diacritics, tones, specials) into blank; `<wb>` stays itself."""
        canonical: list[int] = []
        for index, token in enumerate(self.tokens):
            if index in (self.blank_id, self.word_boundary_id):
                canonical.append(index)
            elif is_phoneme(token):
                canonical.append(self._ids.get(normalize_phoneme(token), index))
            else:
                canonical.append(self.blank_id)
        return canonical
