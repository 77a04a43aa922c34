"""Our server against the engine people would choose instead, in one run, driven by one client.

Every system is a Wyoming server on loopback, started in its own process one after the other
and fed the same clips by the same client (`server_bench.send_clip`), with the same text
normalization: ours with its defaults and with `--no-denoise` (and with the home's vocabulary
when the corpus comes with one), and faster-whisper `tiny.en` through `wyoming-faster-whisper`,
int8 on the CPU, beam 1 (the Whisper add-on's default on ARM) and beam 5 (on x86), and
pocketsphinx en-us behind a minimal Wyoming server (`pocketsphinx_server.py`). For each:
WER and sentence accuracy, latency from `audio-stop` to `transcript` (median, p95) with audio sent
at full speed and paced like a microphone, start-up time, peak and steady memory, and
throughput (utterances per second, p95 latency) with several clients at once. The headline is
the ratio ours / faster-whisper beam 1 from the same run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..progress import Progress
from .bench import find_result
from .corpus import Clip
from .peers import ensure_faster_whisper
from .run import percentile
from .server_bench import (
    PeerProcess,
    ServerProcess,
    WyomingProcess,
    free_port,
    latency_cell,
    run_clips,
    send_clip,
)

CONCURRENCY = (1, 2, 4, 8, 16)
# Utterances sent at each level of concurrency (at least one per client).
THROUGHPUT_UTTERANCES = 32
BASELINE = "faster-whisper tiny.en, beam 1"
OURS = "ours, defaults"
POCKETSPHINX = "pocketsphinx en-us"


@dataclass(frozen=True)
class System:
    label: str
    start: Callable[[], WyomingProcess]


def systems(
    model_dir: Path, peers_dir: Path, vocabulary: Path | None = None, threads: int = 1
) -> list[System]:
    whisper = ensure_faster_whisper(peers_dir)

    def peer(beam: int) -> WyomingProcess:
        port = free_port()
        return PeerProcess(whisper.command(port, beam), port)

    found = [
        System(OURS, lambda: ServerProcess(model_dir, True, threads)),
        System("ours, --no-denoise", lambda: ServerProcess(model_dir, False, threads)),
    ]
    if vocabulary is not None:
        home = ("--vocabulary-file", str(vocabulary))
        found.append(
            System(
                "ours, with the home", lambda: ServerProcess(model_dir, True, threads, extra=home)
            )
        )

    def pocketsphinx() -> WyomingProcess:
        port = free_port()
        module = "wyoming_local_asr.evaluation.pocketsphinx_server"
        return PeerProcess([sys.executable, "-m", module, "--port", str(port)], port)

    return [*found, System(BASELINE, lambda: peer(1)),
            System("faster-whisper tiny.en, beam 5", lambda: peer(5)),
            System(POCKETSPHINX, pocketsphinx)]  # fmt: skip


async def throughput(port: int, clips: Sequence[Clip], clients: int) -> dict[str, float]:
    """`clients` connections at once, each sending clips at full speed as soon as its last one
    was answered, `THROUGHPUT_UTTERANCES` in all (at least one per client)."""
    total = max(THROUGHPUT_UTTERANCES, clients)
    queue = [clips[i % len(clips)] for i in range(total)]
    latencies: list[float] = []

    async def client() -> None:
        while queue:
            clip = queue.pop()
            latencies.append((await send_clip(port, clip, real_time=False))[1])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "utterances_per_second": round(total / elapsed, 2),
        "latency_p95_s": round(percentile(latencies, 0.95), 4),
    }


async def _measure(port: int, clips: list[Clip], concurrency: Sequence[int]) -> dict[str, Any]:
    result = await run_clips(port, clips)
    result["throughput"] = [await throughput(port, clips, n) for n in concurrency]
    return result


def run_peer_bench(
    clips: list[Clip],
    model_dir: Path,
    peers_dir: Path,
    *,
    vocabulary: Path | None = None,
    concurrency: Sequence[int] = CONCURRENCY,
    threads: int = 1,
    only: Sequence[str] = (),
) -> dict[str, Any]:
    """Measure every system (or those whose labels are in `only`) on `clips`."""
    results = []
    found = [
        system
        for system in systems(model_dir, peers_dir, vocabulary, threads)
        if not only or system.label in only
    ]
    with Progress("bench --peers", total=len(found)) as progress:
        for system in found:
            process = system.start()
            try:
                document = asyncio.run(_measure(process.port, clips, concurrency))
                document.update(process.memory_mb())
                document["startup_s"] = round(process.startup_seconds, 2)
            finally:
                process.stop()
            document["label"] = system.label
            results.append(document)
            progress.advance(note=system.label)
    return {
        "clips": len(clips),
        "cpu_count": os.cpu_count(),
        "machine": os.uname().machine,
        "results": results,
        "ratios": peer_ratios(results),
    }


def peer_ratios(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """faster-whisper beam 1 / ours (defaults): how many times faster or smaller we are."""
    ours, peer = find_result(results, OURS), find_result(results, BASELINE)
    if ours is None or peer is None:
        return {}

    def ratio(theirs: float, mine: float) -> float | None:
        return round(theirs / mine, 2) if mine > 0 else None

    ratios = {
        f"{pace} median latency, faster-whisper / ours": ratio(
            peer[pace]["latency_median_s"], ours[pace]["latency_median_s"]
        )
        for pace in ("full_speed", "real_time")
    }
    mine = {t["clients"]: t["utterances_per_second"] for t in ours["throughput"]}
    theirs = {t["clients"]: t["utterances_per_second"] for t in peer["throughput"]}
    if 8 in mine and 8 in theirs:
        ratios["throughput at 8 clients, ours / faster-whisper"] = ratio(mine[8], theirs[8])
    ratios["peak memory, faster-whisper / ours"] = ratio(
        peer.get("peak_rss_mb", 0.0), ours.get("peak_rss_mb", 0.0)
    )
    return ratios


def to_markdown(report: dict[str, Any], command: str) -> str:
    lines = [
        f"`{command}` ({report['clips']} clips, {report['machine']}, "
        f"{report['cpu_count']} cores, {time.strftime('%Y-%m-%d')})",
        "",
        "| system | WER | sentences | median / p95 latency, full speed | "
        "median / p95 latency, paced | start-up | peak / private memory |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["results"]:
        full, paced = r["full_speed"], r["real_time"]
        lines.append(
            f"| {r['label']} | {full['wer']:.1%} | {full['sentence_accuracy']:.1%} | "
            f"{latency_cell(full)} | {latency_cell(paced)} | "
            f"{r['startup_s']:.1f} s | {r.get('peak_rss_mb', 0):.0f} / "
            f"{r.get('private_rss_mb', 0):.0f} MB |"
        )
    levels = [t["clients"] for t in report["results"][0]["throughput"]]
    lines += [
        "",
        "Throughput, utterances per second (p95 latency), by concurrent clients:",
        "",
        "| system | " + " | ".join(str(n) for n in levels) + " |",
        "| --- |" + " ---: |" * len(levels),
    ]
    for r in report["results"]:
        cells = [
            f"{t['utterances_per_second']:.1f} ({t['latency_p95_s'] * 1000:.0f} ms)"
            for t in r["throughput"]
        ]
        lines.append(f"| {r['label']} | " + " | ".join(cells) + " |")
    lines += ["", "Ratios from this run:", ""]
    lines += [f"- {name}: {value}x" for name, value in report["ratios"].items()]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> Path | None:
    """Throughput and p95 latency against concurrent clients, one line per system."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for r in report["results"]:
        levels = [t["clients"] for t in r["throughput"]]
        left.plot(levels, [t["utterances_per_second"] for t in r["throughput"]], "o-",
                  label=r["label"])  # fmt: skip
        right.plot(levels, [t["latency_p95_s"] for t in r["throughput"]], "o-", label=r["label"])
    left.set(xscale="log", xlabel="concurrent clients", ylabel="utterances per second")
    right.set(xscale="log", yscale="log", xlabel="concurrent clients", ylabel="p95 latency (s)")
    for axis in (left, right):
        axis.set_xticks(levels, [str(n) for n in levels])
        axis.grid(alpha=0.3)
    left.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
