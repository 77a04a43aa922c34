"""Reproducible noise for robustness evaluation: mix noise into speech at an exact SNR.

SNR is the ratio of mean power over the whole clip: `10 * log10(mean(speech²) / mean(noise²))`.
Kinds: `white` (flat spectrum), `pink` (1/f power, like much room and fan noise) and `babble`
(several overlapping talkers cut from recordings the caller supplies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

NoiseKind = Literal["white", "pink", "babble"]
NOISE_KINDS: tuple[NoiseKind, ...] = ("white", "pink", "babble")
BABBLE_TALKERS = 6


def make_noise(
    kind: NoiseKind,
    length: int,
    rng: np.random.Generator,
    speech: Sequence[NDArray[np.float32]] = (),
) -> NDArray[np.float64]:
    """`length` samples of noise of one kind (unscaled); babble needs `speech` recordings."""
    if kind == "white":
        return rng.standard_normal(length)
    if kind == "pink":
        return _pink(length, rng)
    if kind == "babble":
        return _babble(length, rng, speech)
    raise ValueError(f"unknown noise kind {kind!r}; choose one of {', '.join(NOISE_KINDS)}")


def _pink(length: int, rng: np.random.Generator) -> NDArray[np.float64]:
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequency = np.arange(len(spectrum), dtype=np.float64)
    frequency[0] = 1.0  # keep the DC bin finite; it carries almost no power either way
    return np.fft.irfft(spectrum / np.sqrt(frequency), n=length)


def _babble(
    length: int, rng: np.random.Generator, speech: Sequence[NDArray[np.float32]]
) -> NDArray[np.float64]:
    sources = [np.asarray(clip, dtype=np.float64) for clip in speech if len(clip) > 0]
    if not sources:
        raise ValueError("babble noise needs at least one speech recording")
    babble = np.zeros(length)
    for _ in range(BABBLE_TALKERS):
        clip = sources[int(rng.integers(len(sources)))]
        # Loop the clip from a random point so every talker covers the whole length.
        start = int(rng.integers(len(clip)))
        indices = (start + np.arange(length)) % len(clip)
        talker = clip[indices]
        power = np.mean(talker**2)
        if power > 0:
            babble += talker / np.sqrt(power)
    return babble


def mix_at_snr(
    speech: NDArray[np.float32], noise: NDArray[np.float64], snr_db: float
) -> NDArray[np.float32]:
    """`speech + g * noise` with g chosen so that the SNR is exactly `snr_db`."""
    if len(noise) != len(speech):
        raise ValueError(f"noise has {len(noise)} samples, speech {len(speech)}")
    speech_power = float(np.mean(np.asarray(speech, dtype=np.float64) ** 2))
    noise_power = float(np.mean(noise**2))
    if speech_power == 0.0 or noise_power == 0.0:
        raise ValueError("SNR is undefined for silent speech or silent noise")
    gain = float(np.sqrt(speech_power / (noise_power * 10.0 ** (snr_db / 10.0))))
    mixed: NDArray[np.float32] = (speech + gain * noise).astype(np.float32)
    return mixed


def add_noise(
    audio: NDArray[np.float32],
    snr_db: float,
    seed: int,
    kind: NoiseKind = "white",
    speech: Sequence[NDArray[np.float32]] = (),
) -> NDArray[np.float32]:
    """Mix `kind` noise into `audio` at exactly `snr_db`; the same seed gives the same noise.

    The sum is not clipped: at low SNR it may exceed [-1, 1], which keeps the SNR exact; the
    pipeline's converter clips when the mixture is written as PCM.
    """
    rng = np.random.default_rng(seed)
    return mix_at_snr(audio, make_noise(kind, len(audio), rng, speech), snr_db)
