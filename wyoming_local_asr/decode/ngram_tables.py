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

from ..build.sphinx_trie import TrigramArrays

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


def _row_offsets(rows: NDArray[np.int64], count: int) -> NDArray[np.int32]:
    """CSR offsets of `count` rows for entries sorted by row."""
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=offsets[1:])
    return offsets.astype(np.int32)


def tables_from_trigrams(model: TrigramArrays, unknown_logprob: float | None = None) -> NgramTables:
    """Re-index a trigram model by history. The unknown word (id = vocabulary size) gets
    `unknown_logprob`, by default the lowest unigram score of a real word."""
    words = list(model.words)
    vocabulary = len(words)
    width = np.int64(vocabulary + 1)
    predictable = model.unigram_logprob[model.unigram_logprob > -99.0]
    unknown = float(np.min(predictable)) if unknown_logprob is None else unknown_logprob
    unigram_logprob = np.append(model.unigram_logprob, np.float32(unknown)).astype(np.float32)
    unigram_backoff = np.append(model.unigram_backoff, np.float32(0.0)).astype(np.float32)

    previous = model.bigram_words[:, 0].astype(np.int64)
    following = model.bigram_words[:, 1].astype(np.int64)
    bigram_keys = previous * width + following
    bigram_order = np.argsort(bigram_keys, kind="stable")
    bigram_keys = bigram_keys[bigram_order]

    trigram_context = model.trigram_words[:, 0].astype(np.int64) * width + model.trigram_words[
        :, 1
    ].astype(np.int64)
    context_index = np.searchsorted(bigram_keys, trigram_context)
    if np.any(context_index >= len(bigram_keys)) or np.any(
        bigram_keys[np.minimum(context_index, len(bigram_keys) - 1)] != trigram_context
    ):
        raise ValueError("a trigram's history is not a bigram of the model")
    bigram_backoff = model.bigram_backoff[bigram_order].astype(np.float16)
    is_context = bigram_backoff != 0
    is_context[context_index] = True
    context_bigrams = np.flatnonzero(is_context)
    context_row = np.searchsorted(context_bigrams, context_index)
    trigram_keys = context_row * width + model.trigram_words[:, 2].astype(np.int64)
    trigram_order = np.argsort(trigram_keys, kind="stable")

    if vocabulary + 1 > MAX_VOCABULARY:
        raise ValueError(f"{vocabulary} words: the tables hold at most {MAX_VOCABULARY - 1}")
    bigram_offsets = _row_offsets(previous[bigram_order], vocabulary + 1)
    bigram_words, bigram_high = _split_rows(following[bigram_order], bigram_offsets)
    trigram_offsets = _row_offsets(context_row[trigram_order], len(context_bigrams))
    trigram_words, trigram_high = _split_rows(
        model.trigram_words[trigram_order, 2].astype(np.int64), trigram_offsets
    )
    return NgramTables(
        words=words,
        unigram_logprob=unigram_logprob,
        unigram_backoff=unigram_backoff,
        bigram_offsets=bigram_offsets,
        bigram_words=bigram_words,
        bigram_high=bigram_high,
        bigram_logprob=model.bigram_logprob[bigram_order].astype(np.float16),
        context_bigrams=context_bigrams.astype(np.int32),
        context_backoff=bigram_backoff[context_bigrams],
        trigram_offsets=trigram_offsets,
        trigram_words=trigram_words,
        trigram_high=trigram_high,
        trigram_logprob=model.trigram_logprob[trigram_order].astype(np.float16),
    )


def _split_rows(
    words: NDArray[np.int64], offsets: NDArray[np.int32]
) -> tuple[NDArray[np.uint16], NDArray[np.int32]]:
    """The low 16 bits of each (row-sorted) word id, and per row the index of its first id of
    65,536 or more (the row's end when it has none)."""
    rows = len(offsets) - 1
    row_of_entry = np.repeat(np.arange(rows), np.diff(offsets))
    low_counts = np.bincount(row_of_entry[words <= LOW_MASK], minlength=rows)
    high = offsets[:-1].astype(np.int64) + low_counts
    return (words & LOW_MASK).astype(np.uint16), high.astype(np.int32)


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
