"""The benchmark as a PNG: RTF per pipeline stage and peak memory, per configuration, and the
server's latency after `audio-stop` with audio sent at full speed and in real time.

matplotlib is an optional extra (`pip install wyoming-local-asr[bench]`); it is imported here
only, never at server start. Without it, no plot is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STAGES = ("convert", "denoise", "vad", "model", "decode")


def plot(report: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None

    results = report["results"]
    servers = report.get("servers", [])
    labels = [result["label"] for result in results]
    figure, axes = plt.subplots(1, 3 if servers else 2, figsize=(16.5 if servers else 11, 4.2))
    speed, memory = axes[0], axes[1]
    bottoms = [0.0] * len(results)
    for stage in STAGES:
        values = [float(r["summary"]["stage_rtf"].get(stage, 0.0)) for r in results]
        if not any(values):
            continue
        speed.barh(labels, values, left=bottoms, label=stage)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    # pocketsphinx reports its whole recognition as "decode"; the rest is the pipeline's.
    speed.set_xlabel("seconds per second of audio (RTF)")
    speed.set_title("Where the time goes")
    if bottoms and any(bottoms):
        speed.legend(loc="lower right", fontsize=8)
    speed.invert_yaxis()

    peaks = [float(r["peak_rss_mb"]) for r in results]
    memory.barh(labels, peaks, color="tab:gray")
    for index, value in enumerate(peaks):
        memory.text(value, index, f" {value:.0f} MB", va="center", fontsize=8)
    memory.set_xlabel("peak resident memory (MB)")
    memory.set_title("Memory")
    memory.invert_yaxis()
    memory.set_xlim(0, max(peaks) * 1.25 if peaks else 1)

    if servers:
        _plot_latency(axes[2], servers)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _plot_latency(axis: Any, servers: list[dict[str, Any]]) -> None:
    """Median latency (bar) and p95 (whisker) after audio-stop, per server and pace."""
    labels: list[str] = []
    medians: list[float] = []
    whiskers: list[float] = []
    for server in servers:
        for pace, name in (("full_speed", "full speed"), ("real_time", "real time")):
            figures = server[pace]
            labels.append(f"{server['label'].removeprefix('server, ')}, {name}")
            medians.append(1000 * float(figures["latency_median_s"]))
            whiskers.append(1000 * float(figures["latency_p95_s"]) - medians[-1])
    colors = ["tab:orange" if "full speed" in label else "tab:green" for label in labels]
    axis.barh(labels, medians, xerr=[[0] * len(whiskers), whiskers], color=colors, capsize=3)
    for index, value in enumerate(medians):
        axis.text(value, index, f" {value:.0f} ms", va="bottom", fontsize=8)
    axis.set_xlabel("ms from audio-stop to transcript (median, whisker: p95)")
    axis.set_title("Server latency over Wyoming")
    axis.invert_yaxis()
