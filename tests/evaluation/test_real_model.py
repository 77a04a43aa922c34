"""`transcribe` and `eval` with the real default model (built once by the `default_model_dir`
fixture), compared with the pocketsphinx baseline on the same real clips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wyoming_local_asr.cli import main

pytestmark = pytest.mark.slow


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["eval", *args, "--json", "--quiet"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_transcribe_prints_words_and_phonemes(
    default_model_dir: Path, testdata_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = testdata_dir / "goforward.raw"
    assert main(["transcribe", str(raw), "--model", str(default_model_dir), "--phonemes"]) == 0
    words, phonemes = capsys.readouterr().out.strip().splitlines()
    assert words == "go forward ten meters"
    assert phonemes.startswith("  phonemes: ")
    assert "f" in phonemes.split() and "t" in phonemes.split()


def test_eval_on_real_clips_beats_pocketsphinx(
    default_model_dir: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = _eval(capsys, str(tiny_corpus), "--model", str(default_model_dir))
    baseline = _eval(capsys, str(tiny_corpus), "--recognizer", "pocketsphinx")
    our_summary, baseline_summary = ours["summary"], baseline["summary"]
    assert isinstance(our_summary, dict) and isinstance(baseline_summary, dict)
    assert our_summary["clips"] == 4
    assert our_summary["wer"] <= 0.15
    assert our_summary["wer"] <= baseline_summary["wer"]
    assert {"model", "decode"} <= set(our_summary["stage_rtf"])
    assert ours["system"] != baseline["system"]
