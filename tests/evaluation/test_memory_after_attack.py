"""Memory comes back after the parked-audio attack: connections that send audio (48 kHz /
32-bit / stereo, no `audio-stop`) and leave. Before the fix, the utterances they left behind
stayed alive in a reference cycle (the `Dropped` exception of their last piece of work, kept
with its traceback) until a full garbage collection, and the heap was trimmed before they were
freed: the server stayed about 40 MB over its baseline (`docs/reliability.md`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wyoming_local_asr.build import measure
from wyoming_local_asr.evaluation import stress_clients as clients
from wyoming_local_asr.evaluation.server_bench import ServerProcess
from wyoming_local_asr.evaluation.stress import rss_mb
from wyoming_local_asr.evaluation.stress_scenarios import SERVER_ARGS

# The target: back within 20 MB of the steady state after the attackers leave. This
# attack holds about 45 MB of converted audio at its peak.
MARGIN_MB = 20.0


@pytest.mark.slow
def test_rss_returns_after_parked_audio(default_model_dir: Path, tmp_path: Path) -> None:
    server = ServerProcess(
        default_model_dir, denoise=True, extra=(*SERVER_ARGS, "--data-dir", str(tmp_path))
    )
    pid = str(server.process.pid)

    async def attack() -> tuple[float, dict[str, object]]:
        clip = clients.pcm16(measure.testdata_clips()[0])
        for _ in range(2):  # the steady state: a server that has transcribed
            await clients.transcribe(server.port, clip)
        await asyncio.sleep(2.0)
        baseline = rss_mb(pid)
        counts = await clients.parked(
            server.port,
            connections=24,
            seconds=15.0,
            rounds=1,
            addresses=4,
            hold=1.0,
            rss=lambda: rss_mb(pid),
            settle=120.0,
        )
        await clients.transcribe(server.port, clip)  # still serves
        return baseline, counts

    try:
        baseline, counts = asyncio.run(asyncio.wait_for(attack(), timeout=600))
    finally:
        server.stop()
    assert counts["accepted"] == 24, counts
    settled_mb, _seconds = counts["settled"]  # type: ignore[misc]
    assert settled_mb - baseline <= MARGIN_MB, (baseline, counts)
