"""Per-utterance measurements: rolling figures over a window plus totals since start.

The server calls `Metrics.record(...)` once per utterance (from any thread); the health
endpoint and the Prometheus exposition read `Metrics.snapshot()`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# The pipeline's stages in order; other stage names a recognizer reports are kept too.
STAGES = ("convert", "denoise", "vad", "model", "decode")

# Upper bounds of the histogram buckets (the +Inf bucket is implicit).
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RTF_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)

DEFAULT_WINDOW = 100


@dataclass(frozen=True)
class Rolling:
    """Figures over the last N successful utterances (all 0.0 before the first one)."""

    last: float
    mean: float
    p50: float
    p95: float


@dataclass(frozen=True)
class HistogramSnapshot:
    """Cumulative counts per upper bound (the last bound is +Inf), their sum and count."""

    bounds: tuple[float, ...]
    cumulative_counts: tuple[int, ...]
    total: float
    count: int


@dataclass(frozen=True)
class MetricsSnapshot:
    """A consistent copy of everything `Metrics` knows at one moment."""

    utterances_total: int
    errors_total: int
    audio_seconds_total: float
    rtf: Rolling
    latency_ms: Rolling
    # Mean seconds per stage over the window, every name in STAGES present (0.0 if never run).
    stage_seconds_mean: dict[str, float]
    # Seconds per stage since start.
    stage_seconds_total: dict[str, float]
    latency_histogram: HistogramSnapshot
    rtf_histogram: HistogramSnapshot
    uptime_s: float
    # The Wyoming server's connection counts since start (`server.limits.ConnectionStats`:
    # refused_over_limit, timed_out, ...), empty when no server is attached.
    connections: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Sample:
    rtf: float
    latency_s: float
    stages: Mapping[str, float]


class _Histogram:
    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = (*bounds, float("inf"))
        self.counts = [0] * len(self.bounds)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        for index, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[index] += 1
                break
        self.total += value
        self.count += 1

    def snapshot(self) -> HistogramSnapshot:
        cumulative: list[int] = []
        running = 0
        for count in self.counts:
            running += count
            cumulative.append(running)
        return HistogramSnapshot(self.bounds, tuple(cumulative), self.total, self.count)


class Metrics:
    """Thread-safe store of utterance measurements.

    Every utterance counts in `utterances_total`; failed ones also in `errors_total`. The
    rolling figures, histograms and stage times describe successful utterances only, since a
    failed one may not have run every stage.
    """

    def __init__(
        self, window: int = DEFAULT_WINDOW, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._window: deque[_Sample] = deque(maxlen=window)
        self._utterances = 0
        self._errors = 0
        self._audio_seconds = 0.0
        self._stage_totals: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._latency = _Histogram(LATENCY_BUCKETS_S)
        self._rtf = _Histogram(RTF_BUCKETS)
        self._connections: Callable[[], Mapping[str, int]] | None = None

    def count_connections(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Where the snapshot reads the server's connection counts (the app attaches them)."""
        self._connections = counts

    def record(
        self,
        audio_seconds: float,
        stage_seconds: Mapping[str, float],
        latency_seconds: float,
        ok: bool,
    ) -> None:
        """Record one utterance.

        audio_seconds: length of the audio the client sent; stage_seconds: processing time
        per stage (keys from STAGES); latency_seconds: from `audio-stop` to `transcript`
        (or `error`); ok: False when the client got an error instead of a transcript.
        """
        with self._lock:
            self._utterances += 1
            self._audio_seconds += max(audio_seconds, 0.0)
            if not ok:
                self._errors += 1
                return
            processing = sum(stage_seconds.values())
            rtf = processing / audio_seconds if audio_seconds > 0 else 0.0
            self._window.append(_Sample(rtf, latency_seconds, dict(stage_seconds)))
            for stage, seconds in stage_seconds.items():
                self._stage_totals[stage] = self._stage_totals.get(stage, 0.0) + seconds
            self._latency.observe(latency_seconds)
            self._rtf.observe(rtf)

    def snapshot(self) -> MetricsSnapshot:
        with self._lock:
            samples = list(self._window)
            stage_means = dict.fromkeys(STAGES, 0.0)
            for stage in {name for sample in samples for name in sample.stages}:
                total = sum(sample.stages.get(stage, 0.0) for sample in samples)
                stage_means[stage] = total / len(samples)
            return MetricsSnapshot(
                utterances_total=self._utterances,
                errors_total=self._errors,
                audio_seconds_total=self._audio_seconds,
                rtf=rolling([sample.rtf for sample in samples]),
                latency_ms=rolling([sample.latency_s * 1000.0 for sample in samples]),
                stage_seconds_mean=stage_means,
                stage_seconds_total=dict(self._stage_totals),
                latency_histogram=self._latency.snapshot(),
                rtf_histogram=self._rtf.snapshot(),
                uptime_s=self._clock() - self._started,
                connections=dict(self._connections()) if self._connections else {},
            )


def rolling(values: Sequence[float]) -> Rolling:
    """Last, mean and the 50th/95th percentiles (linear interpolation) of `values`."""
    if not values:
        return Rolling(0.0, 0.0, 0.0, 0.0)
    ordered = sorted(values)
    return Rolling(
        last=values[-1],
        mean=sum(values) / len(values),
        p50=percentile(ordered, 50.0),
        p95=percentile(ordered, 95.0),
    )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile of sorted values, interpolating linearly between neighbours."""
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * q / 100.0
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction
