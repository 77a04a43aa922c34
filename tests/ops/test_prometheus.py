"""`/metrics` text, read back with prometheus_client's own parser."""

from __future__ import annotations

import dataclasses

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from wyoming_local_asr.ops.gpu import GpuStatus
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.prometheus import CONNECTION_COUNTERS, render
from wyoming_local_asr.ops.system import SystemStatus
from wyoming_local_asr.recognizer import ModelInfo
from wyoming_local_asr.server.limits import ConnectionStats

MODEL = ModelInfo('odd "model"\\x', "2", "d", ["en"], "a", "u", "MIT")


def parse(text: str) -> tuple[dict[str, str], list[Sample]]:
    families = list(text_string_to_metric_families(text))
    kinds = {family.name: family.type for family in families}
    samples = [sample for family in families for sample in family.samples]
    return kinds, samples


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_counters_histograms_and_gauges() -> None:
    metrics = Metrics()
    metrics.record(2.0, {"convert": 0.01, "model": 0.3, "decode": 0.09}, 0.3, ok=True)
    metrics.record(1.0, {"model": 0.5}, 1.5, ok=True)
    metrics.record(0.5, {}, 0.01, ok=False)
    gpu = GpuStatus("Orin (nvgpu)", 47.5, 1024.0, 4096.0)
    system = SystemStatus(61.25, gpu, 300.0, 400.0, 0.75)

    kinds, samples = parse(render(MODEL, metrics.snapshot(), system))

    p = "wyoming_local_asr_"
    assert kinds[p + "requests"] == "counter"
    assert kinds[p + "errors"] == "counter"
    assert kinds[p + "latency_seconds"] == "histogram"
    assert kinds[p + "real_time_factor"] == "histogram"
    assert kinds[p + "cpu_temperature_celsius"] == "gauge"
    assert kinds[p + "memory_rss_bytes"] == "gauge"

    assert value(samples, p + "requests_total") == 3
    assert value(samples, p + "errors_total") == 1
    assert value(samples, p + "audio_seconds_total") == pytest.approx(3.5)
    assert value(samples, p + "stage_seconds_total", stage="model") == pytest.approx(0.8)
    assert value(samples, p + "latency_seconds_count") == 2
    assert value(samples, p + "latency_seconds_sum") == pytest.approx(1.8)
    assert value(samples, p + "latency_seconds_bucket", le="0.5") == 1
    assert value(samples, p + "latency_seconds_bucket", le="2.5") == 2
    assert value(samples, p + "latency_seconds_bucket", le="+Inf") == 2
    assert value(samples, p + "real_time_factor_bucket", le="0.2") == 1  # 0.4 s / 2 s
    assert value(samples, p + "real_time_factor_bucket", le="0.5") == 2  # 0.5 s / 1 s
    assert value(samples, p + "cpu_temperature_celsius") == pytest.approx(61.25)
    assert value(samples, p + "memory_rss_bytes") == pytest.approx(300 * 1024 * 1024)
    assert value(samples, p + "memory_peak_bytes") == pytest.approx(400 * 1024 * 1024)
    assert value(samples, p + "load1") == pytest.approx(0.75)
    gpu_labels = {"gpu": "Orin (nvgpu)"}
    assert value(samples, p + "gpu_temperature_celsius", **gpu_labels) == pytest.approx(47.5)
    assert value(samples, p + "gpu_memory_used_bytes", **gpu_labels) == 1024 * 1024 * 1024
    info = next(s for s in samples if s.name == p + "info")
    assert info.labels["model"] == 'odd "model"\\x'  # escaped on the wire, exact when parsed


def test_buckets_are_cumulative_and_monotonic() -> None:
    metrics = Metrics()
    for latency in (0.01, 0.2, 0.2, 3.0, 60.0):
        metrics.record(1.0, {"model": latency / 100}, latency, ok=True)
    _, samples = parse(render(None, metrics.snapshot(), SystemStatus(None, None, None, None, None)))
    buckets = [s for s in samples if s.name == "wyoming_local_asr_latency_seconds_bucket"]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts)
    assert buckets[-1].labels["le"] == "+Inf"
    assert counts[-1] == 5


def test_unmeasurable_gauges_are_left_out() -> None:
    text = render(None, Metrics().snapshot(), SystemStatus(None, None, None, None, None))
    kinds, samples = parse(text)
    assert "wyoming_local_asr_cpu_temperature_celsius" not in kinds
    assert "wyoming_local_asr_gpu_temperature_celsius" not in kinds
    assert value(samples, "wyoming_local_asr_requests_total") == 0
    assert value(samples, "wyoming_local_asr_latency_seconds_count") == 0


def test_connection_counts_are_counters() -> None:
    stats = ConnectionStats(
        accepted=12, refused_over_limit=3, timed_out=2, left_after_stop=1, over_budget=4
    )
    stats.evicted += 5
    metrics = Metrics()
    metrics.count_connections(lambda: dataclasses.asdict(stats))
    kinds, samples = parse(
        render(None, metrics.snapshot(), SystemStatus(None, None, None, None, None))
    )
    p = "wyoming_local_asr_"
    expected = {
        "connections_accepted": 12,
        "connections_refused": 3,
        "connections_timed_out": 2,
        "clients_left_after_stop": 1,
        "utterances_over_budget": 4,
        "utterances_stopped": 0,
        "connections_evicted": 5,
    }
    for name, count in expected.items():
        assert kinds[p + name] == "counter", name
        assert value(samples, p + name + "_total") == count, name
    # Every field of ConnectionStats is exposed, and read anew at each snapshot.
    assert set(dataclasses.asdict(stats)) == set(CONNECTION_COUNTERS)
    stats.stopped = 7
    _, samples = parse(render(None, metrics.snapshot(), SystemStatus(None, None, None, None, None)))
    assert value(samples, p + "utterances_stopped_total") == 7


def test_no_connection_counters_without_a_server() -> None:
    text = render(None, Metrics().snapshot(), SystemStatus(None, None, None, None, None))
    assert "connections_accepted" not in text
