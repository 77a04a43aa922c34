"""RNNoise on 16 kHz utterances: noise goes down, speech stays, timing is kept."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.denoise import FRAME_SECONDS, Denoised, Denoiser
from wyoming_local_asr.evaluation.noise import add_noise

RATE = 16000
# goforward.raw: background until 0.5 s, "go forward ten meters" from 0.5 s to 2.4 s.
SPEECH = slice(int(0.5 * RATE), int(2.4 * RATE))
QUIET = np.r_[0 : int(0.45 * RATE), int(2.5 * RATE) : int(2.78 * RATE)]


@pytest.fixture(scope="module")
def denoiser() -> Denoiser:
    """RNNoise alone, to see what it does; the default mixes in the original (tested below)."""
    return Denoiser(strength=1.0)


def power_db(x: NDArray[np.floating]) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def log_spectral_distance(reference: NDArray[np.float32], test: NDArray[np.float32]) -> float:
    """Mean absolute difference of log power spectra (25 ms frames), in dB: what a recognizer's
    log-mel front end sees, and blind to phase."""

    def spectra(x: NDArray[np.float32]) -> NDArray[np.float64]:
        count = (len(x) - 400) // 160
        frames = np.stack([x[i * 160 : i * 160 + 400] for i in range(count)]) * np.hanning(400)
        return np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-6

    return float(np.mean(np.abs(10 * np.log10(spectra(reference) / spectra(test)))))


@pytest.mark.parametrize("kind", ["white", "pink"])
def test_noise_is_removed_and_speech_kept(
    denoiser: Denoiser, goforward: NDArray[np.float32], kind: str
) -> None:
    noisy = add_noise(goforward, snr_db=10, seed=3, kind=kind)  # type: ignore[arg-type]
    cleaned = denoiser.denoise(noisy)
    # Where nobody speaks, the noise drops by more than 20 dB.
    assert power_db(cleaned[QUIET]) < power_db(noisy[QUIET]) - 20
    # The speech keeps its level (within 2 dB of the clean recording).
    assert abs(power_db(cleaned[SPEECH]) - power_db(goforward[SPEECH])) < 2
    # Measured against the clean clip, the spectra get much closer.
    before = log_spectral_distance(goforward, noisy)
    after = log_spectral_distance(goforward, cleaned)
    assert after < before - 8


def test_the_error_against_the_clean_clip_shrinks_at_0db(
    denoiser: Denoiser, librivox: list[NDArray[np.float32]]
) -> None:
    clean = librivox[1]
    noisy = add_noise(clean, snr_db=0, seed=5, kind="white")
    cleaned = denoiser.denoise(noisy)

    def snr(x: NDArray[np.float32]) -> float:
        return power_db(clean) - power_db(x - clean)

    assert snr(noisy) == pytest.approx(0.0, abs=0.01)
    assert snr(cleaned) > 4.0


def test_babble_in_the_quiet_parts_is_reduced(
    denoiser: Denoiser, goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]]
) -> None:
    noisy = add_noise(goforward, snr_db=10, seed=1, kind="babble", speech=librivox[2:])
    cleaned = denoiser.denoise(noisy)
    assert power_db(cleaned[QUIET]) < power_db(noisy[QUIET]) - 6
    assert abs(power_db(cleaned[SPEECH]) - power_db(goforward[SPEECH])) < 3


def test_clean_speech_passes_with_its_timing(
    denoiser: Denoiser, goforward: NDArray[np.float32]
) -> None:
    cleaned = denoiser.denoise(goforward)
    assert cleaned.dtype == np.float32
    assert len(cleaned) == len(goforward)
    assert abs(power_db(cleaned[SPEECH]) - power_db(goforward[SPEECH])) < 1.5

    def correlation(lag: int) -> float:
        a = goforward[max(0, -lag) : len(goforward) - max(0, lag)]
        b = cleaned[max(0, lag) : len(cleaned) - max(0, -lag)]
        return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))

    assert max(range(-10, 11), key=correlation) == 0
    assert correlation(0) > 0.85


def test_speech_probability_per_10ms_frame(
    denoiser: Denoiser, goforward: NDArray[np.float32]
) -> None:
    result = denoiser.process(goforward)
    assert FRAME_SECONDS == 0.01
    assert len(result.speech_probability) == -(-len(goforward) // 160)
    assert np.mean(result.speech_probability[60:220]) > 0.8
    assert np.mean(result.speech_probability[:45]) < 0.1


def test_empty_and_tiny_inputs(denoiser: Denoiser) -> None:
    assert len(denoiser.denoise(np.zeros(0, dtype=np.float32))) == 0
    assert len(denoiser.denoise(np.full(7, 0.1, dtype=np.float32))) == 7


def test_one_denoiser_serves_threads_in_parallel(
    denoiser: Denoiser, librivox: list[NDArray[np.float32]]
) -> None:
    clips = [add_noise(clip, 5, seed=i) for i, clip in enumerate(librivox[:4])]
    expected = [denoiser.denoise(clip) for clip in clips]
    results: dict[int, NDArray[np.float32]] = {}

    def work(index: int) -> None:
        results[index] = denoiser.denoise(clips[index])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clips))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, output in enumerate(expected):
        assert np.array_equal(results[index], output)


def test_the_default_strength_mixes_half_of_the_original_back(
    denoiser: Denoiser, goforward: NDArray[np.float32]
) -> None:
    noisy = add_noise(goforward, snr_db=10, seed=3, kind="white")
    full = denoiser.denoise(noisy)
    mixed = Denoiser().denoise(noisy)
    assert Denoiser().strength == 0.5
    assert np.allclose(mixed, 0.5 * full + 0.5 * noisy, atol=1e-6)
    # Half the noise amplitude remains where nobody speaks: about 6 dB less.
    assert power_db(mixed[QUIET]) == pytest.approx(power_db(noisy[QUIET]) - 6, abs=0.5)
    mostly = Denoiser(strength=0.8).process(noisy)
    assert np.allclose(mostly.audio, 0.8 * full + 0.2 * noisy, atol=1e-6)
    assert np.array_equal(mostly.denoised, full)


@pytest.mark.parametrize("strength", [0.0, -0.5, 1.5])
def test_a_strength_outside_0_to_1_is_refused(strength: float) -> None:
    with pytest.raises(ValueError, match=r"denoise strength must be in \(0, 1\]"):
        Denoiser(strength)


@pytest.mark.parametrize("piece", [1, 333, 1024, 16000])
def test_a_stream_fed_in_pieces_gives_exactly_the_whole_result(
    goforward: NDArray[np.float32], piece: int
) -> None:
    noisy = add_noise(goforward, snr_db=10, seed=5, kind="pink")
    whole = Denoiser().process(noisy)
    stream = Denoiser().stream()
    inputs = [noisy[i : i + piece] for i in range(0, len(noisy) - 500, piece)]
    fed = sum(len(x) for x in inputs)
    pieces = [stream.feed(x) for x in inputs]
    last = noisy[fed:]
    streamed = Denoised.join([*pieces, stream.finish(last)])
    assert np.array_equal(streamed.audio, whole.audio)
    assert np.array_equal(streamed.denoised, whole.denoised)
    assert np.array_equal(streamed.speech_probability, whole.speech_probability)
    # RNNoise (20 ms) and soxr's two resamplers (about 35 ms each, its block processing) hold
    # back well under a tenth of a second while audio arrives.
    returned = sum(len(p.audio) for p in pieces)
    assert fed - returned < 0.1 * RATE


def test_a_finished_stream_has_freed_its_state(goforward: NDArray[np.float32]) -> None:
    stream = Denoiser().stream()
    stream.feed(goforward[:1600])
    stream.finish()
    with pytest.raises(ValueError, match="closed"):
        stream.feed(goforward[1600:3200])
