"""libsoxr's streaming resampler around RNNoise: pieces give exactly the whole result, the output
lines up with the input, and it stays within a small bound of our own resampler."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.resample import resample
from wyoming_local_asr.audio.soxr_resample import SoxrResampler

PAIRS = [(16000, 48000), (48000, 16000)]


def tones(rate: int, seconds: float = 1.0) -> NDArray[np.float32]:
    """Sines well inside both rates' pass band (100 Hz to 6.5 kHz)."""
    rng = np.random.default_rng(7)
    t = np.arange(int(rate * seconds)) / rate
    waves = [
        np.sin(2 * np.pi * f * t + p)
        for f, p in zip(rng.uniform(100, 6500, 12), rng.uniform(0, 6, 12), strict=True)
    ]
    return (0.05 * np.sum(waves, axis=0)).astype(np.float32)


def whole(rate_in: int, rate_out: int, audio: NDArray[np.float32]) -> NDArray[np.float32]:
    resampler = SoxrResampler(rate_in, rate_out)
    return np.concatenate([resampler.feed(audio), resampler.finish()])


@pytest.mark.parametrize(("rate_in", "rate_out"), PAIRS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pieces_of_any_size_give_exactly_the_whole_result(
    rate_in: int, rate_out: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    audio = (0.1 * rng.standard_normal(rate_in)).astype(np.float32)
    resampler = SoxrResampler(rate_in, rate_out)
    pieces, start = [], 0
    while start < len(audio):
        size = int(rng.integers(1, 2000))
        pieces.append(resampler.feed(audio[start : start + size]))
        start += size
    pieces.append(resampler.finish())
    assert np.array_equal(np.concatenate(pieces), whole(rate_in, rate_out, audio))


@pytest.mark.parametrize(("rate_in", "rate_out"), PAIRS)
def test_it_lines_up_with_our_resampler_within_a_bound(rate_in: int, rate_out: int) -> None:
    audio = tones(rate_in)
    ours, theirs = resample(audio, rate_in, rate_out), whole(rate_in, rate_out, audio)
    assert len(theirs) == len(ours)
    inner = slice(200, -200)  # away from the edges, where each pads differently
    assert float(np.max(np.abs(theirs[inner] - ours[inner]))) < 1e-4


def test_lengths_round_to_the_nearest_sample() -> None:
    for length in (0, 1, 2, 100, 1001, 16000):
        audio = np.zeros(length, dtype=np.float32)
        assert len(whole(16000, 48000, audio)) == 3 * length
        assert len(whole(48000, 16000, audio)) == round(length / 3)


def test_a_finished_resampler_refuses_more_audio() -> None:
    resampler = SoxrResampler(16000, 48000)
    resampler.finish()
    with pytest.raises(ValueError, match="closed"):
        resampler.feed(np.zeros(10, dtype=np.float32))
    with pytest.raises(ValueError, match="sample rates"):
        SoxrResampler(0, 16000)
