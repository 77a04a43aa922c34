"""`bench`: each configuration measured in its own process, ratios, JSON/Markdown/PNG report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wyoming_local_asr.cli import main
from wyoming_local_asr.config import Settings
from wyoming_local_asr.evaluation.bench import configurations, ratios, to_markdown
from wyoming_local_asr.evaluation.bench_worker import spec_from_json, spec_to_json
from wyoming_local_asr.evaluation.systems import SystemSpec


def test_spec_survives_the_trip_to_the_worker() -> None:
    settings = Settings(model="/m", precision="fp32", beam=16, denoise=False)
    spec = SystemSpec("local", settings)
    assert spec_from_json(spec_to_json(spec)) == spec
    assert spec_from_json(spec_to_json(SystemSpec("pocketsphinx"))) == SystemSpec("pocketsphinx")


def test_configurations_compare_precision_denoise_and_baseline() -> None:
    labels = [c.label for c in configurations(Path("/m"))]
    assert labels == [
        "int8",
        "fp32",
        "int8, denoise always",
        "int8, no denoise",
        "int8, beam 16",
        "pocketsphinx",
    ]
    assert [c.label for c in configurations(None)] == ["pocketsphinx"]


def _result(
    label: str, rtf: float, stages: dict[str, float], rss: float, wer: float
) -> dict[str, Any]:
    return {
        "label": label,
        "peak_rss_mb": rss,
        "load_seconds": 0.5,
        "summary": {
            "wer": wer,
            "rtf": rtf,
            "stage_rtf": stages,
            "latency_median_s": 0.1,
            "latency_p95_s": 0.2,
        },
    }


def test_ratios_are_computed_between_configurations() -> None:
    results = [
        _result("int8", 0.02, {"denoise": 0.01, "model": 0.006, "decode": 0.003}, 100, 0.1),
        _result("fp32", 0.03, {"denoise": 0.01, "model": 0.012, "decode": 0.003}, 150, 0.1),
        _result("int8, no denoise", 0.01, {"model": 0.006, "decode": 0.003}, 90, 0.12),
        _result(
            "int8, beam 16", 0.015, {"denoise": 0.01, "model": 0.006, "decode": 0.001}, 99, 0.2
        ),
        _result("pocketsphinx", 0.3, {"denoise": 0.01, "decode": 0.28}, 160, 0.3),
    ]
    out = ratios(results)
    assert out["fp32_over_int8_model_time"] == 2.0
    assert out["decode_over_model_time"] == 0.5
    assert out["denoise_on_over_off_rtf"] == 2.0
    assert out["pocketsphinx_over_ours_rtf"] == 15.0
    assert out["pocketsphinx_over_ours_wer"] == 3.0
    assert out["fp32_over_int8_peak_rss"] == 1.5
    assert out["default_over_narrow_beam_decode_time"] == 3.0
    report = {"corpus": "c", "threads": 1, "cpu_count": 2, "machine": "x", "results": results}
    markdown = to_markdown({**report, "ratios": out})
    assert "| fp32 | 10.0% | 0.0300 | 0.0120 |" in markdown
    assert "| RTF, pocketsphinx / ours (int8) | 15.00 |" in markdown


def test_bench_baseline_only_end_to_end(tiny_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    assert main(["bench", "--baseline-only", "--corpus", str(tiny_corpus), "--out", str(out)]) == 0
    report = json.loads((out / "bench.json").read_text())
    (result,) = report["results"]
    assert result["label"] == "pocketsphinx"
    assert result["summary"]["clips"] == 4
    # A Python process with numpy and pocketsphinx's model loaded holds tens of MB at least.
    assert result["peak_rss_mb"] > 30
    assert result["peak_rss_mb"] >= result["rss_after_load_mb"] >= result["rss_before_load_mb"]
    assert result["load_seconds"] > 0
    assert "| pocketsphinx |" in (out / "bench.md").read_text()
    pytest.importorskip("matplotlib")
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
