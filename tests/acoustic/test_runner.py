"""`OnnxAcousticModel` on the default model: outputs, threads, long audio, errors."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from wyoming_local_asr.acoustic.chunking import ChunkPolicy, plan_chunks
from wyoming_local_asr.acoustic.errors import ModelError
from wyoming_local_asr.acoustic.paths import CARD_JSON, FP32_FILE, INT8_FILE, TOKENS_FILE
from wyoming_local_asr.acoustic.runner import OnnxAcousticModel
from wyoming_local_asr.build.measure import Clip, greedy_ids, phoneme_error_rate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(default_model_dir: Path) -> OnnxAcousticModel:
    return OnnxAcousticModel(default_model_dir, quantized=True, device="cpu", threads=1)


def test_interface(model: OnnxAcousticModel, equivalence_clips: list[Clip]) -> None:
    assert model.model_path.name == INT8_FILE
    assert len(model.tokens) == 191 and model.tokens[-2:] == ["<wb>", "<blank>"]
    assert model.blank_id == 190
    assert model.providers == ["CPUExecutionProvider"]
    logprobs = model(equivalence_clips[0].audio)
    assert logprobs.dtype == np.float32
    assert logprobs.shape == (equivalence_clips[0].audio.size // 320 + 1, 191)
    np.testing.assert_allclose(np.exp(logprobs).sum(axis=1), 1.0, atol=1e-4)


def test_fp32_runner_equals_the_graph(
    default_model_dir: Path, equivalence_clips: list[Clip]
) -> None:
    fp32 = OnnxAcousticModel(default_model_dir, quantized=False)
    assert fp32.model_path.name == FP32_FILE
    audio = equivalence_clips[1].audio
    session = ort.InferenceSession(str(default_model_dir / FP32_FILE))
    direct = session.run(
        None, {"waveform": audio[None], "waveform_lengths": np.array([audio.size])}
    )
    np.testing.assert_allclose(fp32(audio), direct[0][0], atol=1e-5)


def test_tiny_and_empty_audio(model: OnnxAcousticModel) -> None:
    assert model(np.zeros(0, dtype=np.float32)).shape == (0, 191)
    short = model(np.zeros(100, dtype=np.float32))
    assert short.shape[1] == 191 and short.shape[0] >= 1
    assert (short.argmax(axis=1) == model.blank_id).all()


def test_concurrent_calls_give_the_same_answers(
    model: OnnxAcousticModel, real_clips: list[Clip]
) -> None:
    clips = real_clips[:6] * 2
    sequential = [model(c.audio) for c in clips]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda c: model(c.audio), clips))
    for a, b in zip(sequential, parallel, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_long_audio_is_chunked_at_quiet_points(
    model: OnnxAcousticModel, real_clips: list[Clip]
) -> None:
    """47 s of real speech (over the 30 s window): chunked output ~ one whole pass."""
    audio = np.concatenate([c.audio for c in real_clips])
    assert audio.size > 30 * 16000
    assert len(plan_chunks(audio, model.frame_samples, model.chunking)) == 2
    whole = model.forward(audio)
    chunked = model(audio)
    assert chunked.shape == whole.shape
    skip = [model.blank_id, model.tokens.index("<wb>")]
    assert phoneme_error_rate([greedy_ids(whole, skip)], [greedy_ids(chunked, skip)]) < 2.0
    # Much smaller windows still cover every frame once and stay close.
    small = OnnxAcousticModel(model.model_dir, chunking=ChunkPolicy(max_seconds=8.0))
    pieces = small(audio)
    assert pieces.shape == whole.shape
    assert phoneme_error_rate([greedy_ids(whole, skip)], [greedy_ids(pieces, skip)]) < 5.0


def test_explicit_device_that_is_missing_is_an_error(default_model_dir: Path) -> None:
    available = ort.get_available_providers()
    for device, provider in (
        ("cuda", "CUDAExecutionProvider"),
        ("tensorrt", "TensorrtExecutionProvider"),
    ):
        if provider in available:
            continue
        with pytest.raises(ModelError, match=device):
            OnnxAcousticModel(default_model_dir, device=device)
    with pytest.raises(ModelError, match="unknown device"):
        OnnxAcousticModel(default_model_dir, device="gpu")


@pytest.fixture
def model_copy(default_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(default_model_dir, target)
    return target


def _flip_bytes(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    for i in range(offset, offset + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupted_weights_are_caught_by_the_checksum(model_copy: Path) -> None:
    _flip_bytes(model_copy / INT8_FILE, (model_copy / INT8_FILE).stat().st_size // 2)
    with pytest.raises(ModelError, match="checksum"):
        OnnxAcousticModel(model_copy)
    OnnxAcousticModel(model_copy, quantized=False)  # the fp32 file is intact


def test_unparsable_model_is_a_model_error(model_copy: Path) -> None:
    (model_copy / INT8_FILE).write_bytes(b"this is not an onnx file at all" * 10)
    with pytest.raises(ModelError, match="cannot load") as info:
        OnnxAcousticModel(model_copy, verify_checksum=False)
    assert "\n" not in str(info.value)
    (model_copy / INT8_FILE).write_bytes((model_copy / FP32_FILE).read_bytes()[:50_000])
    with pytest.raises(ModelError, match="cannot load"):
        OnnxAcousticModel(model_copy, verify_checksum=False)


def test_missing_pieces_are_model_errors(model_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        OnnxAcousticModel(tmp_path / "nowhere")
    (model_copy / TOKENS_FILE).write_text("a 0\nb 1\n", encoding="utf-8")
    with pytest.raises(ModelError, match="blank token"):
        OnnxAcousticModel(model_copy)
    (model_copy / CARD_JSON).unlink()
    with pytest.raises(ModelError, match="missing"):
        OnnxAcousticModel(model_copy)


def test_int8_falls_back_to_fp32_when_only_fp32_exists(model_copy: Path) -> None:
    (model_copy / INT8_FILE).unlink()
    assert OnnxAcousticModel(model_copy, quantized=True).model_path.name == FP32_FILE
    (model_copy / FP32_FILE).unlink()
    with pytest.raises(ModelError, match="neither"):
        OnnxAcousticModel(model_copy)


def test_a_padded_batch_gives_what_each_utterance_gives_alone(
    default_model_dir: Path, real_clips: list[Clip]
) -> None:
    """fp32: one padded run (lengths 0.5-9 s mixed) within 1e-3 of one by one, same argmax;
    the graph without its masks would differ by several nats (checked in the build tests)."""
    fp32 = OnnxAcousticModel(default_model_dir, quantized=False, device="cpu", threads=1)
    assert fp32.pads_exactly
    audios = [c.audio for c in real_clips[:8]] + [
        np.zeros(0, np.float32),
        real_clips[0].audio[:100],
    ]
    assert len({a.size for a in audios}) == len(audios)
    together = fp32.forward_batch(audios)
    for audio, batched in zip(audios, together, strict=True):
        alone = fp32.forward(audio)
        assert batched.shape == alone.shape
        if alone.size:
            assert float(np.abs(batched - alone).max()) < 1e-3
            assert (batched.argmax(-1) == alone.argmax(-1)).all()


def test_batch_chunks_long_audio_like_one_call(
    model: OnnxAcousticModel, real_clips: list[Clip]
) -> None:
    """int8 graphs run a batch one by one (one quantization range per batch would change
    words), so `batch` equals `__call__` exactly, long audio chunked included."""
    assert not model.pads_exactly
    long = np.concatenate([c.audio for c in real_clips])
    audios = [real_clips[1].audio, long, real_clips[2].audio]
    for batched, audio in zip(model.batch(audios), audios, strict=True):
        np.testing.assert_array_equal(batched, model(audio))
