"""Noise suppression of 16 kHz audio with RNNoise (which works on 48 kHz frames of 480 samples).

16 kHz -> 48 kHz (int16 scale) -> RNNoise frame by frame -> 48 kHz -> 16 kHz (libsoxr,
`audio/soxr_resample.py`), with RNNoise's two-frame delay removed so that the output lines up
with the input sample for sample.

Audio can arrive in pieces (`DenoiseStream`): the server denoises each chunk of an utterance as
the client sends it, so that after `audio-stop` almost nothing of this stage is left to do. The
pieces joined are exactly the result on the whole utterance at once (`Denoiser.process`).

`strength` mixes the denoised signal with the original. RNNoise alone removes noise well but
also smears the speech; the default of 0.5 was chosen by phoneme errors on noisy real clips
(`docs/tuning.md`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE
from .rnnoise import DELAY, FRAME_SIZE, RNNoiseState, load_library
from .rnnoise import SAMPLE_RATE as RNNOISE_RATE
from .soxr_resample import SoxrResampler

_INT16_SCALE = 32768.0
FRAME_SECONDS = FRAME_SIZE / RNNOISE_RATE
DEFAULT_STRENGTH = 0.5


def _empty() -> NDArray[np.float32]:
    return np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Denoised:
    """The result for a piece of audio, all at 16 kHz and aligned with the input."""

    # The output: `strength` of RNNoise's signal mixed with the rest of the input.
    audio: NDArray[np.float32]
    # RNNoise's signal alone (the best input for voice activity detection).
    denoised: NDArray[np.float32]
    # RNNoise's speech probability for each 10 ms frame of the input.
    speech_probability: NDArray[np.float32]

    @staticmethod
    def join(pieces: Sequence[Denoised]) -> Denoised:
        return Denoised(
            np.concatenate([_empty(), *(p.audio for p in pieces)]),
            np.concatenate([_empty(), *(p.denoised for p in pieces)]),
            np.concatenate([_empty(), *(p.speech_probability for p in pieces)]),
        )


class Denoiser:
    """RNNoise settings shared by every utterance. Each utterance gets its own RNNoise state
    (`stream()`), so one denoiser serves many threads at once.

    `strength` is the share of the denoised signal in the output (1.0: RNNoise alone).
    """

    def __init__(self, strength: float = DEFAULT_STRENGTH) -> None:
        if not 0.0 < strength <= 1.0:
            raise ValueError(f"denoise strength must be in (0, 1], got {strength!r}")
        self.strength = strength
        # Fail at start-up, not on the first utterance, when the library is missing.
        load_library()

    def stream(self) -> DenoiseStream:
        """A new RNNoise stream for one utterance that arrives in pieces."""
        return DenoiseStream(self.strength)

    def denoise(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        """Denoise 16 kHz mono float audio; the result has the same length and timing."""
        return self.process(audio).audio

    def process(self, audio: NDArray[np.float32]) -> Denoised:
        """Denoise a whole utterance at once."""
        return self.stream().finish(audio)


class DenoiseStream:
    """RNNoise over one utterance fed in pieces. `feed()` returns the output that is already
    determined (RNNoise and the resamplers hold back a few milliseconds); `finish()` returns
    the rest and frees the RNNoise state. Not thread-safe: feed one stream from one thread at
    a time."""

    def __init__(self, strength: float) -> None:
        self.strength = strength
        self._state = RNNoiseState()
        self._up = SoxrResampler(SAMPLE_RATE, RNNOISE_RATE)
        self._down = SoxrResampler(RNNOISE_RATE, SAMPLE_RATE)
        # 48 kHz input (int16 scale) that does not fill a whole RNNoise frame yet.
        self._pending = _empty()
        # Input at 16 kHz still waiting for its denoised counterpart (for the mix).
        self._original = _empty()
        self._upsampled = 0  # 48 kHz samples that went into RNNoise (padding excluded)
        self._frames = 0  # RNNoise frames processed
        self._skipped = 0  # leading output samples dropped: RNNoise's delay
        self._aligned = 0  # 48 kHz output samples passed on after the delay

    def feed(self, audio: NDArray[np.float32]) -> Denoised:
        self._original = np.concatenate([self._original, audio.astype(np.float32, copy=False)])
        return self._run(self._up.feed(audio), last=False)

    def finish(self, audio: NDArray[np.float32] | None = None) -> Denoised:
        """The last piece (if any) and everything still held back; frees the RNNoise state."""
        try:
            head = self.feed(audio) if audio is not None and len(audio) else None
            tail = self._run(self._up.finish(), last=True)
            return tail if head is None else Denoised.join([head, tail])
        finally:
            self.close()

    def close(self) -> None:
        self._state.close()

    def _run(self, upsampled: NDArray[np.float32], *, last: bool) -> Denoised:
        self._upsampled += len(upsampled)
        pending = np.concatenate([self._pending, upsampled * np.float32(_INT16_SCALE)])
        if last:
            # Zeros after the signal flush RNNoise's delay, up to a whole last frame.
            total_frames = -(-(self._upsampled + DELAY) // FRAME_SIZE)
            pending = np.pad(
                pending, (0, (total_frames - self._frames) * FRAME_SIZE - len(pending))
            )
        count = len(pending) // FRAME_SIZE
        frames = pending[: count * FRAME_SIZE].reshape(count, FRAME_SIZE)
        self._pending = pending[count * FRAME_SIZE :]
        cleaned, probability = self._state.process_frames(frames)
        input_frames = -(-self._upsampled // FRAME_SIZE) if last else self._frames + count
        probability = probability[: max(input_frames - self._frames, 0)]
        self._frames += count

        output = cleaned.reshape(-1)
        skip = min(DELAY - self._skipped, len(output))
        self._skipped += skip
        output = output[skip:]
        if last:
            output = output[: self._upsampled - self._aligned]
        self._aligned += len(output)
        denoised = self._down.feed(output / np.float32(_INT16_SCALE))
        if last:
            denoised = np.concatenate([denoised, self._down.finish()])
            denoised = denoised[: len(self._original)]  # the input not yet matched
        np.clip(denoised, -1.0, 1.0, out=denoised)

        original = self._original[: len(denoised)]
        self._original = self._original[len(denoised) :]
        mixed = self.strength * denoised + (1.0 - self.strength) * original
        return Denoised(np.clip(mixed, -1.0, 1.0).astype(np.float32), denoised, probability)
