"""Scaling out with Ray, measured: throughput and p95 latency of the recognizer for 1-32
concurrent clients, local against a Ray Serve deployment with batching on and off, and the
remote hop's own cost per utterance (`wyoming-local-asr ray bench`, `docs/benchmarks.md`).

Measured at the seam the front end cuts (`Recognizer.transcribe` on a speech segment), so the
figures are the recognizer's and not RNNoise's or the network's: each client is a thread that
sends the real clips one after another and waits for each answer. The local recognizer runs on
a pool as many threads wide as the server's (`asr_service.default_workers`), in a process of
its own for each level (not in this one, which is a Ray driver: see `local_level`); two Ray
deployments (batching on, batching off) run `replicas` replicas each on a local cluster that
this command starts and stops itself (`ray_cluster.py`, loopback only; this process is its
driver, as a front end is). One BLAS thread everywhere, as Ray gives its replicas. Every level
runs `runs` times, the three systems one after another at each level, and the report keeps the
median and the min of the runs: the machine may be shared, so absolute times are noisy; read
the ratios of one report.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..asr_service import default_workers, load_recognizer_for
from ..build.measure import Clip, testdata_clips
from ..config import Settings
from ..progress import Progress
from ..recognizer import Recognizer, Transcription
from .ray_cluster import LOOPBACK_ENV, LocalRayCluster

LEVELS = (1, 2, 4, 8, 16, 32)
SYSTEMS = ("local", "ray, batching on", "ray, batching off")
Transcribe = Callable[[NDArray[np.float32]], Transcription]


def run_level(
    transcribe: Transcribe, clips: list[Clip], clients: int, per_client: int
) -> dict[str, float]:
    """`clients` threads, each sending `per_client` clips in turn: utterances/s, audio s/s,
    latency median/p95, and the medians of the recognizer's own stages."""
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    lock = threading.Lock()

    def client(index: int) -> None:
        for turn in range(per_client):
            clip = clips[(index * 7 + turn) % len(clips)]
            start = time.perf_counter()
            result = transcribe(clip.audio)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                for stage, seconds in result.timings.items():
                    stages.setdefault(stage, []).append(seconds)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    audio = sum(
        clips[(i * 7 + t) % len(clips)].seconds for i in range(clients) for t in range(per_client)
    )
    ordered = sorted(latencies)
    return {
        "utterances_per_s": len(latencies) / wall,
        "audio_s_per_s": audio / wall,
        "latency_median_s": statistics.median(ordered),
        "latency_p95_s": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        **{f"{stage}_median_s": statistics.median(values) for stage, values in stages.items()},
    }


def local_level(settings: Settings, clients: int, per_client: int) -> dict[str, float]:
    """One level of the local recognizer, in this process (`_local_in_own_process` runs it in
    a fresh one: a process that is also a Ray driver runs Ray's own Python threads, and they
    slowed the local decoder here about tenfold through the GIL)."""
    clips = [clip for clip in testdata_clips() if clip.seconds <= 10.0]
    transcribe, close = _pooled(load_recognizer_for(settings), default_workers())
    try:
        _warm_up(transcribe, clips)
        return run_level(transcribe, clips, clients, per_client)
    finally:
        close()


_LOCAL_LEVEL = """
import json, sys
from wyoming_local_asr.config import Settings
from wyoming_local_asr.evaluation.ray_bench import local_level
settings = Settings(model=sys.argv[1], threads=1)
print(json.dumps(local_level(settings, int(sys.argv[2]), int(sys.argv[3]))))
"""


