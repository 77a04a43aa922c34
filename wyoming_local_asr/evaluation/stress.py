"""The stress suite: `wyoming-local-asr serve` in its own process, attacked on loopback while a
well-formed client transcribes real clips (pocketsphinx-testdata) as Home Assistant does.

Each scenario starts its own server, measures the good client's baseline (latency, and the
transcript of each clip, which later answers must equal), then runs the attack with the good
client going on beside it, and reports: crashes (the process died, or a traceback in its log),
hangs (a connection the server neither answered nor closed in time), wrong or lost transcripts
of well-formed clients, the good client's median latency during the attack against its baseline,
and the server's RSS before, at its peak (sampled every 50 ms) and after the attackers left.

`LONG` is the report's size (`wyoming-local-asr stress`, in `docs/reliability.md`); `SHORT` runs
in CI (`tests/evaluation/test_stress.py`).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ..build.measure import testdata_clips
from ..ops.system import read_status_mb
from ..ops.token_store import TokenStore
from . import stress_clients as clients
from .server_bench import ServerProcess, free_port
from .stress_scenarios import (
    GOOD_EXPECTED,
    LONG,
    SCENARIOS,
    SERVER_ARGS,
    SETTLE_SECONDS,
    SHORT,
    Context,
    Scenario,
    Size,
)

__all__ = ["LONG", "SCENARIOS", "SHORT", "Scenario", "Size", "run_scenario", "run_stress"]


class RssSampler:
    """The server's VmRSS every 50 ms on a thread, until stopped; the peak in MiB."""

    def __init__(self, pid: int) -> None:
        self.pid = str(pid)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(timeout=5)
        return round(self.peak, 1)


def rss_mb(pid: str) -> float:
    return read_status_mb({"VmRSS"}, pid=pid).get("VmRSS", 0.0)


async def _run_attack(scenario: Scenario, ctx: Context) -> dict[str, Any]:
    good = clients.GoodClient(
        ctx.server.port,
        ctx.clips,
        expected=GOOD_EXPECTED,
        token=ctx.token if scenario.requires_token else None,
    )
    baseline = await good.baseline(rounds=2)
    rss_before = rss_mb(str(ctx.server.process.pid))
    sampler = RssSampler(ctx.server.process.pid)
    stop = asyncio.Event()
    running = asyncio.create_task(good.run(stop)) if scenario.good_client else None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(1800):
            attack = await scenario.attack(ctx)
    finally:
        stop.set()
        if running is not None:
            async with asyncio.timeout(300):
                await running
    attack_seconds = time.perf_counter() - started
    await asyncio.sleep(0 if scenario.exits else SETTLE_SECONDS)
    rss_after = rss_mb(str(ctx.server.process.pid)) if not scenario.exits else None
    peak = sampler.stop()
    during = good.latencies
    return {
        "scenario": scenario.name,
        "attack": attack,
        "attack_seconds": round(attack_seconds, 1),
        "good_utterances": len(during),
        "wrong": good.wrong + int(attack.get("wrong", 0)),
        "lost": good.lost + int(attack.get("lost", 0)),
        "good_failures": good.failures[:5],
        "baseline_latency_ms": round(1000 * statistics.median(baseline)),
        "attack_latency_ms": round(1000 * statistics.median(during)) if during else None,
        "rss_before_mb": round(rss_before, 1),
        "rss_peak_mb": peak,
        "rss_after_mb": None if rss_after is None else round(rss_after, 1),
    }


def run_scenario(scenario: Scenario, model_dir: Path, size: Size) -> dict[str, Any]:
    clips = testdata_clips()[: size.good_clips]
    if not clips:
        raise RuntimeError("the stress suite needs Debian's pocketsphinx-testdata")
    with tempfile.TemporaryDirectory(prefix="stress-") as data_dir:
        _record, token = TokenStore(Path(data_dir) / "tokens.json").create("admin", "stress")
        ops_port = free_port()
        server = ServerProcess(
            model_dir,
            denoise=True,
            extra=(
                *SERVER_ARGS,
                *scenario.args,
                *(("--require-token",) if scenario.requires_token else ()),
                "--data-dir",
                data_dir,
                "--ops-port",
                str(ops_port),
            ),
            nofile=size.nofile if scenario.nofile else None,
        )
        try:
            ctx = Context(server, size, clips, ops_port, token)
            result = asyncio.run(_run_attack(scenario, ctx))
            alive = server.process.poll() is None
            result["crashes"] = int(not alive and not scenario.exits) + "".join(server.log).count(
                "Traceback"
            )
            result["hangs"] = int(result["attack"].get("hangs", 0))
        finally:
            server.stop()
    return result


def run_stress(
    model_dir: Path, size: Size = LONG, names: tuple[str, ...] = (), out: Path | None = None
) -> dict[str, Any]:
    """Every scenario (or those `names`); with `out`, the report so far is written after each
    scenario (a run cut short keeps what it measured)."""
    GOOD_EXPECTED.clear()
    report: dict[str, Any] = {"size": size.__dict__, "scenarios": []}
    for scenario in SCENARIOS:
        if not names or scenario.name in names:
            report["scenarios"].append(run_scenario(scenario, model_dir, size))
            if out is not None:
                write_report(report, out)
    return report


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        "| scenario | crashes | hangs | wrong / lost | good client latency: baseline -> "
        "attack (median) | RSS before / peak / after | attack |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["scenarios"]:
        during = "-" if r["attack_latency_ms"] is None else f"{r['attack_latency_ms']} ms"
        ratio = (
            f" ({r['attack_latency_ms'] / r['baseline_latency_ms']:.2f}x)"
            if r["attack_latency_ms"] and r["baseline_latency_ms"]
            else ""
        )
        after = "-" if r["rss_after_mb"] is None else f"{r['rss_after_mb']:.0f}"
        attack = ", ".join(f"{k} {v}" for k, v in r["attack"].items())
        lines.append(
            f"| {r['scenario']} | {r['crashes']} | {r['hangs']} | {r['wrong']} / {r['lost']} | "
            f"{r['baseline_latency_ms']} ms -> {during}{ratio} ({r['good_utterances']} utt.) | "
            f"{r['rss_before_mb']:.0f} / {r['rss_peak_mb']:.0f} / {after} MB | {attack} |"
        )
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "stress.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "stress.md").write_text(to_markdown(report))
