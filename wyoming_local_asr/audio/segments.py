"""Where long dictation is cut into segments that are recognized on their own.

A segment ends at the first pause the VAD hears (`SpeechTracker`) once the audio since the last
cut is `min_seconds` long, so a command (shorter) stays one segment; after the first cut,
`next_min_seconds` is enough. Without a pause, it is cut
at `max_seconds` (the acoustic model's chunk length, `acoustic/chunking.py`) at the quietest
20 ms in the last `search_seconds`. Without a VAD only those cuts are made. Positions are
sample indices from the start of the utterance (16 kHz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..acoustic.chunking import ChunkPolicy, quietest_cut
from ..config import SEGMENT_MIN_SECONDS, SEGMENT_NEXT_MIN_SECONDS
from ..recognizer import SAMPLE_RATE
from .vad import SpeechTracker

# The forced cut's resolution: one output frame of the acoustic model (20 ms).
CUT_FRAME_SAMPLES = SAMPLE_RATE // 50


def _empty() -> NDArray[np.float32]:
    return np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Segment:
    """A finished stretch of an utterance (the `index`-th), ready for the recognizer."""

    index: int
    audio: NDArray[np.float32]
    # The same audio before denoising, when the recognizer compares both.
    original: NDArray[np.float32] | None = None


class HeldAudio:
    """Audio not yet cut off into a segment: pieces with their position in the utterance."""

    def __init__(self) -> None:
        self._pieces: list[NDArray[np.float32]] = []
        self.start = 0  # where the first piece begins
        self.samples = 0

    @property
    def end(self) -> int:
        return self.start + self.samples

    def append(self, audio: NDArray[np.float32]) -> None:
        if len(audio):
            self._pieces.append(audio)
            self.samples += len(audio)

    def snapshot(self) -> NDArray[np.float32]:
        return np.concatenate([_empty(), *list(self._pieces)])

    def window(self, lo: int, hi: int) -> NDArray[np.float32]:
        """Samples [lo, hi) (clipped to what is held)."""
        audio = self.snapshot()
        return audio[max(0, lo - self.start) : max(0, hi - self.start)]

    def take(self, at: int) -> NDArray[np.float32]:
        """Everything before position `at`, removed from what is held."""
        audio = self.snapshot()
        split = min(max(0, at - self.start), len(audio))
        head, tail = audio[:split], audio[split:]
        self._pieces = [tail] if len(tail) else []
        self.start += split
        self.samples = len(tail)
        return head

    def truncate(self, at: int) -> None:
        """Drop everything from position `at` on."""
        if at >= self.end:
            return
        self._pieces = [self.window(self.start, at)]
        self.samples = len(self._pieces[0])


class Segmenter:
    """Decides the cuts of one utterance as its audio arrives."""

    def __init__(
        self,
        tracker: SpeechTracker | None,
        *,
        min_seconds: float = SEGMENT_MIN_SECONDS,
        next_min_seconds: float = SEGMENT_NEXT_MIN_SECONDS,
        policy: ChunkPolicy | None = None,
    ) -> None:
        policy = policy or ChunkPolicy()
        self.tracker = tracker
        self.min_samples = int(min_seconds * SAMPLE_RATE)
        self.next_min_samples = int(next_min_seconds * SAMPLE_RATE)
        self.max_samples = int(policy.max_seconds * SAMPLE_RATE)
        self.search_samples = int(policy.search_seconds * SAMPLE_RATE)
        self._segment_start = 0

    @property
    def ended(self) -> bool:
        return self.tracker is not None and self.tracker.ended

    def feed(
        self, audio: NDArray[np.float32], start: int, held: HeldAudio
    ) -> tuple[list[int], int | None]:
        """The cuts due in the new `audio` (which begins at `start` and is already in `held`),
        in order, and where the command ended (endpointing) if it did."""
        end: int | None = None
        pauses: list[int] = []
        if self.tracker is not None:
            heard = self.tracker.feed(audio)
            end, pauses = heard.end, heard.pauses
        last = start + len(audio) if end is None else min(end, start + len(audio))
        cuts: list[int] = []
        for pause in pauses:
            if end is not None and pause > end:
                break
            cuts += self._forced(pause, held)
            shortest = self.next_min_samples if self._segment_start else self.min_samples
            if pause - self._segment_start >= shortest:
                cuts.append(pause)
                self._segment_start = pause
        cuts += self._forced(last, held)
        return cuts, end

    def _forced(self, until: int, held: HeldAudio) -> list[int]:
        """Cuts at the quietest point wherever the audio before `until` runs past the longest
        segment without a pause."""
        cuts: list[int] = []
        while until - self._segment_start > self.max_samples:
            hi = self._segment_start + self.max_samples
            lo = max(self._segment_start + CUT_FRAME_SAMPLES, hi - self.search_samples)
            offset = lo - CUT_FRAME_SAMPLES
            window = held.window(offset, hi + CUT_FRAME_SAMPLES)
            cut = offset + quietest_cut(window, lo - offset, hi - offset, CUT_FRAME_SAMPLES)
            cut = min(max(cut, lo), hi)
            cuts.append(cut)
            self._segment_start = cut
        return cuts
