"""Read a Sphinx binary trie trigram model (`en-us.lm.bin`) into plain n-gram arrays.

`NGramModel.write(..., "arpa")` crashes in pocketsphinx 5.1.1, so the file is read directly.
Layout (all little-endian; see pocketsphinx `lm_trie.c`, `lm_trie_quant.c`, `bitarr.c`):
- "Trie Language Model", `u8` order (3), `u32` count per order;
- `i32` quantization type, then the quantization tables as float32: bigram probabilities
  (65536), bigram backoffs (65536), trigram probabilities (65536);
- `counts[0] + 1` unigrams of (`f32` prob, `f32` backoff, `i32` first bigram);
- the bigram entries, bit-packed: word id, 16-bit backoff code, 16-bit probability code, first
  trigram; then the trigram entries: word id, 16-bit probability code. Bits are packed
  little-endian, each field read from its bit offset.
- `u32` length, then the words, NUL-terminated, in word-id order.
The trie is reversed: a unigram row is the *predicted* word, its bigram entries hold the previous
word, their trigram entries the word before. Scores are logs in base 1.0001 (pocketsphinx's
default `logmath`), the units `NGramModel.prob()` also returns.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .pocketsphinx_files import MAGIC, read_vocabulary

LOG_BASE = 1.0001
TO_NATURAL_LOG = math.log(LOG_BASE)
_QUANT_BITS = 16
_QUANT_TABLE = 1 << _QUANT_BITS


@dataclass
class TrigramArrays:
    """A backoff trigram model as flat arrays, natural-log scores, n-grams in reading order.

    `bigram_words[i]` = (previous word, word); `trigram_words[i]` = (w-2, w-1, word).
    """

    words: list[str]
    unigram_logprob: NDArray[np.float32]
    unigram_backoff: NDArray[np.float32]
    bigram_words: NDArray[np.int32]  # (B, 2)
    bigram_logprob: NDArray[np.float32]
    bigram_backoff: NDArray[np.float32]
    trigram_words: NDArray[np.int32]  # (T, 3)
    trigram_logprob: NDArray[np.float32]


def _required_bits(max_value: int) -> int:
    return max(max_value, 0).bit_length()


def _read_fields(
    data: NDArray[np.uint8], count: int, total_bits: int, field_offset: int, width: int
) -> NDArray[np.int64]:
    """Field `[field_offset, field_offset + width)` of `count` entries of `total_bits` bits."""
    bit = np.arange(count, dtype=np.int64) * total_bits + field_offset
    byte = bit >> 3
    value = np.zeros(count, dtype=np.uint64)
    for k in range((width + 7) // 8 + 1):
        value |= data[byte + k].astype(np.uint64) << np.uint64(8 * k)
    value >>= (bit & 7).astype(np.uint64)
    return (value & np.uint64((1 << width) - 1)).astype(np.int64)


def read_sphinx_trie(blob: bytes) -> TrigramArrays:
    if not blob.startswith(MAGIC):
        raise ValueError("not a Sphinx binary trie language model")
    position = len(MAGIC)
    order = blob[position]
    if order != 3:
        raise ValueError(f"only trigram models are supported, this one has order {order}")
    counts = struct.unpack_from("<3I", blob, position + 1)
    position += 1 + 4 * order + 4  # counts, then the quantization type
    tables = np.frombuffer(blob, dtype="<f4", count=3 * _QUANT_TABLE, offset=position)
    bigram_prob_table, bigram_backoff_table, trigram_prob_table = tables.reshape(3, -1)
    position += tables.nbytes
    unigrams = np.frombuffer(blob, dtype="<f4", count=3 * (counts[0] + 1), offset=position).reshape(
        -1, 3
    )
    unigram_next = unigrams[:, 2].copy().view("<i4").astype(np.int64)
    position += unigrams.nbytes

    vocabulary = counts[0]
    word_bits = _required_bits(vocabulary)
    next_bits = _required_bits(counts[2])
    middle_bits = word_bits + 2 * _QUANT_BITS + next_bits
    middle_bytes = ((1 + counts[1]) * middle_bits + 7) // 8 + 8
    longest_bits = word_bits + _QUANT_BITS
    longest_bytes = ((1 + counts[2]) * longest_bits + 7) // 8 + 8
    memory = np.frombuffer(
        blob, dtype=np.uint8, count=middle_bytes + longest_bytes, offset=position
    )
    middle = np.concatenate([memory[:middle_bytes], np.zeros(8, np.uint8)])
    longest = np.concatenate([memory[middle_bytes:], np.zeros(8, np.uint8)])

    # The header may count a few more entries than were written (pocketsphinx 5.1.1 adds the
    # dummy entries twice); the row pointers hold the true counts, the header the memory layout.
    n_bigrams = int(unigram_next[vocabulary])
    bigram_prev = _read_fields(middle, n_bigrams, middle_bits, 0, word_bits)
    backoff_code = _read_fields(middle, n_bigrams, middle_bits, word_bits, _QUANT_BITS)
    prob_code = _read_fields(middle, n_bigrams, middle_bits, word_bits + _QUANT_BITS, _QUANT_BITS)
    bigram_next = _read_fields(
        middle, n_bigrams + 1, middle_bits, word_bits + 2 * _QUANT_BITS, next_bits
    )
    n_trigrams = int(bigram_next[n_bigrams])
    trigram_prev2 = _read_fields(longest, n_trigrams, longest_bits, 0, word_bits)
    trigram_code = _read_fields(longest, n_trigrams, longest_bits, word_bits, _QUANT_BITS)

    # Row owners: the predicted word of each bigram entry, the bigram of each trigram entry.
    bigram_word = np.repeat(np.arange(vocabulary), np.diff(unigram_next[: vocabulary + 1]))
    trigram_bigram = np.repeat(np.arange(n_bigrams), np.diff(bigram_next))
    if len(bigram_word) != n_bigrams or len(trigram_bigram) != n_trigrams:
        raise ValueError("inconsistent trie: row pointers do not cover the n-gram entries")

    words = read_vocabulary(blob)
    scale = np.float32(TO_NATURAL_LOG)
    return TrigramArrays(
        words=words,
        unigram_logprob=(unigrams[:vocabulary, 0] * scale).astype(np.float32),
        unigram_backoff=(unigrams[:vocabulary, 1] * scale).astype(np.float32),
        bigram_words=np.stack([bigram_prev, bigram_word], axis=1).astype(np.int32),
        bigram_logprob=(bigram_prob_table[prob_code] * scale).astype(np.float32),
        bigram_backoff=(bigram_backoff_table[backoff_code] * scale).astype(np.float32),
        trigram_words=np.stack(
            [trigram_prev2, bigram_prev[trigram_bigram], bigram_word[trigram_bigram]], axis=1
        ).astype(np.int32),
        trigram_logprob=(trigram_prob_table[trigram_code] * scale).astype(np.float32),
    )
