"""Long dictation through the pipeline: segments at pauses, bounded memory, the same commands."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import webrtcvad
from numpy.typing import NDArray

from wyoming_local_asr.audio.convert import AudioFormat
from wyoming_local_asr.audio.denoise import Denoiser
from wyoming_local_asr.audio.vad import Endpointer
from wyoming_local_asr.evaluation.noise import add_noise
from wyoming_local_asr.pipeline import Pipeline, PipelineResult
from wyoming_local_asr.recognizer import ModelInfo, Transcription

RATE = 16000
MONO_16K = AudioFormat(RATE, 2, 1)
CHUNK_BYTES = 1024 * 2


class LengthRecognizer:
    """Says how many samples it heard (and keeps every call's audio)."""

    def __init__(self) -> None:
        self.calls: list[NDArray[np.float32]] = []
        self._lock = threading.Lock()

    @property
    def info(self) -> ModelInfo:
        return ModelInfo("length", "0", "test double", ["en"], "tests", "", "MIT")

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        with self._lock:
            self.calls.append(audio.copy())
        return Transcription(text=f"n{len(audio)}", timings={"model": 0.0}, score=0.0)


def pcm16(samples: NDArray[np.float32]) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).round().astype("<i2").tobytes()


def reading(librivox: list[NDArray[np.float32]], seconds: float) -> NDArray[np.float32]:
    """The LibriVox readings with 0.7 s pauses, round after round, `seconds` long at least."""
    pause = np.zeros(int(0.7 * RATE), dtype=np.float32)
    pieces: list[NDArray[np.float32]] = []
    while sum(len(p) for p in pieces) < seconds * RATE:
        for clip in librivox:
            pieces += [clip, pause]
    return np.concatenate(pieces)


def test_minutes_of_speech_are_recognized_in_segments_in_bounded_memory(
    librivox: list[NDArray[np.float32]],
) -> None:
    audio = reading(librivox, 120.0)
    recognizer = LengthRecognizer()
    stream = Pipeline(recognizer, Denoiser(), Endpointer()).stream(MONO_16K)
    pcm = pcm16(audio)
    texts: list[str] = []
    peak = 0
    for offset in range(0, len(pcm), CHUNK_BYTES):
        stream.feed(pcm[offset : offset + CHUNK_BYTES])
        peak = max(peak, stream.held_samples)
        while (segment := stream.take_segment()) is not None:
            assert len(segment.audio) <= 30 * RATE
            assert segment.original is not None and len(segment.original) == len(segment.audio)
            texts.append(stream.recognize_segment(segment).text)
    result = stream.finish()
    # Two copies (denoised and original) of at most one segment in the making and the piece
    # that completes it: far below the two minutes.
    assert peak <= 2 * 31 * RATE
    assert len(texts) >= 6
    # The last segment: its denoised audio (calls[-2]) wins over the original (equal scores).
    last = f"n{len(recognizer.calls[-2])}"
    assert result.text == " ".join(text for text in [*texts, last] if text)
    assert abs(result.audio_seconds - len(audio) / RATE) < 0.05


def test_a_command_is_one_segment_and_heard_as_before(
    goforward: NDArray[np.float32],
) -> None:
    silence = np.zeros(RATE, dtype=np.float32)
    pcm = pcm16(np.concatenate([silence, goforward, silence]))
    whole = LengthRecognizer()
    expected = Pipeline(whole, Denoiser(), Endpointer()).run(pcm, MONO_16K)
    streamed = LengthRecognizer()
    stream = Pipeline(streamed, Denoiser(), Endpointer()).stream(MONO_16K)
    for offset in range(0, len(pcm), CHUNK_BYTES):
        stream.feed(pcm[offset : offset + CHUNK_BYTES])
        assert stream.take_segment() is None
    result = stream.finish()
    assert stream.segments_cut == 0
    assert result.text == expected.text
    assert result.speech == expected.speech
    # The recognizer heard the same audio (denoised, then the original), sample for sample.
    assert len(streamed.calls) == len(whole.calls) == 2
    for heard, before in zip(streamed.calls, whole.calls, strict=True):
        np.testing.assert_array_equal(heard, before)


