"""The composition of the stages in pipeline.py, with a test-local recognizer that records what
it is given (recognition itself is tested with the real model elsewhere)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.convert import AudioFormat, to_float_mono_16k
from wyoming_local_asr.audio.denoise import Denoiser
from wyoming_local_asr.audio.vad import Endpointer
from wyoming_local_asr.evaluation.noise import add_noise
from wyoming_local_asr.pipeline import Pipeline
from wyoming_local_asr.recognizer import ModelInfo, Transcription

GOFORWARD = Path("/usr/share/pocketsphinx/test/data/goforward.raw")
RATE = 16000
MONO_16K = AudioFormat(RATE, 2, 1)
# goforward.raw: "go forward ten meters" from 0.50 s to 2.38 s.
WORDS_START, WORDS_END = 0.50, 2.38


class RecordingRecognizer:
    """Answers with the length of the audio it got and keeps that audio."""

    def __init__(self) -> None:
        self.calls: list[NDArray[np.float32]] = []
        self._lock = threading.Lock()

    @property
    def info(self) -> ModelInfo:
        return ModelInfo("recording", "0", "test double", ["en"], "tests", "", "MIT")

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        with self._lock:
            self.calls.append(audio.copy())
        return Transcription(
            text=f"{len(audio)} samples",
            phonemes="t ɛ s t",
            timings={"model": 0.25, "decode": 0.125},
        )


def pcm16(samples: NDArray[np.float32]) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).round().astype("<i2").tobytes()


@pytest.fixture(scope="module")
def utterance() -> NDArray[np.float32]:
    """goforward with 1 s of silence before and after, as a client would stream it."""
    speech = np.fromfile(GOFORWARD, dtype="<i2").astype(np.float32) / 32768
    silence = np.zeros(RATE, dtype=np.float32)
    return np.concatenate([silence, speech, silence])


@pytest.fixture(scope="module")
def denoiser() -> Denoiser:
    return Denoiser()


def test_all_stages_run_in_order(utterance: NDArray[np.float32], denoiser: Denoiser) -> None:
    recognizer = RecordingRecognizer()
    pipeline = Pipeline(recognizer, denoiser, Endpointer(padding_ms=200))
    # The client sends 48 kHz stereo; the pipeline converts it first.
    stereo_48k = np.repeat(np.repeat(utterance, 3), 2)
    result = pipeline.run(pcm16(stereo_48k), AudioFormat(48000, 2, 2))

    assert list(result.timings) == ["convert", "denoise", "vad", "model", "decode"]
    assert all(seconds >= 0 for seconds in result.timings.values())
    assert result.processing_seconds == pytest.approx(sum(result.timings.values()))
    assert result.real_time_factor == pytest.approx(
        result.processing_seconds / len(utterance) * RATE
    )
    assert result.audio_seconds == pytest.approx(len(utterance) / RATE)
    assert result.phonemes == "t ɛ s t"

    assert result.speech is not None
    assert result.speech.start == pytest.approx(1 + WORDS_START - 0.2, abs=0.1)
    assert result.speech.end == pytest.approx(1 + WORDS_END + 0.2, abs=0.15)
    [heard] = recognizer.calls
    assert len(heard) == pytest.approx(result.speech.duration * RATE, abs=1)
    assert result.text == f"{len(heard)} samples"


def test_vad_cuts_exactly_the_segment(utterance: NDArray[np.float32]) -> None:
    recognizer = RecordingRecognizer()
    result = Pipeline(recognizer, endpointer=Endpointer()).run(pcm16(utterance), MONO_16K)
    assert list(result.timings) == ["convert", "vad", "model", "decode"]
    assert result.speech is not None
    converted = to_float_mono_16k(pcm16(utterance), MONO_16K)
    first = int(result.speech.start * RATE)
    [heard] = recognizer.calls
    assert np.array_equal(heard, converted[first : first + len(heard)])
    assert first / RATE < 1 + WORDS_START < (first + len(heard)) / RATE
    assert (first + len(heard)) / RATE > 1 + WORDS_END


def test_with_every_stage_off_the_recognizer_gets_the_converted_audio(
    utterance: NDArray[np.float32],
) -> None:
    recognizer = RecordingRecognizer()
    result = Pipeline(recognizer).run(pcm16(utterance), MONO_16K)
    assert list(result.timings) == ["convert", "model", "decode"]
    assert result.speech is None
    [heard] = recognizer.calls
    assert np.array_equal(heard, to_float_mono_16k(pcm16(utterance), MONO_16K))
    assert result.text == f"{len(utterance)} samples"


def test_denoise_on_changes_what_the_recognizer_hears(
    utterance: NDArray[np.float32], denoiser: Denoiser
) -> None:
    noisy = pcm16(add_noise(utterance, snr_db=10, seed=4, kind="white"))
    plain, cleaned = RecordingRecognizer(), RecordingRecognizer()
    Pipeline(plain).run(noisy, MONO_16K)
    result = Pipeline(cleaned, denoiser).run(noisy, MONO_16K)
    assert list(result.timings) == ["convert", "denoise", "model", "decode"]
    [before], [after] = plain.calls, cleaned.calls
    assert len(after) == len(before)
    quiet = slice(0, RATE)  # the leading second of silence, now full of noise

    def level_db(x: NDArray[np.float32]) -> float:
        return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2)))

    # The default strength leaves half of the noise amplitude: about 6 dB less.
    assert level_db(after[quiet]) < level_db(before[quiet]) - 4


def test_no_speech_gives_an_empty_result_without_recognizing(denoiser: Denoiser) -> None:
    recognizer = RecordingRecognizer()
    rng = np.random.default_rng(0)
    hiss = rng.standard_normal(2 * RATE).astype(np.float32) * 10 ** (-60 / 20)
    result = Pipeline(recognizer, denoiser, Endpointer()).run(pcm16(hiss), MONO_16K)
    assert result.text == ""
    assert result.speech is None
    assert result.phonemes == ""
    assert list(result.timings) == ["convert", "denoise", "vad"]
    assert result.audio_seconds == pytest.approx(2.0)
    assert recognizer.calls == []


def test_empty_audio(denoiser: Denoiser) -> None:
    recognizer = RecordingRecognizer()
    result = Pipeline(recognizer, denoiser, Endpointer()).run(b"", MONO_16K)
    assert result.text == ""
    assert result.audio_seconds == 0.0
    assert result.real_time_factor == 0.0
    assert recognizer.calls == []


def test_one_pipeline_serves_several_threads(
    utterance: NDArray[np.float32], denoiser: Denoiser
) -> None:
    recognizer = RecordingRecognizer()
    pipeline = Pipeline(recognizer, denoiser, Endpointer())
    clips = [pcm16(add_noise(utterance, 15, seed=i)) for i in range(3)]
    expected = [pipeline.run(clip, MONO_16K).speech for clip in clips]
    results: dict[int, object] = {}

    def work(index: int) -> None:
        results[index] = pipeline.run(clips[index], MONO_16K).speech

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clips))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(clips))] == expected
    assert len(recognizer.calls) == 2 * len(clips)


@pytest.mark.parametrize("audio_format", [MONO_16K, AudioFormat(44100, 2, 2)])
def test_an_utterance_fed_in_pieces_gives_the_same_result_as_at_once(
    utterance: NDArray[np.float32], denoiser: Denoiser, audio_format: AudioFormat
) -> None:
    noisy = add_noise(utterance, snr_db=10, seed=2, kind="white")
    if audio_format.rate == RATE:
        pcm = pcm16(noisy)
    else:  # 44.1 kHz stereo, as some clients send it
        fine = np.interp(np.arange(0, len(noisy), RATE / 44100), np.arange(len(noisy)), noisy)
        pcm = pcm16(np.repeat(fine, 2).astype(np.float32))
    whole_recognizer, piece_recognizer = RecordingRecognizer(), RecordingRecognizer()
    whole = Pipeline(whole_recognizer, denoiser, Endpointer()).run(pcm, audio_format)
    stream = Pipeline(piece_recognizer, denoiser, Endpointer()).stream(audio_format)
    for start in range(0, len(pcm), 2051):  # odd sizes split sample frames too
        stream.feed(pcm[start : start + 2051])
    streamed = stream.finish()
    assert streamed.text == whole.text and streamed.speech == whole.speech
    assert np.array_equal(piece_recognizer.calls[0], whole_recognizer.calls[0])
    assert set(streamed.timings) == {"convert", "denoise", "vad", "model", "decode"}


def test_a_partial_result_covers_the_audio_fed_so_far(
    utterance: NDArray[np.float32], denoiser: Denoiser
) -> None:
    recognizer = RecordingRecognizer()
    stream = Pipeline(recognizer, denoiser, None).stream(MONO_16K)
    pcm = pcm16(utterance)
    stream.feed(pcm[: 2 * RATE * 2])  # the first two seconds
    cuts, early = stream.partial()
    assert cuts == 0
    # Everything fed except what RNNoise and the resamplers still hold back (under 0.1 s).
    assert 2 * RATE - 0.1 * RATE < len(recognizer.calls[0]) <= 2 * RATE
    assert early.text == f"{len(recognizer.calls[0])} samples"
    stream.feed(pcm[2 * RATE * 2 :])
    final = stream.finish()
    assert final.text == f"{len(utterance)} samples"
    # The partial saw exactly the beginning of what the final run saw.
    assert np.array_equal(recognizer.calls[1][: len(recognizer.calls[0])], recognizer.calls[0])


class ScoringRecognizer(RecordingRecognizer):
    """Scores audio by its loudness: `prefer_loud` decides whether the noisier (original) or
    the quieter (denoised) version of the same audio wins."""

    def __init__(self, prefer_loud: bool) -> None:
        super().__init__()
        self.sign = 1.0 if prefer_loud else -1.0

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        heard = super().transcribe(audio)
        loudness = float(np.mean(audio.astype(np.float64) ** 2))
        return Transcription(heard.text, heard.phonemes, heard.timings, self.sign * loudness)


@pytest.mark.parametrize("prefer_loud", [True, False])
def test_with_a_denoiser_the_better_scored_of_denoised_and_original_wins(
    utterance: NDArray[np.float32], denoiser: Denoiser, prefer_loud: bool
) -> None:
    noisy = pcm16(add_noise(utterance, snr_db=10, seed=4, kind="white"))
    recognizer = ScoringRecognizer(prefer_loud)
    result = Pipeline(recognizer, denoiser, Endpointer()).run(noisy, MONO_16K)
    denoised, original = recognizer.calls
    assert result.speech is not None
    # Both versions of the same segment: the original is the converted input, cut alike.
    first = int(result.speech.start * RATE)
    converted = to_float_mono_16k(noisy, MONO_16K)
    assert np.array_equal(original, converted[first : first + len(original)])
    assert len(denoised) == len(original) and not np.array_equal(denoised, original)
    # The noisy original is louder: it wins when loudness scores higher.
    assert result.original_kept is prefer_loud
    # Both passes are counted in the recognizer's stages.
    assert result.timings["model"] == pytest.approx(0.5)
    assert result.timings["decode"] == pytest.approx(0.25)


def test_the_original_is_not_compared_when_switched_off_or_without_scores(
    utterance: NDArray[np.float32], denoiser: Denoiser
) -> None:
    noisy = pcm16(add_noise(utterance, snr_db=10, seed=4, kind="white"))
    scoring = ScoringRecognizer(prefer_loud=True)
    result = Pipeline(scoring, denoiser, compare_original=False).run(noisy, MONO_16K)
    assert len(scoring.calls) == 1 and not result.original_kept
    unscored = RecordingRecognizer()  # no score: nothing to compare
    result = Pipeline(unscored, denoiser).run(noisy, MONO_16K)
    assert len(unscored.calls) == 1 and not result.original_kept
    undenoised = ScoringRecognizer(prefer_loud=True)  # no denoiser: one version only
    Pipeline(undenoised).run(noisy, MONO_16K)
    assert len(undenoised.calls) == 1
    # Partial results stay one pass over the denoised audio.
    partial_recognizer = ScoringRecognizer(prefer_loud=True)
    stream = Pipeline(partial_recognizer, denoiser).stream(MONO_16K)
    stream.feed(noisy)
    assert not stream.partial()[1].original_kept
    assert len(partial_recognizer.calls) == 1
    stream.close()


@pytest.mark.parametrize("noisy", [False, True])
def test_the_gate_denoises_only_noisy_audio(
    utterance: NDArray[np.float32], denoiser: Denoiser, noisy: bool
) -> None:
    audio = add_noise(utterance, snr_db=5, seed=9, kind="white") if noisy else utterance
    pcm = pcm16(audio)
    results = []
    for pieces in (1, 37):
        recognizer = ScoringRecognizer(prefer_loud=True)
        pipeline = Pipeline(recognizer, denoiser, Endpointer(), denoise_below_snr=20.0)
        stream = pipeline.stream(MONO_16K)
        step = -(-len(pcm) // pieces) // 2 * 2
        for start in range(0, len(pcm), step):
            stream.feed(pcm[start : start + step])
        results.append(stream.finish())
        converted = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
        # Clean: one pass on the original; noisy: the denoised audio, then the original.
        assert len(recognizer.calls) == (2 if noisy else 1)
        speech = results[-1].speech
        assert speech is not None
        span = slice(int(speech.start * RATE), int(np.ceil(speech.end * RATE)))
        assert np.array_equal(recognizer.calls[-1], converted[span])
        if noisy:
            denoised = denoiser.process(converted).audio
            assert np.array_equal(recognizer.calls[0], denoised[span])
        assert "denoise" in results[-1].timings
    assert results[0].text == results[1].text
