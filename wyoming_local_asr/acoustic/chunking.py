"""Splitting long audio so that attention cost (quadratic in length) stays bounded.

Audio longer than `max_seconds` is cut at the quietest output frame in the last stretch of each
window; each piece is run with `context_seconds` of extra audio on both sides and only the
frames of its own core are kept, so words across a cut still see their neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE


@dataclass(frozen=True)
class ChunkPlan:
    """Run samples [start, stop) and keep output frames [keep_from, keep_to) of the result."""

    start: int
    stop: int
    keep_from: int
    keep_to: int | None


@dataclass(frozen=True)
class ChunkPolicy:
    max_seconds: float = 30.0
    search_seconds: float = 5.0
    context_seconds: float = 1.0


def quietest_cut(audio: NDArray[np.float32], lo: int, hi: int, frame: int) -> int:
    """A multiple of `frame` in [lo, hi] where the surrounding frame has the least energy."""
    first = -(-lo // frame)
    last = hi // frame
    if last <= first:
        return max(first, last) * frame
    starts = np.arange(first, last + 1) * frame
    energies = np.array(
        [float(np.square(audio[s - frame // 2 : s + frame // 2]).sum()) for s in starts]
    )
    return int(starts[int(np.argmin(energies))])


def plan_chunks(
    audio: NDArray[np.float32], frame_samples: int, policy: ChunkPolicy
) -> list[ChunkPlan]:
    """Pieces whose kept frames, concatenated, cover the whole audio once and in order.

    Cuts and context edges are multiples of `frame_samples` (samples per output frame), so a
    piece's output frame i is global frame `start // frame_samples + i`.
    """
    total = int(audio.shape[0])
    window = int(policy.max_seconds * SAMPLE_RATE)
    if total <= window:
        return [ChunkPlan(0, total, 0, None)]
    context = int(policy.context_seconds * SAMPLE_RATE) // frame_samples * frame_samples
    search = int(policy.search_seconds * SAMPLE_RATE)
    core_max = max(window - 2 * context, 2 * frame_samples)
    cuts = [0]
    while total - cuts[-1] > core_max:
        hi = cuts[-1] + core_max
        lo = max(cuts[-1] + frame_samples, hi - search)
        cuts.append(quietest_cut(audio, lo, hi, frame_samples))
    plans = []
    for index, core_start in enumerate(cuts):
        start = max(0, core_start - context)
        last = index == len(cuts) - 1
        stop = total if last else min(total, cuts[index + 1] + context)
        keep_from = (core_start - start) // frame_samples
        keep_to = None if last else (cuts[index + 1] - start) // frame_samples
        plans.append(ChunkPlan(start, stop, keep_from, keep_to))
    return plans
