"""The general LM's arrays (`decode/ngram_tables.py`) from pocketsphinx's trigram trie."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..decode.ngram_tables import LOW_MASK, MAX_VOCABULARY, NgramTables
from .sphinx_trie import TrigramArrays


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
