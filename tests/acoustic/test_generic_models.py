"""Any sherpa-onnx-layout CTC model dir runs through the same runner and `verify`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.acoustic.errors import ModelError
from wyoming_local_asr.acoustic.frontend import fbank
from wyoming_local_asr.acoustic.paths import CARD_JSON, INT8_FILE, TOKENS_FILE
from wyoming_local_asr.acoustic.registry import verify_model
from wyoming_local_asr.acoustic.runner import OnnxAcousticModel
from wyoming_local_asr.acoustic.token_file import write_tokens
from wyoming_local_asr.build.measure import TESTDATA_DIR, read_pcm16
from wyoming_local_asr.cli import main

TinyModelFactory = Callable[..., tuple[Path, np.ndarray]]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return read_pcm16(TESTDATA_DIR / "goforward.raw")


@pytest.mark.parametrize("layout", ["BTF", "BFT"])
def test_fbank80_models_get_kaldi_features_in_their_layout(
    tiny_model: TinyModelFactory, tiny_tokens: list[str], speech: np.ndarray, layout: str
) -> None:
    directory, weight = tiny_model(layout)
    model = OnnxAcousticModel(directory)
    assert model.tokens == tiny_tokens and model.blank_id == 0
    expected = _log_softmax(fbank(speech) @ weight)
    np.testing.assert_allclose(model(speech), expected, atol=1e-3)


def test_waveform_model_with_normalization_and_logits(
    tiny_model: TinyModelFactory, speech: np.ndarray
) -> None:
    directory, weight = tiny_model("waveform")
    model = OnnxAcousticModel(directory)
    normalized = (speech - speech.mean()) / (speech.std() + 1e-7)
    frames = normalized[: normalized.size // 320 * 320].reshape(-1, 320)
    expected = _log_softmax(frames @ weight[:, 0, :].T)
    np.testing.assert_allclose(model(speech), expected, atol=1e-3)


@pytest.mark.parametrize("layout", ["BTF", "BFT", "waveform"])
def test_verify_passes_on_good_model_dirs(tiny_model: TinyModelFactory, layout: str) -> None:
    directory, _ = tiny_model(layout)
    report = verify_model(directory)
    assert report.ok, report.checks
    assert any("12 classes" in message for _, message in report.checks)


def test_verify_catches_a_corrupted_file(
    tiny_model: TinyModelFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, _ = tiny_model("BTF")
    data = bytearray((directory / INT8_FILE).read_bytes())
    data[-100] ^= 0x55
    (directory / INT8_FILE).write_bytes(bytes(data))
    report = verify_model(directory)
    assert not report.ok
    assert any(not ok and "checksum" in message for ok, message in report.checks)
    assert main(["model", "verify", str(directory)]) == 1
    assert "FAIL" in capsys.readouterr().out
    with pytest.raises(ModelError, match="checksum"):
        OnnxAcousticModel(directory)


def test_tokens_must_match_the_output_width(
    tiny_model: TinyModelFactory, tiny_tokens: list[str]
) -> None:
    directory, _ = tiny_model("BFT", width=len(tiny_tokens) + 3)
    report = verify_model(directory)
    assert not report.ok
    assert any("15 classes" in m and "12 tokens" in m for ok, m in report.checks if not ok)
    with pytest.raises(ModelError, match="15 classes"):
        OnnxAcousticModel(directory, verify_checksum=False)(np.zeros(16000, np.float32))


def test_static_output_width_is_checked_at_load(
    tiny_model: TinyModelFactory, tiny_tokens: list[str]
) -> None:
    directory, _ = tiny_model("waveform")
    write_tokens(directory / TOKENS_FILE, tiny_tokens[:5])
    with pytest.raises(ModelError, match=r"12 classes but tokens\.txt has 5"):
        OnnxAcousticModel(directory, verify_checksum=False)


def test_verify_cli_on_a_good_dir(
    tiny_model: TinyModelFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, _ = tiny_model("BFT")
    assert main(["model", "verify", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and "FAIL" not in out


def test_unknown_fbank_option_is_a_model_error(tiny_model: TinyModelFactory) -> None:
    directory, _ = tiny_model("BTF")
    card = json.loads((directory / CARD_JSON).read_text())
    card["fbank"] = {"num_bins": 80, "warp_factor": 1.1}
    (directory / CARD_JSON).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="fbank options"):
        OnnxAcousticModel(directory)
