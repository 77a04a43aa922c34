"""`GET /metrics`: the Prometheus text exposition format (version 0.0.4), written by hand."""

from __future__ import annotations

import math
from collections.abc import Mapping

from .. import __version__
from ..recognizer import ModelInfo
from .auth_limit import LimiterCounts
from .metrics import HistogramSnapshot, MetricsSnapshot
from .remote_calls import RemoteCallsSnapshot
from .system import SystemStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "wyoming_local_asr"
_MB = 1024 * 1024
# The Wyoming server's connection counts (`server.limits.ConnectionStats` fields): the name
# of each counter and its help text.
CONNECTION_COUNTERS = {
    "accepted": ("connections_accepted_total", "Wyoming connections accepted."),
    "refused_over_limit": (
        "connections_refused_total",
        "Wyoming connections refused (too-many-connections): over the total or per-address limit.",
    ),
    "evicted": (
        "connections_evicted_total",
        "Silent or idle Wyoming connections closed to make room for a new one at the limit.",
    ),
    "timed_out": (
        "connections_timed_out_total",
        "Wyoming connections closed by the idle or frame timeout.",
    ),
    "left_after_stop": (
        "clients_left_after_stop_total",
        "Clients that reset or closed after audio-stop, before their transcript.",
    ),
    "over_budget": (
        "utterances_over_budget_total",
        "Utterances refused because the audio memory budget was spent (memory-budget).",
    ),
    "stopped": (
        "utterances_stopped_total",
        "Utterances refused at shutdown (server-stopping).",
    ),
}


def render(
    model: ModelInfo | None,
    metrics: MetricsSnapshot,
    system: SystemStatus,
    *,
    auth: LimiterCounts | None = None,
    remote: RemoteCallsSnapshot | None = None,
) -> str:
    writer = _Writer()
    writer.family("info", "gauge", "Server and model version (always 1).")
    writer.sample(
        "info",
        1,
        {
            "version": __version__,
            "model": "" if model is None else model.name,
            "model_version": "" if model is None else model.version,
        },
    )
    writer.single("uptime_seconds", "gauge", "Seconds since the server started.", metrics.uptime_s)
    writer.single(
        "requests_total", "counter", "Utterances received (ok and failed).",
        metrics.utterances_total,
    )  # fmt: skip
    writer.single(
        "errors_total", "counter", "Utterances answered with an error.", metrics.errors_total
    )
    writer.single(
        "audio_seconds_total", "counter", "Seconds of audio received.",
        metrics.audio_seconds_total,
    )  # fmt: skip
    writer.family(
        "stage_seconds_total", "counter", "Processing seconds per pipeline stage (ok utterances)."
    )
    for stage, seconds in sorted(metrics.stage_seconds_total.items()):
        writer.sample("stage_seconds_total", seconds, {"stage": stage})
    writer.histogram(
        "latency_seconds",
        "Seconds from audio-stop to transcript (ok utterances).",
        metrics.latency_histogram,
    )
    writer.histogram(
        "real_time_factor",
        "Processing seconds per second of audio (ok utterances).",
        metrics.rtf_histogram,
    )
    writer.optional(
        "cpu_temperature_celsius", "CPU temperature from the thermal zones.",
        system.cpu_temperature_c,
    )  # fmt: skip
    writer.optional(
        "memory_rss_bytes", "Resident memory of the server process.",
        _bytes(system.memory_rss_mb),
    )  # fmt: skip
    writer.optional(
        "memory_peak_bytes", "Peak resident memory of the server process.",
        _bytes(system.memory_peak_mb),
    )  # fmt: skip
    writer.optional("load1", "Load average over one minute.", system.load_1m)
    gpu = system.gpu
    if gpu is not None:
        labels = {"gpu": gpu.name}
        writer.optional("gpu_temperature_celsius", "GPU temperature.", gpu.temperature_c, labels)
        writer.optional(
            "gpu_memory_used_bytes", "GPU memory in use.", _bytes(gpu.memory_used_mb), labels
        )
        writer.optional(
            "gpu_memory_total_bytes", "GPU memory in total.", _bytes(gpu.memory_total_mb), labels
        )
    if auth is not None:
        _auth_families(writer, auth)
    for key, (name, help_text) in CONNECTION_COUNTERS.items():
        if key in metrics.connections:
            writer.single(name, "counter", help_text, metrics.connections[key])
    if remote is not None:
        _remote_families(writer, remote)
    return writer.text()


def _remote_families(writer: _Writer, remote: RemoteCallsSnapshot) -> None:
    labels = {"kind": remote.kind, "application": remote.application}
    writer.family("remote_up", "gauge", "Whether the remote recognizer's cluster is reachable.")
    writer.sample("remote_up", int(remote.reachable), labels)
    writer.family(
        "remote_calls_total", "counter",
        "Remote recognitions by outcome (ok, error, timeout, unreachable).",
    )  # fmt: skip
    for outcome, count in remote.calls.items():
        writer.sample("remote_calls_total", count, {**labels, "outcome": outcome})
    writer.single(
        "remote_retries_total", "counter",
        "Remote recognitions sent again because a replica died under them.", remote.retries,
    )  # fmt: skip
    writer.histogram(
        "remote_latency_seconds",
        "Seconds per answered remote recognition, front end to replica and back.",
        remote.latency,
    )


def _auth_families(writer: _Writer, auth: LimiterCounts) -> None:
    writer.single(
        "auth_failures_total", "counter", "Wrong tokens presented (both ports).",
        auth.failures_total,
    )  # fmt: skip
    writer.single(
        "auth_refused_total", "counter",
        "Authentication attempts refused unverified: too many failures from the address.",
        auth.refused_total,
    )  # fmt: skip
    writer.single(
        "auth_blocked_addresses", "gauge", "Client addresses whose attempts are refused now.",
        auth.blocked_addresses,
    )  # fmt: skip


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {PREFIX}_{name} {_escape_help(help_text)}")
        self.lines.append(f"# TYPE {PREFIX}_{name} {kind}")

    def sample(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        label_text = ""
        if labels:
            pairs = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels.items())
            label_text = "{" + pairs + "}"
        self.lines.append(f"{PREFIX}_{name}{label_text} {_number(value)}")

    def single(self, name: str, kind: str, help_text: str, value: float) -> None:
        self.family(name, kind, help_text)
        self.sample(name, value)

    def optional(
        self,
        name: str,
        help_text: str,
        value: float | None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """A gauge that is left out entirely when the machine cannot measure it."""
        if value is not None:
            self.family(name, "gauge", help_text)
            self.sample(name, value, labels)

    def histogram(self, name: str, help_text: str, histogram: HistogramSnapshot) -> None:
        self.family(name, "histogram", help_text)
        for bound, count in zip(histogram.bounds, histogram.cumulative_counts, strict=True):
            self.sample(f"{name}_bucket", count, {"le": _number(bound)})
        self.sample(f"{name}_sum", histogram.total)
        self.sample(f"{name}_count", histogram.count)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(float(value))
    return repr(float(value))


def _bytes(megabytes: float | None) -> float | None:
    return None if megabytes is None else megabytes * _MB


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")
