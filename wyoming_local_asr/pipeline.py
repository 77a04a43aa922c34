"""The one path audio takes: convert -> denoise -> VAD -> recognizer -> text.

This module is the only place that knows the order of the stages. Each stage is optional
(`None` switches it off) and none of them knows about Wyoming, HTTP or Home Assistant.

An utterance can be fed in pieces as the client sends it (`Pipeline.stream`): conversion and
denoising run on each piece, so that after the last one only VAD and the recognizer are left.
The result is the same as running the whole utterance at once (`Pipeline.run`).

With a denoiser, the recognizer also hears the audio as it came and the transcript it scores
higher is kept (`compare_original`). RNNoise helps under babble and hurts under some steady
noise; the recognizer's own score (acoustic log-probability with the LM) tells which helps an
utterance. It costs a second pass of the recognizer. Measure it with `eval --noise-snr 10`
and `--no-compare-original` / `--no-denoise`; the figures are in `docs/tuning.md`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .audio.convert import AudioFormat, StreamConverter
from .audio.denoise import Denoiser, DenoiseStream
from .audio.vad import Endpointer, SpeechSegment
from .recognizer import SAMPLE_RATE, Recognizer

_T = TypeVar("_T")


@dataclass(frozen=True)
class PipelineResult:
    """The text of one utterance and what it cost."""

    text: str
    audio_seconds: float
    # Seconds per stage in pipeline order: convert, denoise, vad, then the recognizer's own stages.
    timings: dict[str, float] = field(default_factory=dict)
    # Where the VAD found speech, in seconds from the start; None when no speech was found
    # or VAD is off.
    speech: SpeechSegment | None = None
    phonemes: str = ""
    # True when the transcript comes from the audio without denoising (`compare_original`).
    original_kept: bool = False
    # Which search produced the words: "open", or "grammar" (the home's fast path).
    source: str = "open"

    @property
    def processing_seconds(self) -> float:
        return sum(self.timings.values())

    @property
    def real_time_factor(self) -> float:
        return self.processing_seconds / self.audio_seconds if self.audio_seconds > 0 else 0.0


class Pipeline:
    """Turns one utterance of client PCM into text. Safe to call from several threads at once."""

    def __init__(
        self,
        recognizer: Recognizer,
        denoiser: Denoiser | None = None,
        endpointer: Endpointer | None = None,
        *,
        compare_original: bool = True,
    ) -> None:
        """`compare_original`: with a denoiser, also recognize the audio without denoising and
        keep the transcript with the higher score (when the recognizer gives scores)."""
        self.recognizer = recognizer
        self.denoiser = denoiser
        self.endpointer = endpointer
        self.compare_original = compare_original

    def run(self, pcm: bytes, audio_format: AudioFormat) -> PipelineResult:
        """The whole utterance at once."""
        return self.stream(audio_format).finish(pcm)

    def stream(self, audio_format: AudioFormat) -> PipelineStream:
        """A new utterance to be fed in pieces."""
        return PipelineStream(self, audio_format)


class PipelineStream:
    """One utterance fed in pieces. Not thread-safe: feed it from one thread at a time."""

    def __init__(self, pipeline: Pipeline, audio_format: AudioFormat) -> None:
        self.pipeline = pipeline
        self._converter = StreamConverter(audio_format)
        self._denoise: DenoiseStream | None = None
        if pipeline.denoiser is not None:
            self._denoise = pipeline.denoiser.stream()
        self._timings: dict[str, float] = {"convert": 0.0}
        if self._denoise is not None:
            self._timings["denoise"] = 0.0
        self._pieces: list[NDArray[np.float32]] = []
        # The converted audio before denoising, when the recognizer is to compare both.
        self._originals: list[NDArray[np.float32]] | None = None
        if self._denoise is not None and pipeline.compare_original:
            self._originals = []

    def feed(self, pcm: bytes) -> None:
        """Convert and denoise the next piece of client PCM."""
        audio = self._timed("convert", self._converter.feed, pcm)
        if self._originals is not None:
            self._originals.append(audio)
        if self._denoise is not None:
            audio = self._timed("denoise", self._denoise.feed, audio).audio
        self._pieces.append(audio)

    def finish(self, pcm: bytes = b"") -> PipelineResult:
        """Feed the last piece (if any), convert and denoise what is left, find the speech and
        recognize it. Frees the denoiser's state, whatever happens."""
        try:
            if pcm:
                self.feed(pcm)
            rest = self._timed("convert", self._converter.finish)
            original = None
            if self._originals is not None:
                original = np.concatenate([*self._originals, rest])
            if self._denoise is not None:
                rest = self._timed("denoise", self._denoise.finish, rest).audio
        finally:
            self.close()
        audio = np.concatenate([*self._pieces, rest])
        self._pieces = []
        return self._recognize(audio, dict(self._timings), original)

    def partial(self) -> PipelineResult:
        """A provisional result on the audio converted and denoised so far, for streaming
        partial transcripts. May run on another thread while `feed()` runs."""
        pieces = list(self._pieces)  # a snapshot: feed() only appends
        return self._recognize(np.concatenate([np.zeros(0, dtype=np.float32), *pieces]), {})

    def _recognize(
        self,
        audio: NDArray[np.float32],
        timings: dict[str, float],
        original: NDArray[np.float32] | None = None,
    ) -> PipelineResult:
        """The stages after denoising: VAD, then the recognizer (on `original` too, when given:
        the same audio before denoising, sample for sample)."""
        audio_seconds = len(audio) / SAMPLE_RATE
        speech: SpeechSegment | None = None
        if self.pipeline.endpointer is not None:
            start = time.perf_counter()
            speech = self.pipeline.endpointer.find_speech(audio)
            timings["vad"] = time.perf_counter() - start
            if speech is None:
                return PipelineResult("", audio_seconds, timings, None)
            audio = _cut(audio, speech)
            if original is not None:
                original = _cut(original, speech)

        recognizer = self.pipeline.recognizer
        transcription = recognizer.transcribe(audio)
        timings.update(transcription.timings)
        original_kept = False
        if original is not None and transcription.score is not None:
            other = recognizer.transcribe(original)
            for stage, seconds in other.timings.items():
                timings[stage] = timings.get(stage, 0.0) + seconds
            if other.score is not None and other.score > transcription.score:
                transcription, original_kept = other, True
        return PipelineResult(
            transcription.text,
            audio_seconds,
            timings,
            speech,
            transcription.phonemes,
            original_kept,
            transcription.source,
        )

    def close(self) -> None:
        """Free the denoiser's state and the audio kept so far (`finish()` does this too); safe
        to call twice."""
        if self._denoise is not None:
            self._denoise.close()
        if self._originals is not None:
            self._originals = []

    def _timed(self, stage: str, function: Callable[..., _T], *args: Any) -> _T:
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            self._timings[stage] += time.perf_counter() - start


def _cut(audio: NDArray[np.float32], segment: SpeechSegment) -> NDArray[np.float32]:
    first = int(segment.start * SAMPLE_RATE)
    last = int(np.ceil(segment.end * SAMPLE_RATE))
    return audio[first:last]
