"""The benchmark as a PNG: RTF per pipeline stage and peak memory, per configuration.

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
    labels = [result["label"] for result in results]
    figure, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
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

    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
