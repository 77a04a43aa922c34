"""The server benchmark: the real `serve` process fed over Wyoming, at full speed and in real
time, with its memory read from /proc."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wyoming_local_asr.evaluation import server_bench
from wyoming_local_asr.evaluation.bench import server_ratios, to_markdown
from wyoming_local_asr.evaluation.bench_plot import plot
from wyoming_local_asr.evaluation.corpus import load_corpus
from wyoming_local_asr.evaluation.server_bench import ServerConfig, run_server_config

pytestmark = pytest.mark.slow


def test_the_server_is_measured_over_wyoming(
    tiny_corpus: Path, default_model_dir: Path, tmp_path: Path
) -> None:
    clips = load_corpus(tiny_corpus)
    result = run_server_config(ServerConfig("server, denoise on", True), default_model_dir, clips)
    assert result["label"] == "server, denoise on"
    for pace in ("full_speed", "real_time"):
        figures = result[pace]
        assert figures["wer"] < 0.2  # the same four real clips the evaluation tests use
        assert 0 < figures["latency_median_s"] <= figures["latency_p95_s"] < 10
    # The server process: numpy, onnxruntime and the model are resident at least.
    assert result["peak_rss_mb"] >= result["rss_mb"] > 50
    assert result["private_rss_mb"] + result["file_rss_mb"] == pytest.approx(
        result["rss_mb"], abs=2
    )

    off = {**result, "label": "server, no denoise", "peak_rss_mb": result["peak_rss_mb"] / 2}
    ratios = server_ratios([result, off])
    assert ratios["server_denoise_on_over_off_peak_rss"] == 2.0
    report = {"corpus": "c", "threads": 1, "cpu_count": 2, "machine": "x", "results": []}
    markdown = to_markdown({**report, "servers": [result, off], "ratios": ratios})
    assert "| server, denoise on |" in markdown
    assert "server peak memory, denoise on / off | 2.00 |" in markdown
    pytest.importorskip("matplotlib")
    png = plot({**report, "results": [], "servers": [result, off]}, tmp_path / "bench.png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_server_that_hangs_silently_meets_the_start_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = tmp_path / "python"
    silent.write_text("#!/bin/sh\nexec sleep 60\n")
    silent.chmod(0o755)
    monkeypatch.setattr(server_bench.sys, "executable", str(silent))
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="did not start"):
        server_bench.ServerProcess(tmp_path, denoise=False, start_timeout=0.5)
    assert time.monotonic() - started < 30


def test_a_server_that_exits_is_reported_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="did not start"):
        server_bench.ServerProcess(tmp_path / "no-such-model", denoise=False)
    assert time.monotonic() - started < 60
