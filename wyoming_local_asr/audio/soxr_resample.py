"""Streaming sample-rate conversion with libsoxr (PyPI `soxr`, abi3 wheels for x86_64 and
aarch64): the same `feed()` / `finish()` contract as `resample.StreamResampler`, about 10x
faster on the 16 <-> 48 kHz conversions around RNNoise (`docs/benchmarks.md`, "Denoising only
when it helps").

soxr's "HQ" quality (20-bit precision, a linear-phase filter) removes its own delay, so the
output lines up with the input sample for sample, and the output of a whole signal has
`round(len * rate_out / rate_in)` samples. The concatenation of what `feed()` and `finish()`
return is the same whatever the sizes of the pieces (`tests/audio/test_soxr_resample.py`
checks it, and the bound against `resample.resample`).
"""

from __future__ import annotations

import numpy as np
import soxr
from numpy.typing import NDArray

QUALITY = "HQ"


class SoxrResampler:
    """Resamples mono float32 audio that arrives in pieces; `feed()` returns what soxr has
    determined so far, `finish()` the rest."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        if rate_in <= 0 or rate_out <= 0:
            raise ValueError(f"sample rates must be positive, got {rate_in} -> {rate_out}")
        self._identity = rate_in == rate_out
        self._stream = soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32", quality=QUALITY)
        self._finished = False

    def feed(self, samples: NDArray[np.float32]) -> NDArray[np.float32]:
        if self._finished:
            raise ValueError("the resampler is closed: finish() was called")
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if self._identity:
            return samples.copy()
        if len(samples) == 0:
            return np.zeros(0, dtype=np.float32)
        out: NDArray[np.float32] = self._stream.resample_chunk(samples, last=False)
        return out

    def finish(self) -> NDArray[np.float32]:
        if self._finished:
            raise ValueError("the resampler is closed: finish() was called")
        self._finished = True
        if self._identity:
            return np.zeros(0, dtype=np.float32)
        out: NDArray[np.float32] = self._stream.resample_chunk(
            np.zeros(0, dtype=np.float32), last=True
        )
        return out
