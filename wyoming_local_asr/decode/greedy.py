"""Greedy CTC decoding to phonemes: the model's own best guess, for debugging."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .phoneme_tokens import TokenTable


def greedy_token_ids(logprobs: NDArray[np.float32], blank_id: int) -> list[int]:
    """Best token per frame, repeats collapsed, blanks removed."""
    if len(logprobs) == 0:
        return []
    best = np.argmax(logprobs, axis=1)
    changed = np.empty(len(best), dtype=bool)
    changed[0] = True
    np.not_equal(best[1:], best[:-1], out=changed[1:])
    kept = best[changed & (best != blank_id)]
    return [int(index) for index in kept]


def greedy_phonemes(logprobs: NDArray[np.float32], tokens: TokenTable) -> str:
    """Phonemes separated by spaces, words by " | ", as in "h i | w ɑ z"."""
    words: list[list[str]] = [[]]
    for index in greedy_token_ids(logprobs, tokens.blank_id):
        if index == tokens.word_boundary_id:
            words.append([])
        else:
            words[-1].append(tokens.tokens[index])
    return " | ".join(" ".join(word) for word in words if word)
