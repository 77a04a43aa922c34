"""Where long dictation is cut into segments that are recognized on their own.

A segment ends at the first pause the VAD hears (`SpeechTracker`) once the audio since the last
cut is `min_seconds` long, so a command (shorter) stays one segment; after the first cut,
`next_min_seconds` is enough. Without a pause, it is cut
at `max_seconds` (the acoustic model's chunk length, `acoustic/chunking.py`) at the quietest
20 ms in the last `search_seconds`. Without a VAD only those cuts are made. Positions are
sample indices from the start of the utterance (16 kHz).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..acoustic.chunking import ChunkPolicy, quietest_cut
from ..config import SEGMENT_MIN_SECONDS, SEGMENT_NEXT_MIN_SECONDS
from ..recognizer import SAMPLE_RATE
from .vad import Heard, SpeechTracker

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
    """Audio not yet cut off into a segment: pieces with their position in the utterance.

    A window or a cut copies only the pieces it overlaps, so following the newest audio costs
    what is new, however long the segment has grown."""

    def __init__(self) -> None:
        self._pieces: list[NDArray[np.float32]] = []
        self._ends: list[int] = []  # where each piece ends, from `start`
        self.start = 0  # where the first piece begins
        self.samples = 0

    @property
    def end(self) -> int:
        return self.start + self.samples

    def append(self, audio: NDArray[np.float32]) -> None:
        if len(audio):
            self._pieces.append(audio)
            self.samples += len(audio)
            self._ends.append(self.samples)

    def snapshot(self) -> NDArray[np.float32]:
        return self.window(self.start, self.end)

    def window(self, lo: int, hi: int) -> NDArray[np.float32]:
        """Samples [lo, hi) (clipped to what is held); a view when one piece holds them all."""
        lo, hi = max(0, lo - self.start), min(self.samples, hi - self.start)
        if hi <= lo:
            return _empty()
        first = bisect.bisect_right(self._ends, lo)
        last = bisect.bisect_left(self._ends, hi)
        offset = self._ends[first - 1] if first else 0
        if first == last:
            return self._pieces[first][lo - offset : hi - offset]
        end = self._ends[last - 1]
        parts = [self._pieces[first][lo - offset :], *self._pieces[first + 1 : last]]
        return np.concatenate([*parts, self._pieces[last][: hi - end]])

    def take(self, at: int) -> NDArray[np.float32]:
        """Everything before position `at`, removed from what is held."""
        split = min(max(0, at - self.start), self.samples)
        head = self.window(self.start, self.start + split)
        index = bisect.bisect_right(self._ends, split)
        pieces = self._pieces[index:]
        if pieces:
            offset = self._ends[index - 1] if index else 0
            pieces[0] = pieces[0][split - offset :]
        self._pieces = [piece for piece in pieces if len(piece)]
        self._ends = list(itertools.accumulate(len(piece) for piece in self._pieces))
        self.start += split
        self.samples -= split
        return head

    def truncate(self, at: int) -> None:
        """Drop everything from position `at` on."""
        if at >= self.end:
            return
        kept = self.window(self.start, at)
        self._pieces = [kept] if len(kept) else []
        self.samples = len(kept)
        self._ends = [self.samples] if self.samples else []


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
    ) -> tuple[list[int], Heard]:
        """The cuts due in the new `audio` (which begins at `start` and is already in `held`),
        in order, and what the VAD heard in it (where the command ended, with endpointing, if
        it did; the frames' labels); nothing without a VAD."""
        heard = Heard() if self.tracker is None else self.tracker.feed(audio)
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
        return cuts, heard

    def hear(self, audio: NDArray[np.float32]) -> Heard:
        """What the VAD hears in the utterance's last `audio`, for its frames' labels only (no
        cut is made after it: the segment is complete anyway)."""
        return Heard() if self.tracker is None else self.tracker.feed(audio)

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
