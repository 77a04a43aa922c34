"""Rows of the n-gram tables with 16-bit word ids: ids of 65,536 and above sit after a per-row
split, and every entry is found where it was put."""

from __future__ import annotations

import numpy as np
import pytest

from wyoming_local_asr.build.general_lm import _row_offsets, _split_rows
from wyoming_local_asr.decode.ngram_tables import find_in_row


def test_every_entry_is_found_in_rows_that_cross_65536() -> None:
    rng = np.random.default_rng(7)
    rows = [np.sort(rng.choice(100_000, size=size, replace=False)) for size in (0, 1, 5, 300, 40)]
    rows.append(np.array([65_535, 65_536, 65_537]))  # both sides of the split
    rows.append(np.array([70_000, 99_999]))  # only high ids
    words = np.concatenate(rows).astype(np.int64)
    row_ids = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    offsets = _row_offsets(row_ids, len(rows))
    low, high = _split_rows(words, offsets)
    assert low.dtype == np.uint16 and high.dtype == np.int32
    views = memoryview(low), memoryview(offsets), memoryview(high)
    for row, entries in enumerate(rows):
        for word in entries:
            index = find_in_row(*views, row, int(word))
            assert index >= 0 and int(words[index]) == word
        present = set(entries.tolist())
        for word in (0, 65_535, 65_536, 65_537, 99_999, int(rng.integers(100_000))):
            if word not in present:
                assert find_in_row(*views, row, word) == -1


def test_a_vocabulary_too_large_for_the_tables_is_refused() -> None:
    from wyoming_local_asr.build.general_lm import tables_from_trigrams
    from wyoming_local_asr.decode.ngram_tables import MAX_VOCABULARY

    with pytest.raises(ValueError, match="at most"):
        tables_from_trigrams(_FakeModel(MAX_VOCABULARY))


class _FakeModel:
    """Just enough of `TrigramArrays` to reach the size check."""

    def __init__(self, words: int) -> None:
        self.words = [f"w{i}" for i in range(words)]
        self.unigram_logprob = np.zeros(words, np.float32)
        self.unigram_backoff = np.zeros(words, np.float32)
        self.bigram_words = np.zeros((1, 2), np.int32)
        self.bigram_logprob = np.zeros(1, np.float32)
        self.bigram_backoff = np.zeros(1, np.float32)
        self.trigram_words = np.zeros((0, 3), np.int32)
        self.trigram_logprob = np.zeros(0, np.float32)
