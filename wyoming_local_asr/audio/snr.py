"""A signal-to-noise estimate of 16 kHz audio from WebRTC VAD's speech and non-speech frames.

Each 30 ms frame is labelled by WebRTC VAD (the endpointer's aggressiveness) and its power is
added to the speech or the non-speech total. The noise power is the mean over non-speech
frames; when the VAD hears (almost) no non-speech frame (steady noise it takes for speech, or
speech from start to end), it is the mean of the quietest tenth of all frames. The estimate is
`10 log10((speech - noise) / noise)` in dB: digital silence between words gives the largest
value (`CLEAN_DB`). It answers whether denoising is worth its cost (`audio/denoise_gate.py`),
not what a calibrated meter would say: it runs higher than the SNR a noisy corpus is mixed at
(that counts the pauses as signal too).

`SnrMeter` is fed in pieces; its estimate equals `estimate_snr` of everything fed at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import webrtcvad
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE

FRAME_SAMPLES = SAMPLE_RATE * 30 // 1000
# Speech frames before an estimate is made (0.3 s).
MIN_SPEECH_FRAMES = 10
# Non-speech frames needed to measure the noise from them; else the quietest tenth is used.
MIN_NOISE_FRAMES = 5
QUIETEST_SHARE = 0.1
# The estimate for audio whose noise is (nearly) digital silence.
CLEAN_DB = 100.0
# Powers below this (about -100 dBFS) count as silence.
_FLOOR = 1e-10


def frame_powers(frames: NDArray[np.float32]) -> list[float]:
    """The mean square of each row of clipped samples (one row per frame)."""
    return np.mean(frames.astype(np.float64) ** 2, axis=1).tolist()  # type: ignore[no-any-return]


class SnrMeter:
    """The estimate over the audio fed so far (not thread-safe: one stream).

    With an `aggressiveness` the meter labels the frames of the audio it is fed (`feed`) with
    its own WebRTC VAD; with None it is given each frame's power and label (`add`) by the VAD
    that already labelled the same frames (the pipeline's `SpeechTracker`): one pass over the
    audio instead of two."""

    def __init__(self, aggressiveness: int | None = 2) -> None:
        self._vad = None if aggressiveness is None else webrtcvad.Vad(aggressiveness)
        self._rest = np.zeros(0, dtype=np.float32)
        self._powers: list[float] = []
        self._speech: list[bool] = []
        self.samples = 0  # samples fed

    @property
    def frames(self) -> int:
        """Whole frames measured so far."""
        return len(self._powers)

    def feed(self, audio: NDArray[np.float32]) -> None:
        if self._vad is None:
            raise ValueError("this meter has no VAD of its own: `add` the frames")
        self.samples += len(audio)
        samples = np.concatenate([self._rest, audio.astype(np.float32, copy=False)])
        count = len(samples) // FRAME_SAMPLES
        self._rest = samples[count * FRAME_SAMPLES :]
        if count == 0:
            return
        frames = np.clip(samples[: count * FRAME_SAMPLES], -1.0, 1.0).reshape(count, -1)
        self._powers.extend(frame_powers(frames))
        data = (frames * 32767.0).round().astype("<i2").tobytes()
        step = 2 * FRAME_SAMPLES
        for index in range(count):
            chunk = data[index * step : (index + 1) * step]
            self._speech.append(bool(self._vad.is_speech(chunk, SAMPLE_RATE)))

    def add(self, powers: Sequence[float], labels: Sequence[bool]) -> None:
        """The next frames, measured (`frame_powers`) and labelled by the caller's VAD."""
        if len(powers) != len(labels):
            raise ValueError(f"{len(powers)} frame powers but {len(labels)} labels")
        self._powers.extend(powers)
        self._speech.extend(bool(label) for label in labels)
        self.samples += len(powers) * FRAME_SAMPLES

    @property
    def estimate(self) -> float | None:
        """The SNR in dB, or None before `MIN_SPEECH_FRAMES` of speech were heard."""
        powers = np.asarray(self._powers, dtype=np.float64)
        speech = np.asarray(self._speech, dtype=bool)
        if int(speech.sum()) < MIN_SPEECH_FRAMES:
            return None
        if int((~speech).sum()) >= MIN_NOISE_FRAMES:
            noise = float(powers[~speech].mean())
        else:
            quietest = max(1, int(len(powers) * QUIETEST_SHARE))
            noise = float(np.sort(powers)[:quietest].mean())
        signal = float(powers[speech].mean()) - noise
        if noise < _FLOOR:
            return CLEAN_DB
        if signal <= 0.0:
            return 0.0
        return min(10.0 * math.log10(signal / noise), CLEAN_DB)


def estimate_snr(audio: NDArray[np.float32], aggressiveness: int = 2) -> float | None:
    """`SnrMeter`'s estimate of a whole stretch of audio."""
    meter = SnrMeter(aggressiveness)
    meter.feed(audio)
    return meter.estimate
