"""The SNR estimate the denoise gate decides on, on real speech clean and with noise mixed in."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.snr import CLEAN_DB, SnrMeter, estimate_snr
from wyoming_local_asr.evaluation.noise import add_noise

RATE = 16000


def test_clean_real_speech_is_estimated_above_noisy(
    goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]]
) -> None:
    clean = estimate_snr(goforward)  # a real recording: its background is about 21 dB down
    assert clean is not None and clean > 20
    for kind in ("white", "pink", "babble"):
        mixed = add_noise(goforward, snr_db=10, seed=1, kind=kind, speech=librivox[2:])
        noisy = estimate_snr(mixed)
        assert noisy is not None and noisy < 18, kind


def test_the_estimate_follows_the_mixed_snr(goforward: NDArray[np.float32]) -> None:
    estimates = [
        estimate_snr(add_noise(goforward, snr, seed=2, kind="pink")) for snr in (0, 10, 20)
    ]
    assert all(value is not None for value in estimates)
    assert estimates == sorted(estimates)  # type: ignore[type-var]


def test_digital_silence_around_speech_reads_as_cleaner(goforward: NDArray[np.float32]) -> None:
    silence = np.zeros(RATE, dtype=np.float32)
    padded = estimate_snr(np.concatenate([silence, goforward[8000:38000], silence]))
    as_recorded = estimate_snr(goforward)
    assert padded is not None and as_recorded is not None
    assert as_recorded + 3 < padded <= CLEAN_DB


def test_no_estimate_without_speech() -> None:
    assert estimate_snr(np.zeros(2 * RATE, dtype=np.float32)) is None
    assert estimate_snr(np.zeros(0, dtype=np.float32)) is None
    assert estimate_snr(np.zeros(100, dtype=np.float32)) is None


@pytest.mark.parametrize("piece", [1, 480, 1024, 7777])
def test_pieces_give_the_estimate_of_the_whole(
    goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]], piece: int
) -> None:
    noisy = add_noise(goforward, snr_db=10, seed=3, kind="babble", speech=librivox[2:])
    meter = SnrMeter()
    for start in range(0, len(noisy), piece):
        meter.feed(noisy[start : start + piece])
    assert meter.samples == len(noisy)
    assert meter.estimate == estimate_snr(noisy)
