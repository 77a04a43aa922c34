"""Helpers for the decoder tests: a small bigram LM and peaky log-prob matrices."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from wyoming_local_asr.decode.phoneme_tokens import TokenTable


class BigramLM:
    """A bigram model from sentences (a real LanguageModel, natural log): maximum-likelihood
    bigrams interpolated with add-k unigrams, so that seen words beat unseen ones anywhere.

    State = id of the previous word (`<s>` at the start). Unknown words share one id."""

    def __init__(self, sentences: Sequence[str], k: float = 0.1, weight: float = 0.7) -> None:
        self.words = ["<s>", "</s>", "<unk>"]
        self.ids: dict[str, int] = {}
        pairs: Counter[tuple[int, int]] = Counter()
        for sentence in sentences:
            ids = [0, *(self._add(word) for word in sentence.split()), 1]
            pairs.update(itertools.pairwise(ids))
        self.ids.update({w: i for i, w in enumerate(self.words)})
        size = len(self.words)
        counts = np.zeros((size, size))
        for (a, b), n in pairs.items():
            counts[a, b] += n
        unigram = counts.sum(axis=0) + k
        unigram[0] = 0.0  # nothing predicts <s>
        unigram /= unigram.sum()
        totals = counts.sum(axis=1, keepdims=True)
        bigram = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        mixed = np.where(totals > 0, weight * bigram + (1 - weight) * unigram, unigram)
        with np.errstate(divide="ignore"):
            self.table = np.log(mixed)

    def _add(self, word: str) -> int:
        if word not in self.words:
            self.words.append(word)
        return self.words.index(word)

    def word_id(self, word: str) -> int:
        return self.ids.get(word, 2)

    def initial_state(self) -> int:
        return 0

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        return float(self.table[state, word_id]), word_id

    def final_score(self, state: int) -> float:
        return float(self.table[state, 1])


def peaky(tokens: TokenTable, sequence: Sequence[str | dict[str, float]]) -> NDArray[np.float32]:
    """Log-probs with one frame per item: a token name (probability 0.98, the rest spread over
    the other tokens) or a {token: probability} dict; "_" is blank."""
    size = len(tokens)
    rows = []
    for item in sequence:
        wanted = {item: 0.98} if isinstance(item, str) else dict(item)
        wanted = {("<blank>" if t == "_" else t): p for t, p in wanted.items()}
        rest = (1.0 - sum(wanted.values())) / (size - len(wanted))
        row = np.full(size, rest)
        for token, prob in wanted.items():
            row[tokens.id(token)] = prob
        rows.append(np.log(row))
    return np.array(rows, dtype=np.float32)
