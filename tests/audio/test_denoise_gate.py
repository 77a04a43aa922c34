"""The denoise gate: clean segments pass as they are, noisy ones are denoised exactly as the
whole segment would be, however the audio arrived and wherever the segment was cut."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.denoise import Denoiser
from wyoming_local_asr.audio.denoise_gate import DenoiseGate
from wyoming_local_asr.evaluation.noise import add_noise

THRESHOLD = 20.0


@pytest.fixture(scope="module")
def denoiser() -> Denoiser:
    return Denoiser()


@pytest.fixture(scope="module")
def noisy(goforward: NDArray[np.float32]) -> NDArray[np.float32]:
    return add_noise(goforward, snr_db=10, seed=4, kind="white")


def arrive(gate: DenoiseGate, audio: NDArray[np.float32], piece: int, upto: int) -> None:
    """Feed the gate as the pipeline does: the whole segment so far after each piece."""
    for end in range(piece, upto + 1, piece):
        gate.advance(audio[:end])


def test_a_clean_segment_is_passed_as_it_is(
    denoiser: Denoiser, goforward: NDArray[np.float32]
) -> None:
    # goforward's background is about 21 dB below its speech: clean for a gate at 18 dB.
    gate = DenoiseGate(denoiser, 18.0)
    arrive(gate, goforward, 1024, len(goforward))
    assert gate.held_samples == 0  # nothing was denoised ahead
    taken = gate.take(goforward)
    assert taken.original is None and taken.snr is not None and taken.snr >= 18.0
    assert np.array_equal(taken.audio, goforward)


@pytest.mark.parametrize("piece", [333, 1024, 16000])
def test_a_noisy_segment_is_denoised_as_a_whole(
    denoiser: Denoiser, noisy: NDArray[np.float32], piece: int
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, piece, len(noisy))
    assert gate.held_samples > 0  # denoised ahead while the audio arrived
    taken = gate.take(noisy)
    assert taken.snr is not None and taken.snr < THRESHOLD
    assert taken.original is not None and np.array_equal(taken.original, noisy)
    assert np.array_equal(taken.audio, denoiser.process(noisy).audio)


def test_a_cut_before_what_was_measured_starts_over(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, 1024, len(noisy))
    segment = noisy[:25000]  # the cut fell before the audio already seen
    taken = gate.take(segment)
    assert np.array_equal(taken.audio, denoiser.process(segment).audio)
    # The next segment starts from scratch.
    rest = noisy[25000:]
    assert np.array_equal(gate.take(rest).audio, denoiser.process(rest).audio)


def test_peek_is_a_prefix_of_the_final_audio(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, 1024, 40960)
    peeked = gate.peek(noisy[:40960])
    assert peeked.original is not None and len(peeked.audio) == len(peeked.original) > 0
    final = gate.take(noisy)
    assert np.array_equal(final.audio[: len(peeked.audio)], peeked.audio)


def test_silence_has_no_estimate_and_is_not_denoised(denoiser: Denoiser) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    silence = np.zeros(32000, dtype=np.float32)
    taken = gate.take(silence)
    assert taken.snr is None and taken.original is None
    gate.reset()
    gate.reset()  # twice is fine


def test_audio_sent_faster_than_real_time_is_only_measured(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    for end in range(1024, len(noisy) + 1, 1024):
        gate.advance(noisy[:end], live=False)
    assert gate.held_samples == 0  # nothing denoised ahead
    assert np.array_equal(gate.take(noisy).audio, denoiser.process(noisy).audio)
