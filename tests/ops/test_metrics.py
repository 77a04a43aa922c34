"""Rolling figures and totals of `ops.metrics.Metrics`."""

from __future__ import annotations

import threading

import pytest

from wyoming_local_asr.ops.metrics import STAGES, Metrics, percentile, rolling


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_before_any_utterance_everything_is_zero() -> None:
    snapshot = Metrics().snapshot()
    assert snapshot.utterances_total == 0
    assert snapshot.errors_total == 0
    assert snapshot.rtf.mean == 0.0
    assert snapshot.latency_ms.p95 == 0.0
    assert snapshot.stage_seconds_mean == dict.fromkeys(STAGES, 0.0)
    assert snapshot.latency_histogram.count == 0


def test_rolling_figures_and_totals() -> None:
    clock = FakeClock()
    metrics = Metrics(window=10, clock=clock)
    # 2 s of audio each; processing 0.2, 0.4, 0.6 s -> RTF 0.1, 0.2, 0.3
    for index, processing in enumerate((0.2, 0.4, 0.6)):
        stages = {"convert": 0.0, "vad": 0.05, "model": processing - 0.1, "decode": 0.05}
        metrics.record(2.0, stages, latency_seconds=0.1 * (index + 1), ok=True)
    clock.now += 42.5
    snapshot = metrics.snapshot()

    assert snapshot.utterances_total == 3
    assert snapshot.errors_total == 0
    assert snapshot.audio_seconds_total == pytest.approx(6.0)
    assert snapshot.rtf.last == pytest.approx(0.3)
    assert snapshot.rtf.mean == pytest.approx(0.2)
    assert snapshot.rtf.p50 == pytest.approx(0.2)
    assert snapshot.rtf.p95 == pytest.approx(0.29)  # 0.2 + 0.9 * (0.3 - 0.2)
    assert snapshot.latency_ms.last == pytest.approx(300.0)
    assert snapshot.latency_ms.mean == pytest.approx(200.0)
    assert snapshot.stage_seconds_mean["model"] == pytest.approx(0.3)
    assert snapshot.stage_seconds_mean["vad"] == pytest.approx(0.05)
    assert snapshot.stage_seconds_mean["denoise"] == 0.0  # never ran, still reported
    assert snapshot.stage_seconds_total["model"] == pytest.approx(0.9)
    assert snapshot.uptime_s == pytest.approx(42.5)


def test_errors_count_but_do_not_move_the_rolling_figures() -> None:
    metrics = Metrics()
    metrics.record(1.0, {"model": 0.1}, 0.2, ok=True)
    metrics.record(3.0, {}, 5.0, ok=False)
    snapshot = metrics.snapshot()
    assert snapshot.utterances_total == 2
    assert snapshot.errors_total == 1
    assert snapshot.audio_seconds_total == pytest.approx(4.0)
    assert snapshot.rtf.last == pytest.approx(0.1)
    assert snapshot.latency_ms.last == pytest.approx(200.0)
    assert snapshot.latency_histogram.count == 1


def test_window_keeps_only_the_last_n_but_totals_keep_all() -> None:
    metrics = Metrics(window=3)
    for latency in (10.0, 10.0, 0.1, 0.2, 0.3):
        metrics.record(1.0, {"model": latency / 10}, latency, ok=True)
    snapshot = metrics.snapshot()
    assert snapshot.utterances_total == 5
    assert snapshot.latency_ms.mean == pytest.approx(200.0)
    assert snapshot.latency_ms.p50 == pytest.approx(200.0)
    assert snapshot.latency_histogram.count == 5
    assert snapshot.stage_seconds_total["model"] == pytest.approx(2.06)


def test_histograms_are_cumulative_and_end_at_the_count() -> None:
    metrics = Metrics()
    for latency in (0.01, 0.07, 0.3, 20.0):
        metrics.record(1.0, {"model": latency}, latency, ok=True)
    histogram = metrics.snapshot().latency_histogram
    counts = dict(zip(histogram.bounds, histogram.cumulative_counts, strict=True))
    assert counts[0.05] == 1
    assert counts[0.1] == 2
    assert counts[0.5] == 3
    assert counts[10.0] == 3
    assert counts[float("inf")] == 4
    assert histogram.count == 4
    assert histogram.total == pytest.approx(20.38)


def test_zero_length_audio_gives_rtf_zero_not_a_crash() -> None:
    metrics = Metrics()
    metrics.record(0.0, {"convert": 0.001}, 0.01, ok=True)
    assert metrics.snapshot().rtf.last == 0.0


def test_records_from_many_threads_are_all_counted() -> None:
    metrics = Metrics(window=50)

    def work() -> None:
        for _ in range(500):
            metrics.record(1.0, {"model": 0.1}, 0.1, ok=True)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = metrics.snapshot()
    assert snapshot.utterances_total == 2000
    assert snapshot.latency_histogram.count == 2000
    assert snapshot.audio_seconds_total == pytest.approx(2000.0)


def test_percentile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == pytest.approx(8.8)
    assert percentile([5.0], 95) == 5.0
    assert rolling([]).mean == 0.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_window_must_hold_something() -> None:
    with pytest.raises(ValueError):
        Metrics(window=0)
