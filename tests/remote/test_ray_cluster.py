"""The recognizer as a Ray Serve deployment, end to end on a local Ray cluster (loopback, 2 CPUs):
two front ends transcribe real recordings through one deployment of two replicas; a vocabulary
sent to one front end reaches both replicas; a replica killed during a run of concurrent clients
loses no utterance; the cluster stopped and restarted under a running front end shows in
`/api/health` (one log line) and the front end recovers.

One cluster and deployment serve the whole module (starting Ray costs most of its time); the
tests run in file order and the last one stops the cluster."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from front_end import FrontEnd, deploy, make_token, run_driver, start_front_end, transcribe

from wyoming_local_asr.asr_service import build_engine, load_recognizer_for
from wyoming_local_asr.audio.convert import AudioFormat
from wyoming_local_asr.build.measure import Clip
from wyoming_local_asr.config import DEFAULT_RAY_APP, Settings
from wyoming_local_asr.evaluation.ray_cluster import LocalRayCluster, ray_env

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.ray]

REPLICAS = 2
CLIENTS = 4
AFTER_KILL = 3
MAX_UTTERANCES_PER_CLIENT = 40

REPLICA_NAMES = """
import sys, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
from wyoming_local_asr.remote.deployment import replica_actor_names
print("\\n".join(replica_actor_names(sys.argv[2])))
"""

# Connects first (that takes seconds), says so, then kills a replica the moment it reads a line.
KILL_REPLICA = """
import sys, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
from wyoming_local_asr.remote.deployment import replica_actor_names
name = replica_actor_names(sys.argv[2])[0]
actor = ray.get_actor(name, namespace="serve")
print("ready", flush=True)
sys.stdin.readline()
ray.kill(actor, no_restart=True)
print(name, flush=True)
"""


def pcm(clip: Clip) -> bytes:
    samples = np.clip(np.round(clip.audio * 32768.0), -32768, 32767)
    return bytes(samples.astype("<i2").tobytes())


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, default_model_dir: Path
) -> Iterator[LocalRayCluster]:
    """A local cluster with the recognizer deployed: two replicas of half a CPU each."""
    cluster = LocalRayCluster(tmp_path_factory.mktemp("ray"))
    cluster.start()
    try:
        deploy(cluster.address, default_model_dir, "--replicas", str(REPLICAS),
               "--cpus-per-replica", "0.5")  # fmt: skip
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def front_ends(
    cluster: LocalRayCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[FrontEnd]]:
    started: list[FrontEnd] = []
    try:
        # The second without RNNoise: its utterances spend most of their time in the replicas.
        for index, options in enumerate(((), ("--no-denoise",))):
            data_dir = tmp_path_factory.mktemp(f"front-end-{index}")
            started.append(start_front_end(cluster.address, data_dir, *options))
        yield started
    finally:
        for front_end in started:
            front_end.stop()


@pytest.fixture(scope="module")
def local_texts(default_model_dir: Path, real_clips: list[Clip]) -> list[dict[str, str]]:
    """What the local recognizer hears in each clip through each front end's pipeline (denoise
    with compare-original, VAD; VAD only): the remote one must hear the same."""
    settings = Settings(model=str(default_model_dir), threads=1)
    recognizer = load_recognizer_for(settings)
    audio_format = AudioFormat(16000, 2, 1)
    texts = []
    for denoise in (True, False):
        pipeline = build_engine(replace(settings, denoise=denoise), recognizer).pipeline
        texts.append({c.name: pipeline.run(pcm(c), audio_format).text for c in real_clips})
    return texts


async def _all(front_ends: list[FrontEnd], clips: list[Clip]) -> list[tuple[int, str, str, str]]:
    """Every clip through every front end, all at once: (front end, clip, kind, text)."""

    async def one(index: int, clip: Clip) -> tuple[int, str, str, str]:
        kind, text = await transcribe(front_ends[index].port, pcm(clip))
        return index, clip.name, kind, text

    return await asyncio.gather(*(one(i, c) for i in range(len(front_ends)) for c in clips))


def test_two_front_ends_transcribe_real_recordings_through_two_replicas(
    *, front_ends: list[FrontEnd], real_clips: list[Clip], local_texts: list[dict[str, str]]
) -> None:
    answers = asyncio.run(_all(front_ends, real_clips))
    assert len(answers) == 2 * len(real_clips)
    for index, name, kind, text in answers:
        assert (kind, text) == ("transcript", local_texts[index][name]), (index, name)
    for front_end in front_ends:
        health = front_end.get_json("/api/health")
        assert not [w for w in health["warnings"] if "unreachable" in w], health["warnings"]
        assert health["recognizer"]["reachable"] is True
        assert health["recognizer"]["calls"]["ok"] >= len(real_clips)
        metrics = front_end.get_text("/metrics")
        assert (
            'wyoming_local_asr_remote_up{kind="ray",application="wyoming-local-asr"} 1' in metrics
        )
        assert 'wyoming_local_asr_stage_seconds_total{stage="remote"}' in metrics


def test_a_vocabulary_sent_to_one_front_end_reaches_every_replica(
    *, cluster: LocalRayCluster, front_ends: list[FrontEnd]
) -> None:
    front_end = front_ends[0]
    token = make_token(front_end.data_dir)
    home = {"entities": [{"name": "Aquarium heater", "domain": "switch", "area": "Hall"}],
            "areas": [{"name": "Hall"}]}  # fmt: skip
    summary = front_end.put_json("/api/vocabulary", token, home)
    version = summary["version"]
    deadline = time.monotonic() + 120
    while front_end.get_json("/api/vocabulary")["build"]["active_version"] != version:
        assert time.monotonic() < deadline, front_end.get_json("/api/vocabulary")
        time.sleep(0.3)
    # Each replica says in its own log that it built the front end's vocabulary.
    logs = cluster.directory / "ray" / "session_latest" / "logs" / "serve"
    while True:
        built = [
            path.name
            for path in logs.glob(f"replica_{DEFAULT_RAY_APP}_recognizer_*.log")
            if f"(home {version})" in path.read_text(errors="replace")
        ]
        if len(built) >= REPLICAS:
            break
        assert time.monotonic() < deadline, f"built on {built} only"
        time.sleep(0.5)


def test_a_replica_killed_during_concurrent_clients_loses_no_utterance(
    *, cluster: LocalRayCluster, front_ends: list[FrontEnd], real_clips: list[Clip],
    local_texts: list[dict[str, str]],
) -> None:  # fmt: skip
    front_end, expected = front_ends[1], local_texts[1]
    clips = [clip for clip in real_clips if clip.seconds > 2.0]
    before = run_driver(cluster.address, REPLICA_NAMES, DEFAULT_RAY_APP).split()
    assert len(before) == REPLICAS
    killer = subprocess.Popen(
        [sys.executable, "-c", KILL_REPLICA, cluster.address, DEFAULT_RAY_APP],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ray_env(),
    )  # fmt: skip
    try:
        assert killer.stdout is not None
        assert killer.stdout.readline().strip() == "ready"
        answers, killed = asyncio.run(_clients_around_a_kill(front_end, clips, killer))
    finally:
        killer.kill()
        killer.wait()
    assert killed in before
    # Every client went on for a while after the kill; none lost an utterance: each has its
    # transcript (sent again to the other replica when its own died under it).
    assert len(answers) >= CLIENTS * (AFTER_KILL + 1)
    for name, kind, text in answers:
        assert (kind, text) == ("transcript", expected[name]), name
    # Serve replaces the replica; the front end goes on.
    deadline = time.monotonic() + 120
    while True:
        now = run_driver(cluster.address, REPLICA_NAMES, DEFAULT_RAY_APP).split()
        if len(now) == REPLICAS and killed not in now:
            break
        assert time.monotonic() < deadline, now
        time.sleep(1.0)
    kind, text = asyncio.run(transcribe(front_end.port, pcm(clips[0])))
    assert (kind, text) == ("transcript", expected[clips[0].name])
    print("retries after the kill:", front_end.get_json("/api/health")["recognizer"]["retries"])


async def _clients_around_a_kill(
    front_end: FrontEnd, clips: list[Clip], killer: subprocess.Popen[str]
) -> tuple[list[tuple[str, str, str]], str]:
    """CLIENTS clients send clips one after another; once each has an answer, a replica is
    killed; each then sends AFTER_KILL more (bounded in count)."""
    answered = [asyncio.Event() for _ in range(CLIENTS)]
    killed = asyncio.Event()

    async def client(index: int) -> list[tuple[str, str, str]]:
        answers: list[tuple[str, str, str]] = []
        after = 0
        for turn in range(MAX_UTTERANCES_PER_CLIENT):
            clip = clips[(index + turn) % len(clips)]
            kind, text = await transcribe(front_end.port, pcm(clip))
            answers.append((clip.name, kind, text))
            answered[index].set()
            after += killed.is_set()
            if after > AFTER_KILL:
                break
        return answers

    tasks = [asyncio.create_task(client(i)) for i in range(CLIENTS)]
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in answered)), timeout=120)
    assert killer.stdin is not None and killer.stdout is not None
    killer.stdin.write("kill\n")
    killer.stdin.flush()
    name = (await asyncio.to_thread(killer.stdout.readline)).strip()
    killed.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
    return [answer for answers in results for answer in answers], name


def test_the_cluster_stopped_and_restarted_under_a_front_end(
    *, cluster: LocalRayCluster, front_ends: list[FrontEnd], default_model_dir: Path,
    real_clips: list[Clip], local_texts: list[dict[str, str]],
) -> None:  # fmt: skip
    front_end, expected = front_ends[0], local_texts[0]
    clip = real_clips[0]
    cluster.stop()
    deadline = time.monotonic() + 90
    while (health := front_end.get_json("/api/health"))["recognizer"]["reachable"]:
        assert time.monotonic() < deadline, "the front end did not notice the cluster is gone"
        time.sleep(0.5)
    assert health["status"] == "warning"
    assert any("unreachable" in warning for warning in health["warnings"])
    # While it is gone: one clear error at once, never a stall.
    started = time.monotonic()
    assert asyncio.run(transcribe(front_end.port, pcm(clip))) == (
        "error", "recognizer-unavailable"
    )  # fmt: skip
    assert time.monotonic() - started < 20  # well within --ray-timeout 20: refused at once
    assert front_end.log_text().count("unreachable:") == 1

    cluster.start()
    deploy(cluster.address, default_model_dir, "--replicas", "1", "--cpus-per-replica", "0.5")
    deadline = time.monotonic() + 180
    while not front_end.get_json("/api/health")["recognizer"]["reachable"]:
        assert time.monotonic() < deadline, front_end.log_text()[-3000:]
        time.sleep(0.5)
    assert "reachable again" in front_end.log_text()
    # The vocabulary it had sent before is published again; the transcript is right.
    kind, text = asyncio.run(transcribe(front_end.port, pcm(clip)))
    assert (kind, text) == ("transcript", expected[clip.name])
    warnings = front_end.get_json("/api/health")["warnings"]
    assert not [warning for warning in warnings if "unreachable" in warning], warnings
