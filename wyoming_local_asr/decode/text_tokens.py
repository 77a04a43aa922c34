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

_SPECIAL = re.compile(r"^<[^>]*>$|^<\|.*\|>$")


def greedy_text(logprobs: NDArray[np.float32], tokens: Sequence[str], blank_id: int) -> str:
    """The best path of `logprobs` (T, V), collapsed and joined into words."""
    pieces = [tokens[i] for i in greedy_token_ids(logprobs, blank_id)]
    return tokens_to_text(pieces)


def tokens_to_text(pieces: Sequence[str]) -> str:
    text = "".join(
        " " if piece == "|" else piece.replace("▁", " ")
        for piece in pieces
        if not _SPECIAL.match(piece)
    )
    return " ".join(text.split()).lower()
