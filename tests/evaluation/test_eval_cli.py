"""`eval`, `corpus` and `transcribe` end to end, with real recognition."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from wyoming_local_asr.cli import main


def _eval_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["eval", *args, "--json", "--quiet"]) == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def _clips(document: dict[str, object]) -> dict[str, dict[str, object]]:
    clips = document["clips"]
    assert isinstance(clips, list)
    return {clip["name"]: clip for clip in clips}


def test_eval_json_with_the_pocketsphinx_baseline(
    tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _eval_json(capsys, str(tiny_corpus), "--recognizer", "pocketsphinx")
    summary = document["summary"]
    assert isinstance(summary, dict)
    assert summary["clips"] == 4
    assert summary["words"]["reference_length"] == 4 + 5 + 3 + 8
    assert 0.0 <= summary["wer"] < 0.6
    assert 0.0 < summary["rtf"] < 5.0
    assert summary["latency_median_s"] <= summary["latency_p95_s"]
    assert {"convert", "denoise", "vad", "decode"} <= set(summary["stage_rtf"])
    clips = _clips(document)
    goforward = clips["goforward"]
    assert goforward["reference"] == "go forward ten meters"
    assert goforward["wer"] <= 0.25, goforward["hypothesis"]
    assert document["settings"]["denoise"] is True


def test_eval_table_and_noise_options(
    tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(tiny_corpus), "--recognizer", "pocketsphinx", "--no-denoise", "--noise-snr", "10"]
    assert main(["eval", *args, "--quiet", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "ref: go forward ten meters" in out
    assert "WER:" in out and "latency:" in out and "sentence accuracy:" in out
    document = _eval_json(capsys, *args, "--limit", "1")
    assert document["settings"]["noise_snr_db"] == 10.0
    assert document["settings"]["noise_seed"] == 0
    assert document["settings"]["denoise"] is False


def test_eval_rejects_a_directory_without_pairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tmp_path), "--recognizer", "pocketsphinx"]) == 2
    assert "no NAME.wav + NAME.txt pairs" in capsys.readouterr().err


def test_corpus_build_real(testdata_dir: Path, tmp_path: Path) -> None:
    assert main(["corpus", "build", "real", str(tmp_path / "real")]) == 0
    assert (tmp_path / "real" / "goforward.txt").read_text() == "go forward ten meters\n"


def test_corpus_build_commands_and_noisy(tmp_path: Path) -> None:
    if shutil.which("flite") is None:
        pytest.skip("flite is not installed")
    commands, noisy = tmp_path / "commands", tmp_path / "noisy"
    args = ["--voices", "flite_slt", "--per-intent", "1"]
    assert main(["corpus", "build", "commands", str(commands), *args]) == 0
    assert len(list(commands.glob("flite_slt_*.wav"))) == 27
    assert main(["corpus", "build", "noisy", str(noisy), "--source", str(commands)]) == 0
    assert len(list(noisy.glob("*.txt"))) == 27
    assert (noisy / "flite_slt_000.wav").read_bytes() != (
        commands / "flite_slt_000.wav"
    ).read_bytes()
    assert main(["corpus", "build", "commands", str(tmp_path / "x"), "--voices", "nobody"]) == 1


def test_transcribe_raw_file_with_pocketsphinx(
    testdata_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = testdata_dir / "goforward.raw"
    assert main(["transcribe", str(raw), "--recognizer", "pocketsphinx"]) == 0
    assert capsys.readouterr().out.strip() == "go forward ten meters"
