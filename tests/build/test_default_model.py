"""Building the default model: files, card, int8 accuracy, atomic and idempotent builds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wyoming_local_asr.acoustic.card import load_card, sha256_of
from wyoming_local_asr.acoustic.default_model import is_current
from wyoming_local_asr.acoustic.paths import (
    CARD_JSON,
    CARD_MARKDOWN,
    FP32_FILE,
    INT8_FILE,
    TOKENS_FILE,
)
from wyoming_local_asr.acoustic.runner import OnnxAcousticModel
from wyoming_local_asr.acoustic.token_file import read_tokens
from wyoming_local_asr.build import default_model as build
from wyoming_local_asr.build import quantize
from wyoming_local_asr.build.hama_format import hama_tokens
from wyoming_local_asr.build.measure import Clip, compare_accuracy
from wyoming_local_asr.config import DEFAULT_MODEL

pytestmark = pytest.mark.slow


def test_model_dir_contents_and_card(default_model_dir: Path) -> None:
    card = load_card(default_model_dir / CARD_JSON)
    assert card.name == DEFAULT_MODEL
    assert card.frontend == "waveform" and card.license == "Apache-2.0"
    assert "hama" in card.source and card.attribution_url
    assert card.parameters == 2_180_975
    assert {FP32_FILE, INT8_FILE, TOKENS_FILE} <= set(card.files)
    for name, entry in card.files.items():
        assert sha256_of(default_model_dir / name) == entry.sha256
        assert (default_model_dir / name).stat().st_size == entry.size
    assert card.files[INT8_FILE].size < card.files[FP32_FILE].size / 2
    assert 0 <= card.accuracy["int8_per_vs_fp32_percent"] <= 2.0
    assert card.speed["rtf_fp32"] > 0 and card.speed["rtf_int8"] > 0
    assert card.speed["int8_speedup"] == pytest.approx(
        card.speed["rtf_fp32"] / card.speed["rtf_int8"], rel=0.02
    )
    markdown = (default_model_dir / CARD_MARKDOWN).read_text(encoding="utf-8")
    assert "Apache-2.0" in markdown and card.files[INT8_FILE].sha256 in markdown
    assert json.loads((default_model_dir / CARD_JSON).read_text())["frontend"] == "waveform"


def test_tokens_file_is_the_hama_inventory(default_model_dir: Path) -> None:
    tokens = read_tokens(default_model_dir / TOKENS_FILE)
    assert tokens == hama_tokens()
    assert len(tokens) == 191 and tokens[189] == "<wb>" and tokens[190] == "<blank>"
    assert tokens[4] == " "  # a space token survives the `<token> <id>` layout


def test_int8_phonemes_stay_within_two_points_of_fp32(
    default_model_dir: Path, real_clips: list[Clip]
) -> None:
    fp32 = OnnxAcousticModel(default_model_dir, quantized=False)
    int8 = OnnxAcousticModel(default_model_dir, quantized=True)
    skip = [fp32.blank_id, fp32.tokens.index("<wb>")]
    per = compare_accuracy(fp32, int8, real_clips, skip)
    assert per <= 2.0
    # ... and the measure is sensitive: time-reversed speech is far off.
    reversed_speech = compare_accuracy(fp32, lambda a: int8(a[::-1].copy()), real_clips, skip)
    assert reversed_speech > 30.0


def test_ensure_builds_once_and_reuses(tmp_path: Path) -> None:
    target = build.ensure_default_model(tmp_path, progress=False)
    assert target == tmp_path / "models" / DEFAULT_MODEL
    assert is_current(target)
    stamp = (target / INT8_FILE).stat().st_mtime_ns
    assert build.ensure_default_model(tmp_path, progress=False) == target
    assert (target / INT8_FILE).stat().st_mtime_ns == stamp
    assert sorted(p.name for p in target.parent.iterdir()) == [DEFAULT_MODEL]


def test_outdated_or_incomplete_dirs_are_not_current(
    default_model_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "m"
    shutil.copytree(default_model_dir, copy)
    assert is_current(copy)
    card = json.loads((copy / CARD_JSON).read_text())
    card["version"] = "hama-0.0+build0"
    (copy / CARD_JSON).write_text(json.dumps(card))
    assert not is_current(copy)
    shutil.copy(default_model_dir / CARD_JSON, copy / CARD_JSON)
    (copy / INT8_FILE).write_bytes(b"half")
    assert not is_current(copy)


def test_a_failed_build_leaves_no_half_model(
    tmp_path: Path, default_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_quantizer(fp32: Path, int8: Path) -> None:
        int8.write_bytes(b"partial")
        raise RuntimeError("simulated crash while quantizing")

    monkeypatch.setattr(quantize, "quantize_int8", broken_quantizer)  # imported by the build
    target = tmp_path / "models" / DEFAULT_MODEL
    with pytest.raises(RuntimeError, match="simulated"):
        build.build_default_model(target, progress=False)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []
    # An existing good model survives a failed rebuild untouched.
    shutil.copytree(default_model_dir, target)
    with pytest.raises(RuntimeError, match="simulated"):
        build.build_default_model(target, progress=False)
    assert is_current(target)
    assert sorted(p.name for p in target.parent.iterdir()) == [DEFAULT_MODEL]
