"""What the pipeline needs from a speech recognizer: 16 kHz float audio in, words out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class ModelInfo:
    """Describes a loaded model for Wyoming's `info` event, the card and the health API."""

    name: str
    version: str
    description: str
    languages: list[str]
    attribution_name: str
    attribution_url: str
    license: str
    # Where the acoustic model runs: onnxruntime's execution provider chosen at load
    # ("CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider"); "" if none.
    execution_provider: str = ""


@dataclass(frozen=True)
class Transcription:
    """A recognizer's answer for one piece of audio."""

    text: str
    # Space-separated phoneme tokens of the greedy CTC path ("|" between words), for debugging.
    phonemes: str = ""
    # Seconds spent per recognizer stage, for example {"model": 0.02, "decode": 0.004}.
    timings: dict[str, float] = field(default_factory=dict)
    # Natural-log score of the words given the audio (for the default model: the beam search's
    # acoustic log-probability plus weighted LM and word bonuses, an approximation: frames of
    # near-certain blank count as certain and only each frame's likeliest phonemes are
    # searched); comparable between two versions of the same audio (the pipeline keeps the
    # better of denoised and original). None: the recognizer has none.
    score: float | None = None
    # Which search produced the words: "open", or "grammar" (the home's fast path).
    source: str = "open"


class RecognizerUnavailable(RuntimeError):
    """A recognizer that runs elsewhere (`remote/`) cannot answer now: unreachable, timed out
    or failed there. The message is one line; the client gets it in an `error` event, and the
    recognizer itself logs the outage (once), not every utterance."""


class Recognizer(Protocol):
    """A speech recognizer. Implementations must be safe to call from worker threads."""

    @property
    def info(self) -> ModelInfo: ...

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        """Recognize 16 kHz mono audio with samples in [-1, 1]."""
        ...
