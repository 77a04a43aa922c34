"""Denoising only when it helps: RNNoise for a segment whose estimated SNR is below a threshold.

Clean audio gains nothing from RNNoise (the recognizer keeps the original's transcript anyway,
`compare_original`), and RNNoise with its resamplers costs several times the recognizer. So
each segment of an utterance is decided on its own original audio (`audio/snr.py`): at or above
`below_snr` dB the recognizer hears the original once; below, the denoised audio and the
original are both recognized, as without the gate. The decision depends only on the segment's
audio, never on how it arrived, and the denoised audio of a segment is exactly
`Denoiser.process` of its original (a fresh RNNoise state per segment).

While the audio arrives live (no faster than real time, give or take `LIVE_SLACK_SECONDS`),
denoising runs ahead once the estimate so far is below the threshold (`advance`), so that noisy
audio paced like a microphone is mostly denoised by the time the client stops; what ran ahead
and turns out not to be needed is dropped (it cost idle time only). Audio sent faster than real
time (a recording, a client that buffers) is only measured as it arrives and denoised, if at
all, once its segment is complete: running ahead there would only spend, on audio that may turn
out clean, time the client waits for anyway. Clean audio thus costs no RNNoise at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .denoise import Denoiser, DenoiseStream
from .snr import SnrMeter

# Audio counts as live while no more than this many seconds of it have arrived ahead of the
# wall clock since the utterance's first audio.
LIVE_SLACK_SECONDS = 0.5


@dataclass(frozen=True)
class GatedSegment:
    """What the recognizer hears for one segment."""

    # The denoised audio when the segment is noisy, else the original.
    audio: NDArray[np.float32]
    # The original, to be compared with the denoised audio; None when the segment is clean.
    original: NDArray[np.float32] | None
    snr: float | None


class DenoiseGate:
    """The gate for the segment being received (positions count from the segment's start)."""

    def __init__(self, denoiser: Denoiser, below_snr: float, aggressiveness: int = 2) -> None:
        self.denoiser = denoiser
        self.below_snr = below_snr
        self.aggressiveness = aggressiveness
        self._meter = SnrMeter(aggressiveness)
        self._stream: DenoiseStream | None = None
        self._denoised: list[NDArray[np.float32]] = []
        self._fed = 0  # samples of the segment given to the RNNoise stream

    @property
    def held_samples(self) -> int:
        return sum(len(piece) for piece in self._denoised)

    def noisy(self, snr: float | None) -> bool:
        """Whether audio with this estimate is denoised (no estimate: no speech heard yet)."""
        return snr is not None and snr < self.below_snr

    def advance(self, segment: NDArray[np.float32], *, live: bool = True) -> None:
        """The segment's audio so far (at least what was seen before): measure what is new, and
        denoise ahead once the estimate says noisy if the audio arrives `live`."""
        if len(segment) < self._meter.samples:
            return  # cut shorter than measured: `take` starts over
        self._meter.feed(segment[self._meter.samples :])
        if not live or (self._stream is None and not self.noisy(self._meter.estimate)):
            return
        if self._stream is None:
            self._stream = self.denoiser.stream()
        self._denoised.append(self._stream.feed(segment[self._fed :]).audio)
        self._fed = len(segment)

    def take(self, segment: NDArray[np.float32]) -> GatedSegment:
        """Decide the finished segment (its whole original audio) and start the next one."""
        try:
            if len(segment) < self._meter.samples or len(segment) < self._fed:
                self.reset()  # what ran ahead went past the cut
            self._meter.feed(segment[self._meter.samples :])
            snr = self._meter.estimate
            if not self.noisy(snr):
                return GatedSegment(segment, None, snr)
            if self._stream is None:
                self._stream = self.denoiser.stream()
            rest = self._stream.finish(segment[self._fed :]).audio
            audio = np.concatenate([*self._denoised, rest]).astype(np.float32, copy=False)
            return GatedSegment(audio, segment, snr)
        finally:
            self.reset()

    def peek(self, segment: NDArray[np.float32]) -> GatedSegment:
        """The decision on the segment so far without ending it: noisy audio is what was
        denoised ahead (determined output only, a prefix of `take`'s), after catching up."""
        self.advance(segment)
        snr = self._meter.estimate
        if not self.noisy(snr) or len(segment) < self._meter.samples:
            return GatedSegment(segment, None, snr)
        audio = np.concatenate([np.zeros(0, dtype=np.float32), *self._denoised])
        return GatedSegment(audio, segment[: len(audio)], snr)

    def reset(self) -> None:
        """Drop what ran ahead and free the RNNoise state; safe to call twice."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self._denoised = []
        self._fed = 0
        self._meter = SnrMeter(self.aggressiveness)