def _local_in_own_process(settings: Settings, clients: int, per_client: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _LOCAL_LEVEL, str(settings.model_dir), str(clients),
         str(per_client)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the local level failed: {done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _warm_up(transcribe: Transcribe, clips: list[Clip]) -> None:
    """Every clip once: the decoder's language-model caches then hold what every system's
    see (a fresh local process must not be measured cold against warm replicas)."""
    for clip in clips:
        transcribe(clip.audio)


def _pooled(recognizer: Recognizer, workers: int) -> tuple[Transcribe, Callable[[], None]]:
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bench-local")

    def transcribe(audio: NDArray[np.float32]) -> Transcription:
        return pool.submit(recognizer.transcribe, audio).result()

    return transcribe, lambda: pool.shutdown(wait=True)


def run_bench(
    settings: Settings,
    *,
    levels: tuple[int, ...] = LEVELS,
    runs: int = 3,
    per_client: int = 4,
    replicas: int = 2,
    batch_size: int = 8,
    batch_wait_s: float = 0.01,
) -> dict[str, Any]:
    """Every system at every level, `runs` times; the report (see `write_report`)."""
    os.environ.update(LOOPBACK_ENV)  # before Ray is imported: this driver on loopback too
    import ray

    from ..remote.vocabulary_board import NAMESPACE

    clips = [clip for clip in testdata_clips() if clip.seconds <= 10.0]
    settings = replace(settings, threads=1)
    workers = default_workers()
    directory = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    cluster = LocalRayCluster(directory, num_cpus=os.cpu_count() or 2)
    print("Starting a local Ray cluster (loopback)...", flush=True)
    cluster.start()
    ray.init(address=cluster.address, namespace=NAMESPACE, log_to_driver=False)
    raw: dict[str, dict[int, list[dict[str, float]]]] = {
        s: {n: [] for n in levels} for s in SYSTEMS
    }
    # Both deployments at once (half a CPU per replica in Ray's accounting; the OS shares the
    # cores), so that the systems run side by side: every level, system after system, per run.
    systems: dict[str, Transcribe] = {}
    try:
        _deploy_both(settings, systems, replicas, batch_size, batch_wait_s)
        for transcribe in systems.values():
            _warm_up(transcribe, clips)
        total = len(SYSTEMS) * len(levels) * runs
        with Progress("ray bench", total) as progress:
            for _ in range(runs):
                for clients in levels:
                    for system in SYSTEMS:
                        if system == "local":
                            figures = _local_in_own_process(settings, clients, per_client)
                        else:
                            figures = run_level(systems[system], clips, clients, per_client)
                        raw[system][clients].append(figures)
                        progress.advance(note=f"{system}, {clients} clients")
    finally:
        ray.shutdown()
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return summarize(
        raw,
        settings,
        workers,
        replicas=replicas,
        batch_size=batch_size,
        batch_wait_s=batch_wait_s,
        runs=runs,
        per_client=per_client,
    )


def _deploy_both(
    settings: Settings,
    systems: dict[str, Transcribe],
    replicas: int,
    batch_size: int,
    batch_wait_s: float,
) -> None:
    from ..ops.remote_calls import RemoteCalls
    from ..remote.deployment import DeploymentOptions, deploy
    from ..remote.ray_recognizer import connect

    for system in SYSTEMS[1:]:
        batching = system.endswith("on")
        name = f"wyoming-local-asr-bench-{'on' if batching else 'off'}"
        options = DeploymentOptions(
            name, replicas, 0.5, 0.0, batch_size, batch_wait_s, batching=batching
        )
        deploy(settings, options)
        remote = replace(settings, ray_deployment=name, ray_timeout=120.0)
        systems[system] = connect(remote, RemoteCalls("ray", "local", name)).transcribe


def summarize(
    raw: dict[str, dict[int, list[dict[str, float]]]],
    settings: Settings,
    workers: int,
    *,
    replicas: int,
    batch_size: int,
    batch_wait_s: float,
    runs: int,
    per_client: int,
) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {}
    for system, by_level in raw.items():
        rows = []
        for clients, figures in by_level.items():
            row: dict[str, Any] = {"clients": clients}
            for key in figures[0]:
                values = [f[key] for f in figures if key in f]
                row[key] = statistics.median(values)
                row[f"{key}_min"] = min(values)
            rows.append(row)
        results[system] = rows
    one_local = results["local"][0]
    one_ray = results["ray, batching off"][0]
    service = one_local.get("model_median_s", 0.0) + one_local.get("decode_median_s", 0.0)
    return {
        "machine": {"cores": os.cpu_count(), "load_1m": os.getloadavg()[0]},
        "setup": {
            "model": settings.model,
            "precision": settings.precision,
            "beam": settings.beam,
            "local_workers": workers,
            "ray_replicas": replicas,
            "ray_cpus_per_replica": 0.5,
            "onnx_and_blas_threads": 1,
            "batch_size": batch_size,
            "batch_wait_s": batch_wait_s,
            "runs": runs,
            "utterances_per_client": per_client,
        },
        "results": results,
        "hop": {
            # The remote call's time less the replica's recognition, one client at a time.
            "remote_overhead_median_s": one_ray.get("remote_median_s", 0.0),
            "latency_local_1_client_s": one_local["latency_median_s"],
            "latency_ray_1_client_s": one_ray["latency_median_s"],
            "service_median_s": service,
            "model_median_s": one_local.get("model_median_s", 0.0),
            "decode_median_s": one_local.get("decode_median_s", 0.0),
        },
    }


def write_report(report: dict[str, Any], output: Path) -> Path | None:
    """The JSON report and, with matplotlib, its plot beside it (`.png`)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return plot(report, output.with_suffix(".png"))


def plot(report: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, (speed, latency) = plt.subplots(1, 2, figsize=(11, 4.2))
    for system, rows in report["results"].items():
        clients = [row["clients"] for row in rows]
        speed.plot(clients, [row["utterances_per_s"] for row in rows], marker="o", label=system)
        latency.plot(
            clients, [1000 * row["latency_p95_s"] for row in rows], marker="o", label=system
        )
    for axis in (speed, latency):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("concurrent clients")
        axis.grid(True, alpha=0.3)
    speed.set_ylabel("utterances per second")
    speed.set_title("Throughput (median of runs)")
    latency.set_ylabel("p95 latency per utterance (ms)")
    latency.set_yscale("log")
    latency.set_title("p95 latency (median of runs)")
    speed.legend(fontsize=8)
    setup = report["setup"]
    figure.suptitle(
        f"Recognizer local ({setup['local_workers']} threads) vs Ray Serve "
        f"({setup['ray_replicas']} replicas) on {report['machine']['cores']} shared cores, "
        "side by side",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
