"""Noise for the robustness evaluation: exact SNR, reproducible, the right colour."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.evaluation.noise import NOISE_KINDS, NoiseKind, add_noise, make_noise


def measured_snr(clean: NDArray[np.float32], noisy: NDArray[np.float32]) -> float:
    noise = noisy.astype(np.float64) - clean
    return float(10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(noise**2)))


@pytest.mark.parametrize("kind", NOISE_KINDS)
@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 10.0, 20.0, 37.5])
def test_the_requested_snr_is_met(
    goforward: NDArray[np.float32],
    librivox: list[NDArray[np.float32]],
    kind: NoiseKind,
    snr_db: float,
) -> None:
    noisy = add_noise(goforward, snr_db, seed=11, kind=kind, speech=librivox)
    assert noisy.dtype == np.float32
    assert len(noisy) == len(goforward)
    assert measured_snr(goforward, noisy) == pytest.approx(snr_db, abs=0.01)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_the_seed_decides_the_noise(
    goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]], kind: NoiseKind
) -> None:
    first = add_noise(goforward, 10, seed=1, kind=kind, speech=librivox)
    again = add_noise(goforward, 10, seed=1, kind=kind, speech=librivox)
    other = add_noise(goforward, 10, seed=2, kind=kind, speech=librivox)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def band_power_db(noise: NDArray[np.float64], low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    frequencies = np.fft.rfftfreq(len(noise), 1 / 16000)
    return float(10 * np.log10(spectrum[(frequencies >= low) & (frequencies < high)].mean()))


def test_white_noise_is_flat_and_pink_noise_falls_3db_per_octave() -> None:
    white = make_noise("white", 160_000, np.random.default_rng(0))
    pink = make_noise("pink", 160_000, np.random.default_rng(0))
    octaves = [(250, 500), (500, 1000), (1000, 2000), (2000, 4000)]
    white_levels = [band_power_db(white, *band) for band in octaves]
    pink_levels = [band_power_db(pink, *band) for band in octaves]
    assert np.ptp(white_levels) < 0.5
    slopes = np.diff(pink_levels)
    assert np.all(np.abs(slopes + 3.0) < 0.5), slopes


def test_babble_is_made_of_the_given_speech(librivox: list[NDArray[np.float32]]) -> None:
    babble = make_noise("babble", 48_000, np.random.default_rng(0), speech=librivox)
    # Like speech, most of its power lies below 1 kHz, unlike white noise.
    low = band_power_db(babble, 100, 1000)
    high = band_power_db(babble, 4000, 8000)
    assert low - high > 20
    with pytest.raises(ValueError, match="babble noise needs at least one speech recording"):
        make_noise("babble", 100, np.random.default_rng(0))


def test_bad_requests_are_refused(goforward: NDArray[np.float32]) -> None:
    with pytest.raises(ValueError, match="unknown noise kind 'brown'"):
        add_noise(goforward, 10, seed=0, kind="brown")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="undefined for silent speech"):
        add_noise(np.zeros(1000, dtype=np.float32), 10, seed=0)
