"""Local micro-batching on and off, side by side: throughput (utterances per second) and p95
latency of the server for several numbers of concurrent clients.

Four servers run at once on loopback (one onnxruntime thread each, no denoising so the
recognizer's share shows): fp32 with batching off and on (`--max-batch`, `--batch-window-ms`),
and int8 (the default precision) with `--max-batch` 1 and N: an int8 graph never batches, so
that pair shows what the worker threads batching adds (one per utterance of a batch) do
alone. For each level of concurrency the four are measured in turn (`peer_bench.throughput`:
each client sends clips at full speed as soon as its last one was answered), `runs` times, and
the best run of each is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import DEFAULT_BATCH_WINDOW_MS
from ..progress import Progress
from .corpus import Clip
from .peer_bench import throughput
from .server_bench import ServerProcess

# The batch size measured when the settings leave batching off.
DEFAULT_MAX_BATCH = 8


def run_batching_bench(
    clips: Sequence[Clip],
    model_dir: Path,
    levels: Sequence[int],
    *,
    window_ms: float = DEFAULT_BATCH_WINDOW_MS,
    max_batch: int = DEFAULT_MAX_BATCH,
    runs: int = 3,
) -> dict[str, Any]:
    batching = ("--batch-window-ms", f"{window_ms:g}", "--max-batch", str(max_batch))
    systems = {
        "int8": ("--precision", "int8"),
        f"int8, {max_batch} workers (never batches)": ("--precision", "int8", *batching),
        "fp32, batching off": ("--precision", "fp32"),
        f"fp32, batching {window_ms:g} ms x {max_batch}": ("--precision", "fp32", *batching),
    }
    servers = {
        label: ServerProcess(model_dir, False, 1, extra=extra) for label, extra in systems.items()
    }
    results: dict[str, list[dict[str, float]]] = {label: [] for label in systems}
    try:
        with Progress("batching bench", total=len(levels) * runs * len(systems)) as bar:
            for clients in levels:
                best: dict[str, dict[str, float]] = {}
                for _ in range(runs):
                    for label, server in servers.items():
                        row = asyncio.run(throughput(server.port, list(clips), clients))
                        kept = best.get(label)
                        if (
                            kept is None
                            or row["utterances_per_second"] > kept["utterances_per_second"]
                        ):
                            best[label] = row
                        bar.advance(note=f"{clients} clients, {label}")
                for label, row in best.items():
                    results[label].append(row)
    finally:
        for server in servers.values():
            server.stop()
    return {
        "clips": len(clips),
        "window_ms": window_ms,
        "max_batch": max_batch,
        "runs": runs,
        "results": results,
    }
