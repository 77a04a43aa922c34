"""The health report: rolling figures, system figures and the warnings they raise."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .. import __version__
from ..recognizer import ModelInfo
from .metrics import MetricsSnapshot, Rolling
from .system import SystemStatus


@dataclass(frozen=True)
class Thresholds:
    """Limits from the deployment guides; crossing one puts the server in a warning state."""

    # Mean real-time factor over the window (processing seconds per audio second).
    rtf: float = 0.3
    # Fraction of the GPU's memory in use.
    gpu_memory_fraction: float = 0.8
    # CPU or GPU temperature in °C.
    temperature_c: float = 85.0


def warnings(metrics: MetricsSnapshot, system: SystemStatus, thresholds: Thresholds) -> list[str]:
    """Human-readable warnings, one per crossed threshold; [] when all is well."""
    found: list[str] = []
    if metrics.utterances_total > metrics.errors_total and metrics.rtf.mean >= thresholds.rtf:
        found.append(
            f"real-time factor {metrics.rtf.mean:.2f} (mean) is at or above {thresholds.rtf:g}"
        )
    cpu = system.cpu_temperature_c
    if cpu is not None and cpu >= thresholds.temperature_c:
        found.append(f"CPU temperature {cpu:.1f} °C is at or above {thresholds.temperature_c:g} °C")
    gpu = system.gpu
    if gpu is not None:
        if gpu.temperature_c is not None and gpu.temperature_c >= thresholds.temperature_c:
            found.append(
                f"GPU temperature {gpu.temperature_c:.1f} °C is at or above "
                f"{thresholds.temperature_c:g} °C"
            )
        fraction = gpu.memory_fraction
        if fraction is not None and fraction >= thresholds.gpu_memory_fraction:
            found.append(
                f"GPU memory {fraction:.0%} used is at or above "
                f"{thresholds.gpu_memory_fraction:.0%}"
            )
    return found


def health_report(
    model: ModelInfo | None,
    metrics: MetricsSnapshot,
    system: SystemStatus,
    thresholds: Thresholds,
) -> dict[str, Any]:
    """The JSON document served at `GET /api/health`."""
    found = warnings(metrics, system, thresholds)
    return {
        "status": "warning" if found else "ok",
        "model": None
        if model is None
        else {
            "name": model.name,
            "version": model.version,
            "execution_provider": model.execution_provider,
        },
        "version": __version__,
        "uptime_s": round(metrics.uptime_s, 3),
        "utterances": {
            "total": metrics.utterances_total,
            "errors": metrics.errors_total,
            "rtf": _rounded(metrics.rtf, 4),
            "latency_ms": _rounded(metrics.latency_ms, 1),
            "audio_seconds_total": round(metrics.audio_seconds_total, 3),
            "stage_seconds": {
                stage: round(seconds, 6) for stage, seconds in metrics.stage_seconds_mean.items()
            },
        },
        "system": {
            "cpu_temperature_c": system.cpu_temperature_c,
            "gpu": None if system.gpu is None else _gpu(system),
            "memory_rss_mb": _round_or_none(system.memory_rss_mb),
            "memory_peak_mb": _round_or_none(system.memory_peak_mb),
            "load_1m": system.load_1m,
        },
        "warnings": found,
    }


def _gpu(system: SystemStatus) -> dict[str, Any]:
    assert system.gpu is not None
    gpu = asdict(system.gpu)
    gpu["memory_used_mb"] = _round_or_none(system.gpu.memory_used_mb)
    gpu["memory_total_mb"] = _round_or_none(system.gpu.memory_total_mb)
    return gpu


def _rounded(figures: Rolling, digits: int) -> dict[str, float]:
    return {name: round(value, digits) for name, value in asdict(figures).items()}


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
