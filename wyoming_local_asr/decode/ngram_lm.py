"""The general English language model: a backoff trigram over `NgramTables`.

A state is the history the model can still use, packed in one int: the last word in the low
bits and, when the last two words form a bigram that matters for the next word (it has trigram
continuations or a backoff weight: a "context"), that context's row + 1 above them. Histories
that score every next word the same share a state, so the beam search can merge them.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

from .ngram_tables import NgramTables, find_in_row

SENTENCE_START = "<s>"
SENTENCE_END = "</s>"


class NgramLanguageModel:
    """Implements the `LanguageModel` Protocol (`language_model.py`)."""

    def __init__(self, tables: NgramTables) -> None:
        self.tables = tables
        self.words = tables.words
        self.unknown_id = len(tables.words)
        # The vocabulary is sorted (pocketsphinx's is): ids by binary search, no dict of 72k
        # entries (about 5 MB). Another order falls back to a dict.
        self._sorted = all(a < b for a, b in zip(self.words, self.words[1:], strict=False))
        self._ids = {} if self._sorted else {word: i for i, word in enumerate(self.words)}
        self._bits = (self.unknown_id + 1).bit_length()
        self._mask = (1 << self._bits) - 1
        # memoryviews: indexing them and `bisect` over them run at C speed without numpy calls.
        self._uni_p = memoryview(tables.unigram_logprob)
        self._uni_bo = memoryview(tables.unigram_backoff)
        self._bi_off = memoryview(tables.bigram_offsets)
        self._bi_w = memoryview(tables.bigram_words)
        self._bi_high = memoryview(tables.bigram_high)
        self._bi_p = memoryview(tables.bigram_logprob)
        self._ctx = memoryview(tables.context_bigrams)
        self._ctx_bo = memoryview(tables.context_backoff)
        self._contexts = len(tables.context_bigrams)
        self._tri_off = memoryview(tables.trigram_offsets)
        self._tri_w = memoryview(tables.trigram_words)
        self._tri_high = memoryview(tables.trigram_high)
        self._tri_p = memoryview(tables.trigram_logprob)
        self._start = self.word_id(SENTENCE_START)
        self._end = self.word_id(SENTENCE_END)

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> NgramLanguageModel:
        return cls(NgramTables.load(directory, mmap=mmap))

    def __contains__(self, word: str) -> bool:
        return self.word_id(word) != self.unknown_id

    def word_id(self, word: str) -> int:
        if not self._sorted:
            return self._ids.get(word, self.unknown_id)
        index = bisect_left(self.words, word)
        if index < self.unknown_id and self.words[index] == word:
            return index
        return self.unknown_id

    def initial_state(self) -> int:
        return self._start

    def _find_bigram(self, previous: int, word: int) -> int:
        """Index of bigram (previous, word), -1 if the model has none."""
        return find_in_row(self._bi_w, self._bi_off, self._bi_high, previous, word)

    def _find_trigram(self, context: int, word: int) -> int:
        """Index of the trigram (context row, word), -1 if the model has none."""
        return find_in_row(self._tri_w, self._tri_off, self._tri_high, context, word)

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        previous = state & self._mask
        context = (state >> self._bits) - 1  # context row of the last two words, -1 if none
        logprob: float
        bigram = self._find_bigram(previous, word_id)
        if bigram < 0:
            # A trigram (w-2, w-1, word) exists only if the bigram (w-1, word) does.
            logprob = self._uni_bo[previous] + self._uni_p[word_id]
            if context >= 0:
                logprob += self._ctx_bo[context]
            return logprob, word_id
        trigram = self._find_trigram(context, word_id) if context >= 0 else -1
        if trigram >= 0:
            logprob = self._tri_p[trigram]
        elif context >= 0:
            logprob = self._ctx_bo[context] + self._bi_p[bigram]
        else:
            logprob = self._bi_p[bigram]
        row = bisect_left(self._ctx, bigram)
        if row < self._contexts and self._ctx[row] == bigram:
            return logprob, word_id | ((row + 1) << self._bits)
        return logprob, word_id

    def final_score(self, state: int) -> float:
        return self.score(state, self._end)[0]
