"""Greedy CTC decoding for models whose tokens spell text (characters or BPE pieces).

sherpa-onnx exports of NeMo, zipformer, SenseVoice and wav2vec2 CTC models mark the start of
a word with "▁" (SentencePiece) or use "|" between words (wav2vec2); special tokens such as
`<unk>`, `<s>` or SenseVoice's `<|en|>` tags are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .greedy import greedy_token_ids
from .protocols import Decoded

_SPECIAL = re.compile(r"^<[^>]*>$|^<\|.*\|>$")


def greedy_text(logprobs: NDArray[np.float32], tokens: Sequence[str], blank_id: int) -> str:
    """The best path of `logprobs` (T, V), collapsed and joined into words."""
    pieces = [tokens[i] for i in greedy_token_ids(logprobs, blank_id)]
    return tokens_to_text(pieces)


class GreedyTextDecoder:
    """The `Decoder` of models whose tokens spell text: the best path, no lexicon, no LM."""

    def __init__(self, tokens: Sequence[str], blank_id: int) -> None:
        self.tokens = list(tokens)
        self.blank_id = blank_id

    def decode_utterance(self, logprobs: NDArray[np.float32]) -> Decoded:
        score = float(np.max(logprobs, axis=1).sum()) if len(logprobs) else 0.0
        return Decoded(greedy_text(logprobs, self.tokens, self.blank_id), score)


def tokens_to_text(pieces: Sequence[str]) -> str:
    text = "".join(
        " " if piece == "|" else piece.replace("▁", " ")
        for piece in pieces
        if not _SPECIAL.match(piece)
    )
    return " ".join(text.split()).lower()
