"""What the recognizer needs from a decoder, and the optional phrase biasing some offer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Decoded:
    """One utterance's words from its log-probabilities."""

    text: str
    # Natural-log score of the words given the audio (see `recognizer.Transcription.score`).
    score: float
    # Greedy phoneme tokens ("|" between words), for debugging; empty when not a phoneme model.
    phonemes: str = ""
    # Which search produced the words: "open", or "grammar" (the home's fast path).
    source: str = "open"


class Decoder(Protocol):
    """Per-frame log-probabilities (T, V) of one utterance in, words out. Called for one
    utterance at a time (the recognizer serializes calls)."""

    def decode_utterance(self, logprobs: NDArray[np.float32]) -> Decoded: ...


@runtime_checkable
class PhraseBiasing(Protocol):
    """Optional: a decoder or language model that can be biased toward phrases (entity names,
    commands). Returns the words that were new to it."""

    def add_phrases(self, phrases: Iterable[str]) -> list[str]: ...
