"""Endpointing with WebRTC VAD: where does the speech in an utterance start and end?

WebRTC VAD labels 10/20/30 ms frames of 16-bit PCM as speech or not. Single labels are noisy,
so they are smoothed like the classic `vad_collector`: a window of recent frames opens a speech
region when `start_ratio` of it is speech and closes it when `end_ratio` of it is silence. Short
bursts (a click, a cough shorter than the window's trigger count) never open a region.
The result spans the first to the last speech region, padded by `padding_ms` on each side so
that soft word onsets and endings are not clipped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import webrtcvad
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE

FRAME_MS_CHOICES = (10, 20, 30)


@dataclass(frozen=True)
class SpeechSegment:
    """Speech found in an utterance, in seconds from its start."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class Endpointer:
    """Finds the span of speech in 16 kHz audio. Thread-safe: each call has its own VAD."""

    def __init__(
        self,
        aggressiveness: int = 2,
        *,
        padding_ms: int = 300,
        frame_ms: int = 30,
        window_ms: int = 300,
        start_ratio: float = 0.7,
        end_ratio: float = 0.9,
    ) -> None:
        if type(aggressiveness) is not int or not 0 <= aggressiveness <= 3:
            raise ValueError(f"VAD aggressiveness must be 0, 1, 2 or 3, got {aggressiveness!r}")
        if frame_ms not in FRAME_MS_CHOICES:
            raise ValueError(f"VAD frame length must be 10, 20 or 30 ms, got {frame_ms!r}")
        if padding_ms < 0:
            raise ValueError(f"VAD padding must not be negative, got {padding_ms!r} ms")
        if window_ms < frame_ms:
            raise ValueError(f"VAD window ({window_ms} ms) is shorter than a frame ({frame_ms} ms)")
        for name, ratio in (("start_ratio", start_ratio), ("end_ratio", end_ratio)):
            if not 0.0 < ratio <= 1.0:
                raise ValueError(f"VAD {name} must be in (0, 1], got {ratio!r}")
        self.aggressiveness = aggressiveness
        self.padding_ms = padding_ms
        self.frame_ms = frame_ms
        self.window_frames = window_ms // frame_ms
        self.start_ratio = start_ratio
        self.end_ratio = end_ratio

    def frame_is_speech(self, audio: NDArray[np.float32]) -> list[bool]:
        """WebRTC VAD's raw label for each whole frame of `frame_ms`."""
        frame_samples = SAMPLE_RATE * self.frame_ms // 1000
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        frame_bytes = 2 * frame_samples
        vad = webrtcvad.Vad(self.aggressiveness)
        return [
            bool(vad.is_speech(pcm[offset : offset + frame_bytes], SAMPLE_RATE))
            for offset in range(0, len(pcm) - frame_bytes + 1, frame_bytes)
        ]

    def speech_regions(self, labels: list[bool]) -> list[tuple[int, int]]:
        """Smoothed speech regions as [first, last + 1) frame indices, trimmed to speech frames."""
        regions: list[tuple[int, int]] = []
        window: deque[tuple[int, bool]] = deque(maxlen=self.window_frames)
        start: int | None = None
        last_speech = 0
        for index, is_speech in enumerate(labels):
            window.append((index, is_speech))
            if is_speech:
                last_speech = index
            voiced = sum(label for _, label in window)
            if start is None:
                if voiced >= self.start_ratio * self.window_frames:
                    start = next(i for i, label in window if label)
            elif len(window) - voiced >= self.end_ratio * self.window_frames:
                regions.append((start, last_speech + 1))
                start = None
                window.clear()
        if start is not None:
            regions.append((start, last_speech + 1))
        return regions

    def find_speech(self, audio: NDArray[np.float32]) -> SpeechSegment | None:
        """The padded span from the first to the last speech region, or None without speech."""
        regions = self.speech_regions(self.frame_is_speech(audio))
        if not regions:
            return None
        frame_seconds = self.frame_ms / 1000
        padding = self.padding_ms / 1000
        duration = len(audio) / SAMPLE_RATE
        return SpeechSegment(
            start=max(regions[0][0] * frame_seconds - padding, 0.0),
            end=min(regions[-1][1] * frame_seconds + padding, duration),
        )
