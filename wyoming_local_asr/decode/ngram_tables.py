"""A backoff trigram model as compact, memory-mappable arrays (`<model_dir>/lm/general/*.npy`).

Rows are indexed by history so that a query is two binary searches in short sorted rows:
- unigrams: `unigram_logprob`, `unigram_backoff` (float32, one per word; the last entry is the
  unknown word);
- bigrams by previous word: `bigram_offsets` (int32, words + 1) delimit each word's row in
  `bigram_words` (sorted within the row) and `bigram_logprob` (float16);
- contexts: the bigrams that can be a trigram history (they have trigram continuations or a
  backoff weight), `context_bigrams` (int32, sorted bigram indices) with `context_backoff`
  (float16); every other bigram has backoff weight 0 and no continuation;
- trigrams by context: `trigram_offsets` (int32, contexts + 1) delimit each context's row in
  `trigram_words` (sorted) and `trigram_logprob` (float16).
Word ids in rows take 16 bits: `*_words` (uint16) holds their low 16 bits, and since a row is
sorted its ids of 65,536 and above come last, from the index `*_high` (int32, one per row) gives.
That halves the two largest arrays (the pages a server keeps resident) for vocabularies up to
131,072 words; the general model has 72,548. Scores are natural logs. `vocabulary.txt` lists the
words in id order.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

VOCABULARY_FILE = "vocabulary.txt"
WORD_BITS = 16
LOW_MASK = (1 << WORD_BITS) - 1
MAX_VOCABULARY = 2 << WORD_BITS  # ids below this fit the low 16 bits and the row split


@dataclass
class NgramTables:
    words: list[str]
    unigram_logprob: NDArray[np.float32]
    unigram_backoff: NDArray[np.float32]
    bigram_offsets: NDArray[np.int32]
    bigram_words: NDArray[np.uint16]
    bigram_high: NDArray[np.int32]
    bigram_logprob: NDArray[np.float16]
    context_bigrams: NDArray[np.int32]
    context_backoff: NDArray[np.float16]
    trigram_offsets: NDArray[np.int32]
    trigram_words: NDArray[np.uint16]
    trigram_high: NDArray[np.int32]
    trigram_logprob: NDArray[np.float16]

    @property
    def array_names(self) -> list[str]:
        return [field.name for field in fields(self) if field.name != "words"]

    def nbytes(self) -> int:
        return sum(int(getattr(self, name).nbytes) for name in self.array_names)

    def save(self, directory: Path) -> list[Path]:
        """Write one uncompressed `.npy` per array (memory-mappable) and the vocabulary."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name in self.array_names:
            path = directory / f"{name}.npy"
            np.save(path, getattr(self, name), allow_pickle=False)
            written.append(path)
        vocabulary = directory / VOCABULARY_FILE
        vocabulary.write_text("\n".join(self.words) + "\n", encoding="utf-8")
        written.append(vocabulary)
        return written

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> NgramTables:
        mode: Literal["r"] | None = "r" if mmap else None
        arrays = {
            field.name: np.load(directory / f"{field.name}.npy", mmap_mode=mode)
            for field in fields(cls)
            if field.name != "words"
        }
        # Interned: the lexicon holds the same 72k words and shares these strings (4 MB).
        text = (directory / VOCABULARY_FILE).read_text(encoding="utf-8")
        words = [sys.intern(word) for word in text.splitlines()]
        return cls(words=words, **arrays)


def find_in_row(
    words: memoryview, offsets: memoryview, high: memoryview, row: int, word: int
) -> int:
    """Index of `word` in `row` of split tables (memoryviews of `*_words`, `*_offsets` and
    `*_high`), -1 if the row has no such entry."""
    lo = offsets[row]
    hi = offsets[row + 1]
    if lo == hi:
        return -1
    if word > LOW_MASK:
        lo = high[row]
        word &= LOW_MASK
    else:
        hi = high[row]
    index = bisect_left(words, word, lo, hi)
    if index < hi and words[index] == word:
        return index
    return -1
