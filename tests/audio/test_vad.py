"""WebRTC VAD endpointing on real speech: trims silence, ignores bursts, keeps the words."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.denoise import Denoiser
from wyoming_local_asr.audio.vad import Endpointer, SpeechSegment
from wyoming_local_asr.evaluation.noise import add_noise

RATE = 16000
# Where the words of goforward.raw are: the first and last 10 ms frames within 25 dB of its
# loudest frame (see `test_the_reference_boundaries_of_goforward`).
WORDS_START, WORDS_END = 0.50, 2.38


def silence(seconds: float) -> NDArray[np.float32]:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def padded(goforward: NDArray[np.float32]) -> NDArray[np.float32]:
    """goforward with 1 s of digital silence before and after."""
    return np.concatenate([silence(1), goforward, silence(1)])


def test_the_reference_boundaries_of_goforward(goforward: NDArray[np.float32]) -> None:
    frames = goforward[: len(goforward) // 160 * 160].reshape(-1, 160)
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(level > level.max() - 25)[0]
    assert (loud[0] / 100, (loud[-1] + 1) / 100) == (WORDS_START, WORDS_END)


@pytest.mark.parametrize("aggressiveness", [2, 3])
@pytest.mark.parametrize("frame_ms", [10, 20, 30])
def test_without_padding_the_segment_hugs_the_words(
    padded: NDArray[np.float32], aggressiveness: int, frame_ms: int
) -> None:
    endpointer = Endpointer(aggressiveness, padding_ms=0, frame_ms=frame_ms)
    segment = endpointer.find_speech(padded)
    assert segment is not None
    assert segment.start == pytest.approx(1 + WORDS_START, abs=0.1)
    # The most aggressive mode drops the soft end of "meters" (padding brings it back).
    assert segment.end == pytest.approx(1 + WORDS_END, abs=0.2)


@pytest.mark.parametrize("aggressiveness", [0, 1])
@pytest.mark.parametrize("frame_ms", [10, 20, 30])
def test_lenient_modes_keep_the_words_and_little_else(
    padded: NDArray[np.float32], aggressiveness: int, frame_ms: int
) -> None:
    # Modes 0 and 1 may count the recording's own background (about -55 dBFS) as speech,
    # but never the digital silence around it.
    segment = Endpointer(aggressiveness, padding_ms=0, frame_ms=frame_ms).find_speech(padded)
    assert segment is not None
    assert 1.0 <= segment.start <= 1 + WORDS_START + 0.05
    recording_end = len(padded) / RATE - 1
    assert 1 + WORDS_END - 0.05 <= segment.end <= recording_end


@pytest.mark.parametrize("aggressiveness", [2, 3])
def test_the_default_padding_keeps_the_whole_words(
    padded: NDArray[np.float32], aggressiveness: int
) -> None:
    segment = Endpointer(aggressiveness).find_speech(padded)
    assert segment is not None
    assert 1 + WORDS_START - 0.6 <= segment.start <= 1 + WORDS_START - 0.2
    assert 1 + WORDS_END + 0.05 <= segment.end <= 1 + WORDS_END + 0.4
    assert segment.duration == pytest.approx(segment.end - segment.start)


def test_padding_stops_at_the_edges_of_the_audio(goforward: NDArray[np.float32]) -> None:
    words = goforward[int(WORDS_START * RATE) : int(WORDS_END * RATE)]
    segment = Endpointer(padding_ms=300).find_speech(words)
    assert segment == SpeechSegment(0.0, len(words) / RATE)


@pytest.mark.parametrize("aggressiveness", [0, 3])
def test_pure_silence_and_low_noise_have_no_speech(aggressiveness: int) -> None:
    endpointer = Endpointer(aggressiveness)
    assert endpointer.find_speech(silence(3)) is None
    rng = np.random.default_rng(0)
    hiss = (rng.standard_normal(3 * RATE) * 10 ** (-60 / 20)).astype(np.float32)
    assert endpointer.find_speech(hiss) is None
    assert endpointer.find_speech(np.zeros(100, dtype=np.float32)) is None


def test_a_short_noise_burst_is_not_speech(goforward: NDArray[np.float32]) -> None:
    endpointer = Endpointer()
    # A 90 ms slice of speech (a click or a cough's worth) in the middle of 2 s of silence.
    burst = goforward[int(0.55 * RATE) : int(0.64 * RATE)]
    audio = np.concatenate([silence(1), burst, silence(1)])
    assert endpointer.frame_is_speech(audio).count(True) >= 2  # WebRTC VAD alone would fire
    assert endpointer.find_speech(audio) is None


def test_a_burst_before_the_words_does_not_extend_the_segment(
    goforward: NDArray[np.float32],
) -> None:
    burst = goforward[int(0.55 * RATE) : int(0.64 * RATE)]
    audio = np.concatenate([silence(0.5), burst, silence(1), goforward])
    segment = Endpointer(padding_ms=0).find_speech(audio)
    words_at = 0.5 + len(burst) / RATE + 1
    assert segment is not None
    assert segment.start == pytest.approx(words_at + WORDS_START, abs=0.1)


def test_two_phrases_give_one_span_from_first_to_last_word(
    goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]]
) -> None:
    audio = np.concatenate([silence(1), goforward, silence(1.5), goforward, silence(1)])
    segment = Endpointer(padding_ms=0).find_speech(audio)
    assert segment is not None
    second = 1 + len(goforward) / RATE + 1.5
    assert segment.start == pytest.approx(1 + WORDS_START, abs=0.1)
    assert segment.end == pytest.approx(second + WORDS_END, abs=0.15)
    regions = Endpointer().speech_regions(Endpointer().frame_is_speech(audio))
    assert len(regions) == 2


@pytest.mark.parametrize("kind", ["white", "pink"])
def test_rnnoise_output_keeps_the_word_ends_in_0db_noise(
    padded: NDArray[np.float32], kind: str
) -> None:
    # Noise over the whole recording, silence included, as loud as the speech.
    noisy = add_noise(padded, snr_db=0, seed=1, kind=kind)  # type: ignore[arg-type]
    segment = Endpointer().find_speech(Denoiser().process(noisy).denoised)
    assert segment is not None
    assert 1 + WORDS_START - 0.5 <= segment.start <= 1 + WORDS_START
    assert 1 + WORDS_END <= segment.end <= 1 + WORDS_END + 0.4


def test_denoised_noisy_speech_is_found(
    padded: NDArray[np.float32], librivox: list[NDArray[np.float32]]
) -> None:
    noisy = add_noise(padded, snr_db=10, seed=2, kind="white")
    segment = Endpointer(padding_ms=0).find_speech(Denoiser().denoise(noisy))
    assert segment is not None
    assert segment.start == pytest.approx(1 + WORDS_START, abs=0.15)
    assert segment.end == pytest.approx(1 + WORDS_END, abs=0.2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"aggressiveness": 4}, "aggressiveness must be 0, 1, 2 or 3, got 4"),
        ({"aggressiveness": -1}, "got -1"),
        ({"aggressiveness": True}, "got True"),
        ({"aggressiveness": 2.0}, "got 2.0"),
        ({"aggressiveness": "2"}, "got '2'"),
        ({"frame_ms": 25}, "10, 20 or 30 ms, got 25"),
        ({"padding_ms": -5}, "padding must not be negative"),
        ({"window_ms": 10}, "shorter than a frame"),
        ({"start_ratio": 0.0}, "start_ratio"),
        ({"end_ratio": 1.5}, "end_ratio"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Endpointer(**options)  # type: ignore[arg-type]
