"""The one path audio takes: convert -> denoise -> VAD -> recognizer -> text.

This module is the only place that knows the order of the stages. Each stage is optional
(`None` switches it off) and none of them knows about Wyoming, HTTP or Home Assistant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .audio.convert import AudioFormat, to_float_mono_16k
from .audio.denoise import Denoiser
from .audio.vad import Endpointer, SpeechSegment
from .recognizer import SAMPLE_RATE, Recognizer


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
    ) -> None:
        self.recognizer = recognizer
        self.denoiser = denoiser
        self.endpointer = endpointer

    def run(self, pcm: bytes, audio_format: AudioFormat) -> PipelineResult:
        timings: dict[str, float] = {}

        start = time.perf_counter()
        audio = to_float_mono_16k(pcm, audio_format)
        timings["convert"] = time.perf_counter() - start
        audio_seconds = len(audio) / SAMPLE_RATE

        if self.denoiser is not None:
            start = time.perf_counter()
            audio = self.denoiser.denoise(audio)
            timings["denoise"] = time.perf_counter() - start

        speech: SpeechSegment | None = None
        if self.endpointer is not None:
            start = time.perf_counter()
            speech = self.endpointer.find_speech(audio)
            timings["vad"] = time.perf_counter() - start
            if speech is None:
                return PipelineResult("", audio_seconds, timings, None)
            audio = _cut(audio, speech)

        transcription = self.recognizer.transcribe(audio)
        timings.update(transcription.timings)
        return PipelineResult(
            transcription.text, audio_seconds, timings, speech, transcription.phonemes
        )


def _cut(audio: NDArray[np.float32], segment: SpeechSegment) -> NDArray[np.float32]:
    first = int(segment.start * SAMPLE_RATE)
    last = int(np.ceil(segment.end * SAMPLE_RATE))
    return audio[first:last]
