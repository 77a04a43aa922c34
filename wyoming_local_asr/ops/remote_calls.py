"""The remote recognizer as a front end sees it (`serve --recognizer ray`): whether the
cluster is reachable, and each remote call's latency and outcome, for `/api/health` and
`/metrics`. Thread-safe: the pipeline's worker threads record, the API reads."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .metrics import LATENCY_BUCKETS_S, HistogramSnapshot, _Histogram

# A call's outcome: answered, failed on the remote side (bad input, a bug), gave up after the
# timeout, or refused at once because the cluster is unreachable.
OUTCOMES = ("ok", "error", "timeout", "unreachable")


@dataclass(frozen=True)
class RemoteCallsSnapshot:
    kind: str
    address: str
    application: str
    reachable: bool
    # Why it is unreachable (one line); "" while reachable.
    error: str
    # Seconds per answered call, front end to replica and back (retries included).
    latency: HistogramSnapshot
    calls: dict[str, int]
    # Calls sent again because a replica died under them.
    retries: int


class RemoteCalls:
    def __init__(self, kind: str, address: str, application: str) -> None:
        self.kind = kind
        self.address = address
        self.application = application
        self._lock = threading.Lock()
        self._reachable = False
        self._error = "not connected yet"
        self._latency = _Histogram(LATENCY_BUCKETS_S)
        self._calls = dict.fromkeys(OUTCOMES, 0)
        self._retries = 0

    @property
    def reachable(self) -> bool:
        return self._reachable

    def set_reachable(self, reachable: bool, error: str = "") -> None:
        with self._lock:
            self._reachable, self._error = reachable, "" if reachable else error

    def record(self, outcome: str, seconds: float | None = None) -> None:
        with self._lock:
            self._calls[outcome] += 1
            if seconds is not None:
                self._latency.observe(seconds)

    def retried(self) -> None:
        with self._lock:
            self._retries += 1

    def snapshot(self) -> RemoteCallsSnapshot:
        with self._lock:
            return RemoteCallsSnapshot(
                self.kind,
                self.address,
                self.application,
                self._reachable,
                self._error,
                self._latency.snapshot(),
                dict(self._calls),
                self._retries,
            )

    def health(self) -> dict[str, object]:
        """The `recognizer` part of `/api/health`."""
        figures = self.snapshot()
        latency = figures.latency
        return {
            "kind": figures.kind,
            "address": figures.address,
            "application": figures.application,
            "reachable": figures.reachable,
            "error": figures.error,
            "calls": figures.calls,
            "retries": figures.retries,
            "mean_latency_ms": round(1000 * latency.total / latency.count, 1)
            if latency.count
            else 0.0,
        }
