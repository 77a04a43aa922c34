"""The health report and its thresholds."""

from __future__ import annotations

import json

from wyoming_local_asr import __version__
from wyoming_local_asr.ops.gpu import GpuStatus
from wyoming_local_asr.ops.health import Thresholds, health_report, warnings
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.system import SystemStatus
from wyoming_local_asr.recognizer import ModelInfo

MODEL = ModelInfo(
    "test-model",
    "1.2",
    "a model",
    ["en"],
    "someone",
    "https://example.org",
    "MIT",
    "CUDAExecutionProvider",
)
COOL = SystemStatus(55.0, None, 250.0, 300.0, 0.5)


def fast_metrics() -> Metrics:
    metrics = Metrics()
    metrics.record(2.0, {"convert": 0.01, "model": 0.19, "decode": 0.1}, 0.35, ok=True)
    metrics.record(1.0, {}, 0.05, ok=False)
    return metrics


def test_report_shape_and_values() -> None:
    report = health_report(MODEL, fast_metrics().snapshot(), COOL, Thresholds())
    assert report["status"] == "ok"
    assert report["warnings"] == []
    assert report["model"] == {
        "name": "test-model",
        "version": "1.2",
        "execution_provider": "CUDAExecutionProvider",
    }
    assert report["version"] == __version__
    utterances = report["utterances"]
    assert utterances["total"] == 2
    assert utterances["errors"] == 1
    assert utterances["rtf"] == {"last": 0.15, "mean": 0.15, "p50": 0.15, "p95": 0.15}
    assert utterances["latency_ms"]["last"] == 350.0
    assert utterances["audio_seconds_total"] == 3.0
    assert set(utterances["stage_seconds"]) == {"convert", "denoise", "vad", "model", "decode"}
    assert utterances["stage_seconds"]["model"] == 0.19
    assert report["system"] == {
        "cpu_temperature_c": 55.0,
        "gpu": None,
        "memory_rss_mb": 250.0,
        "memory_peak_mb": 300.0,
        "load_1m": 0.5,
    }
    json.dumps(report)  # serializable as is


def test_slow_model_warns() -> None:
    metrics = Metrics()
    metrics.record(1.0, {"model": 0.45}, 0.5, ok=True)
    report = health_report(MODEL, metrics.snapshot(), COOL, Thresholds())
    assert report["status"] == "warning"
    assert len(report["warnings"]) == 1
    assert "real-time factor 0.45" in report["warnings"][0]


def test_hot_cpu_warns_and_just_below_does_not() -> None:
    snapshot = fast_metrics().snapshot()
    hot = SystemStatus(85.0, None, None, None, None)
    warm = SystemStatus(84.9, None, None, None, None)
    assert warnings(snapshot, warm, Thresholds()) == []
    assert warnings(snapshot, hot, Thresholds()) == ["CPU temperature 85.0 °C is at or above 85 °C"]


def test_gpu_memory_and_temperature_warn() -> None:
    snapshot = fast_metrics().snapshot()
    gpu = GpuStatus("NVIDIA RTX", 90.0, 7000.0, 8000.0)
    found = warnings(snapshot, SystemStatus(50.0, gpu, None, None, None), Thresholds())
    assert found == [
        "GPU temperature 90.0 °C is at or above 85 °C",
        "GPU memory 88% used is at or above 80%",
    ]
    report = health_report(MODEL, snapshot, SystemStatus(50.0, gpu, None, None, None), Thresholds())
    assert report["system"]["gpu"] == {
        "name": "NVIDIA RTX",
        "temperature_c": 90.0,
        "memory_used_mb": 7000.0,
        "memory_total_mb": 8000.0,
    }


def test_thresholds_are_configurable() -> None:
    snapshot = fast_metrics().snapshot()
    strict = Thresholds(rtf=0.1, gpu_memory_fraction=0.5, temperature_c=50.0)
    assert len(warnings(snapshot, COOL, strict)) == 2


def test_no_utterances_no_rtf_warning() -> None:
    report = health_report(None, Metrics().snapshot(), COOL, Thresholds(rtf=0.0))
    assert report["status"] == "ok"
    assert report["model"] is None
