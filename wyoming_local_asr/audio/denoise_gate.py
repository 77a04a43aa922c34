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

The gate follows the segment being received in `HeldAudio` and reads only what it has not
measured (or denoised) yet, so its work per piece does not grow with the segment. With the
pipeline's VAD (`labelled`), the SNR meter takes the label and the power the endpointing
`SpeechTracker` already gave each 30 ms frame of the utterance (`hear`) instead of running
WebRTC VAD over the same frames again: a segment is then measured on the utterance's whole
frames inside it (a cut between frames, forced where speech had no pause, leaves its split
frame out; for the first segment, and any cut at a pause, the frames are the meter's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .denoise import Denoiser, DenoiseStream
from .segments import HeldAudio
from .snr import FRAME_SAMPLES, SnrMeter

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
    """The gate for the utterance's segment being received (positions in a segment count from
    its start)."""

    def __init__(
        self,
        denoiser: Denoiser,
        below_snr: float,
        aggressiveness: int = 2,
        *,
        labelled: bool = False,
    ) -> None:
        """`labelled`: the VAD labels of the utterance's 30 ms frames (from its start) come from
        `hear`, instead of the meter's own WebRTC VAD (`aggressiveness`)."""
        self.denoiser = denoiser
        self.below_snr = below_snr
        self.aggressiveness = aggressiveness
        self.labelled = labelled
        self._labels: list[bool] = []
        self._powers: list[float] = []
        self._labels_from = 0  # the utterance's frame that `_labels[0]` labels
        self._start = 0  # where the segment being received begins in the utterance
        self._stream: DenoiseStream | None = None
        self._denoised: list[NDArray[np.float32]] = []
        self._fed = 0  # samples of the segment given to the RNNoise stream
        self._meter = SnrMeter(None if labelled else aggressiveness)

    @property
    def held_samples(self) -> int:
        return sum(len(piece) for piece in self._denoised)

    def noisy(self, snr: float | None) -> bool:
        """Whether audio with this estimate is denoised (no estimate: no speech heard yet)."""
        return snr is not None and snr < self.below_snr

    def hear(self, labels: Iterable[bool], powers: Iterable[float]) -> None:
        """The VAD's labels of the utterance's next frames and their powers (`labelled`)."""
        self._labels.extend(labels)
        self._powers.extend(powers)
        if len(self._labels) != len(self._powers):
            raise ValueError("every frame needs its label and its power")

    def advance(self, held: HeldAudio, *, live: bool = True) -> None:
        """The segment's audio so far (`held` holds it, from this segment's start): measure
        what is new, and denoise ahead once the estimate says noisy if the audio arrives
        `live`."""
        if held.start != self._start:
            raise ValueError(f"the segment starts at {self._start}, not at {held.start}")
        if held.end < self._measured_to:
            return  # cut shorter than measured: `take` starts over
        self._measure(held, held.end)
        if not live or (self._stream is None and not self.noisy(self._meter.estimate)):
            return
        if self._stream is None:
            self._stream = self.denoiser.stream()
        new = held.window(held.start + self._fed, held.end)
        self._denoised.append(self._stream.feed(new).audio)
        self._fed = held.samples

    def take(self, segment: NDArray[np.float32]) -> GatedSegment:
        """Decide the finished segment (its whole original audio) and start the next one."""
        try:
            end = self._start + len(segment)
            if end < self._measured_to or len(segment) < self._fed:
                self.reset()  # what ran ahead went past the cut
            self._measure(segment[self._meter.samples :], end)
            snr = self._meter.estimate
            if not self.noisy(snr):
                return GatedSegment(segment, None, snr)
            if self._stream is None:
                self._stream = self.denoiser.stream()
            rest = self._stream.finish(segment[self._fed :]).audio
            audio = np.concatenate([*self._denoised, rest]).astype(np.float32, copy=False)
            return GatedSegment(audio, segment, snr)
        finally:
            self._start += len(segment)
            drop = self._start // FRAME_SAMPLES - self._labels_from
            if drop > 0:
                del self._labels[:drop]
                del self._powers[:drop]
                self._labels_from += drop
            self.reset()

    def peek(self, held: HeldAudio) -> GatedSegment:
        """The decision on the segment so far without ending it: noisy audio is what was
        denoised ahead (determined output only, a prefix of `take`'s), after catching up."""
        self.advance(held)
        snr = self._meter.estimate
        if not self.noisy(snr) or held.end < self._measured_to:
            return GatedSegment(held.snapshot(), None, snr)
        audio = np.concatenate([np.zeros(0, dtype=np.float32), *self._denoised])
        return GatedSegment(audio, held.window(held.start, held.start + len(audio)), snr)

    def reset(self) -> None:
        """Drop what ran ahead on the segment being received and free the RNNoise state; safe
        to call twice."""
        if self._stream is not None:
            self._stream.close()
        self._stream = None
        self._denoised = []
        self._fed = 0
        self._meter = SnrMeter(None if self.labelled else self.aggressiveness)

    @property
    def _first_frame(self) -> int:
        """The utterance's first whole frame in the segment (labelled)."""
        return -(-self._start // FRAME_SAMPLES)

    @property
    def _measured_to(self) -> int:
        """Where the audio measured so far ends, in the utterance."""
        if self.labelled:
            return max(self._start, (self._first_frame + self._meter.frames) * FRAME_SAMPLES)
        return self._start + self._meter.samples

    def _measure(self, audio: HeldAudio | NDArray[np.float32], end: int) -> None:
        """Measure the segment up to `end` (in the utterance) from where it was measured to:
        with labels, the utterance's whole frames before `end` that the VAD has labelled (the
        rest waits for its labels; no audio is read); else the audio from there (`audio`: the
        segment's, from there or as held)."""
        if self.labelled:
            first = self._first_frame + self._meter.frames - self._labels_from
            last = min(end // FRAME_SAMPLES - self._labels_from, len(self._labels))
            if last > first:
                self._meter.add(self._powers[first:last], self._labels[first:last])
            return
        if isinstance(audio, HeldAudio):
            audio = audio.window(self._measured_to, end)
        self._meter.feed(audio)
