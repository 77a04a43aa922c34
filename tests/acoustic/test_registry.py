"""The models manifest, `model list`, and `model card` for a downloaded manifest model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.acoustic.card import ModelCard, load_card
from wyoming_local_asr.acoustic.errors import ModelError
from wyoming_local_asr.acoustic.paths import CARD_JSON
from wyoming_local_asr.acoustic.registry import (
    card_from_manifest,
    installed_models,
    load_manifest,
    resolve_model,
    verify_model,
)
from wyoming_local_asr.cli import main
from wyoming_local_asr.config import DEFAULT_MODEL

REPO_MANIFEST = Path(__file__).parents[2] / "models" / "manifest.json"


def test_packaged_manifest_is_the_repo_manifest() -> None:
    packaged = Path(__file__).parents[2] / "wyoming_local_asr" / "data" / "models_manifest.json"
    assert json.loads(packaged.read_text()) == json.loads(REPO_MANIFEST.read_text())
    assert load_manifest() == load_manifest(REPO_MANIFEST)


def test_manifest_entries() -> None:
    entries = {e.name: e for e in load_manifest()}
    default = entries[DEFAULT_MODEL]
    assert default.how == "build" and default.license == "Apache-2.0"
    downloads = [e for e in entries.values() if e.how == "download"]
    families = " ".join(entries).lower()
    for family in ("nemo", "sense-voice", "zipformer", "wav2vec2"):
        assert family in families
    for entry in downloads:
        assert entry.files and entry.note
        for spec in entry.files.values():
            assert spec["url"].startswith("https://")
            assert spec["sha256"] is None or len(spec["sha256"]) == 64
        if entry.card:  # runnable entries carry a valid card template
            card = ModelCard.from_dict({"name": entry.name, **entry.card})
            assert card.frontend == entry.frontend


def test_card_from_manifest_then_verify(
    tiny_model: Callable[..., tuple[Path, np.ndarray]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A user who downloaded a NeMo export writes its card from the manifest and verifies it."""
    directory, _ = tiny_model("BFT")
    (directory / CARD_JSON).unlink()
    with pytest.raises(ModelError):
        resolve_model("nemo-ctc-en-conformer-small")
    assert main(["model", "card", "nemo-ctc-en-conformer-small", str(directory)]) == 0
    card = load_card(directory / CARD_JSON)
    assert card.feature_layout == "BFT" and card.blank == "<blk>" and card.frame_shift_ms == 40
    assert card.license == "CC-BY-4.0" and set(card.files) == {"model.int8.onnx", "tokens.txt"}
    assert verify_model(directory).ok
    entries = {e.name: e for e in load_manifest()}
    with pytest.raises(ModelError, match="not runnable"):
        card_from_manifest(entries["sense-voice-zh-en-ja-ko-yue-2024-07-17"], directory)
    assert main(["model", "card", "no-such-model", str(directory)]) == 1
    assert "not in the manifest" in capsys.readouterr().err


def test_list_shows_installed_models(
    tmp_path: Path,
    tiny_model: Callable[..., tuple[Path, np.ndarray]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory, _ = tiny_model("BTF")
    shutil.copytree(directory, tmp_path / "data" / "models" / "my-zipformer")
    assert set(installed_models(tmp_path / "data")) == {"my-zipformer"}
    assert resolve_model("my-zipformer", tmp_path / "data").name == "my-zipformer"
    assert main(["model", "--data-dir", str(tmp_path / "data"), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(DEFAULT_MODEL) and "not built" in line for line in lines)
    assert any(line.startswith("my-zipformer") and "installed" in line for line in lines)
    assert any(line.startswith("wav2vec2-base-960h") and "download" in line for line in lines)


@pytest.mark.slow
def test_build_and_verify_commands(
    tmp_path: Path, default_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(default_model_dir, data / "models" / DEFAULT_MODEL)
    assert main(["model", "--data-dir", str(data), "build"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["model", "--data-dir", str(data), "verify"]) == 0
    out = capsys.readouterr().out
    assert "model.int8.onnx: loads and runs" in out and "191 tokens" in out