def test_ten_seconds_of_speech_with_pauses_stay_one_segment(
    librivox: list[NDArray[np.float32]],
) -> None:
    audio = np.concatenate([librivox[0], np.zeros(int(0.7 * RATE), dtype=np.float32)])
    pcm = pcm16(np.concatenate([audio] * int(9.9 * RATE // len(audio)))[: int(9.9 * RATE)])
    assert len(pcm) / 2 / RATE < 10.0
    stream = Pipeline(LengthRecognizer(), None, Endpointer()).stream(MONO_16K)
    for offset in range(0, len(pcm), CHUNK_BYTES):
        stream.feed(pcm[offset : offset + CHUNK_BYTES])
    stream.finish()
    assert stream.segments_cut == 0


@dataclass
class Endpointed:
    result: PipelineResult
    calls: list[NDArray[np.float32]]
    calls_before_finish: int
    speculated: int
    reused: bool


def endpointed(
    pipeline: Pipeline, recognizer: LengthRecognizer, pcm: bytes, ahead: bool
) -> Endpointed:
    """Feed `pcm` as a live client would, with endpointing; `ahead`: speculate whenever due."""
    stream = pipeline.stream(MONO_16K, end_silence=0.7)
    speculated = 0
    for offset in range(0, len(pcm), CHUNK_BYTES):
        stream.feed(pcm[offset : offset + CHUNK_BYTES])
        if ahead and stream.speculation_due():
            stream.speculate()
            speculated += 1
    assert stream.ended
    before = len(recognizer.calls)
    result = stream.finish()
    return Endpointed(result, recognizer.calls, before, speculated, stream.recognized_ahead)


def _plain_and_early(
    make: Callable[[LengthRecognizer], Pipeline], pcm: bytes
) -> tuple[Endpointed, Endpointed]:
    runs = []
    for ahead in (False, True):
        recognizer = LengthRecognizer()
        runs.append(endpointed(make(recognizer), recognizer, pcm, ahead))
    return runs[0], runs[1]


def test_an_endpointed_command_recognized_ahead_is_the_same(
    goforward: NDArray[np.float32],
) -> None:
    """Recognized at the pause (before the end is certain), the command is heard from exactly
    the samples the end would have given; the result is reused."""
    silence = np.zeros(2 * RATE, dtype=np.float32)
    pcm = pcm16(np.concatenate([silence[:RATE], goforward, silence]))
    plain, early = _plain_and_early(lambda r: Pipeline(r, Denoiser(), Endpointer()), pcm)
    assert early.speculated == 1
    assert early.result.text == plain.result.text and early.result.speech == plain.result.speech
    # Recognized once, ahead (denoised and original), and not again at the end.
    assert early.calls_before_finish == len(early.calls) == len(plain.calls) == 2
    for heard, final in zip(early.calls, plain.calls, strict=True):
        np.testing.assert_array_equal(heard, final)


@pytest.mark.parametrize("noise_db", [None, 10.0])
def test_an_endpointed_command_recognized_ahead_is_the_same_with_the_gate(
    goforward: NDArray[np.float32], noise_db: float | None
) -> None:
    """With the denoise gate: clean, the original is recognized once, ahead; noisy, what was
    denoised ahead is exactly the start of the final denoised audio, so the result is reused."""
    silence = np.zeros(2 * RATE, dtype=np.float32)
    audio = np.concatenate([silence[:RATE], goforward, silence])
    if noise_db is not None:
        audio = add_noise(audio, snr_db=noise_db, seed=6, kind="pink")
    plain, early = _plain_and_early(
        lambda r: Pipeline(r, Denoiser(), Endpointer(), denoise_below_snr=18.5), pcm16(audio)
    )
    assert early.speculated >= 1 and early.reused
    assert early.result.text == plain.result.text and early.result.speech == plain.result.speech
    passes = 1 if noise_db is None else 2
    assert early.calls_before_finish == len(early.calls) == len(plain.calls) == passes
    for heard, final in zip(early.calls, plain.calls, strict=True):
        np.testing.assert_array_equal(heard, final)


@pytest.mark.parametrize("noise_kind", [None, "white"])
def test_the_gate_costs_one_vad_pass_and_only_new_audio_per_piece(
    librivox: list[NDArray[np.float32]], monkeypatch: pytest.MonkeyPatch, noise_kind: str | None
) -> None:
    # 7.8 s of reading with pauses: one segment, fed in 122 pieces of 1024 samples.
    audio = np.concatenate([librivox[0], np.zeros(int(0.7 * RATE), dtype=np.float32)])
    audio = np.concatenate([audio] * int(9.9 * RATE // len(audio)))[: int(9.9 * RATE)]
    if noise_kind is not None:
        audio = add_noise(audio, snr_db=10, seed=5, kind=noise_kind)
    pcm = pcm16(audio)
    labelled = 0
    is_speech = webrtcvad.Vad.is_speech

    def counted(vad: webrtcvad.Vad, *args: object, **kwargs: object) -> bool:
        nonlocal labelled
        labelled += 1
        return bool(is_speech(vad, *args, **kwargs))  # type: ignore[arg-type]

    copied: list[int] = []
    concatenate = np.concatenate

    def counted_copy(*args: object, **kwargs: object) -> NDArray[np.float32]:
        result: NDArray[np.float32] = concatenate(*args, **kwargs)  # type: ignore[call-overload]
        copied.append(int(result.size))
        return result

    monkeypatch.setattr(webrtcvad.Vad, "is_speech", counted)
    monkeypatch.setattr(np, "concatenate", counted_copy)
    recognizer = LengthRecognizer()
    pipeline = Pipeline(recognizer, Denoiser(), Endpointer(), denoise_below_snr=18.5)
    stream = pipeline.stream(MONO_16K)
    per_piece: list[int] = []
    for offset in range(0, len(pcm), CHUNK_BYTES):
        copied.clear()
        stream.feed(pcm[offset : offset + CHUNK_BYTES])
        per_piece.append(sum(copied))
    assert stream.segments_cut == 0
    # The endpointing tracker labels each 30 ms frame once and the SNR meter reuses the labels.
    assert labelled == len(audio) // 480
    # Audio sent faster than real time is only measured: each piece costs a few copies of about
    # its own length and a frame (the tracker's, the gate's window's and the meter's), not of
    # the whole segment so far (124800 samples by the end).
    assert max(per_piece) <= 5 * 1024
    monkeypatch.undo()
    stream.finish()
    # Clean: heard once, as it came; noisy: denoised and compared with the original.
    assert len(recognizer.calls) == (1 if noise_kind is None else 2)
