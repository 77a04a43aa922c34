"""`wyoming-local-asr bench --vocabulary-load`: what a large vocabulary update costs the
users of a running server.

One `serve` process (with its operations API) transcribes real clips paced as a microphone
delivers them (1024-sample chunks in real time), timed from `audio-stop` to `transcript`:
first at rest (the baseline), then while it builds the largest vocabulary one update may
ask for (`MAX_NEW_WORDS_PER_UPDATE` words new to the model, made up so that every one needs
hama's G2P). Reports both latencies side by side, their ratio, how long `PUT /api/vocabulary`
took to answer and how long the build took.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from ..config import MAX_NEW_WORDS_PER_UPDATE
from ..ops.token_store import TokenStore
from .corpus import Clip, read_audio
from .real_corpus import build_real_corpus
from .run import percentile
from .server_bench import ServerProcess, free_port, send_clip

_BUILD_TIMEOUT_S = 1800.0


def made_up_words(count: int) -> list[str]:
    """Words in no lexicon (letters only): hama's G2P must pronounce every one."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [f"zorblax{letters[i // 676 % 26]}{letters[i // 26 % 26]}{letters[i % 26]}"
            for i in range(count)]  # fmt: skip


def large_vocabulary(words: int = MAX_NEW_WORDS_PER_UPDATE) -> dict[str, Any]:
    names = made_up_words(words)
    return {"phrases": [" ".join(names[i : i + 4]) for i in range(0, len(names), 4)]}


def measure_vocabulary_load(
    model_dir: Path,
    *,
    threads: int = 1,
    words: int = MAX_NEW_WORDS_PER_UPDATE,
    rounds: int = 3,
    max_clip_seconds: float = 4.0,
) -> dict[str, Any]:
    """Latency at rest and during the build, in one run of one server."""
    with tempfile.TemporaryDirectory(prefix="local-asr-vocabulary-load-") as tmp:
        clips = [
            clip
            for clip in build_real_corpus(Path(tmp) / "clips")
            if _seconds(clip) <= max_clip_seconds
        ]
        data_dir = Path(tmp) / "data"
        _, token = TokenStore(data_dir / "tokens.json").create("admin", "bench")
        ops_port = free_port()
        server = ServerProcess(
            model_dir,
            denoise=True,
            threads=threads,
            extra=("--data-dir", str(data_dir), "--ops-port", str(ops_port)),
        )
        try:
            return asyncio.run(
                _measure(server.port, ops_port, token, clips, rounds=rounds, words=words)
            )
        finally:
            server.stop()


async def _measure(
    port: int, ops_port: int, token: str, clips: list[Clip], *, rounds: int, words: int
) -> dict[str, Any]:
    await send_clip(port, clips[0], real_time=False)  # warm-up
    baseline = [
        (await send_clip(port, clip, real_time=True))[1] for _ in range(rounds) for clip in clips
    ]
    url = f"http://127.0.0.1:{ops_port}/api/vocabulary"
    started = time.perf_counter()
    answer = await asyncio.to_thread(_request, url, token, large_vocabulary(words))
    answered_s = time.perf_counter() - started
    # Latencies while G2P runs (words left to pronounce), then while the recognizer is built.
    during_g2p: list[float] = []
    during_install: list[float] = []
    build = answer["build"]
    while build["state"] == "building":
        for clip in clips:
            pronouncing = build.get("words_to_pronounce", 0) > 0
            latency = (await send_clip(port, clip, real_time=True))[1]
            (during_g2p if pronouncing else during_install).append(latency)
            build = (await asyncio.to_thread(_request, url, token))["build"]
            if build["state"] != "building":
                break
        if time.perf_counter() - started > _BUILD_TIMEOUT_S:
            raise RuntimeError("the vocabulary build did not end in time")
    build_s = time.perf_counter() - started
    during = during_g2p + during_install
    state = build["state"]
    return {
        "clips": len(clips),
        "new_words": words,
        "put_answered_s": round(answered_s, 3),
        "build_s": round(build_s, 1),
        "final_state": state,
        "baseline": _figures(baseline),
        "during_build": _figures(during),
        "during_g2p": _figures(during_g2p),
        "during_recognizer_build": _figures(during_install),
        "median_ratio": round(percentile(during, 0.5) / percentile(baseline, 0.5), 2)
        if during
        else None,
        "p95_ratio": round(percentile(during, 0.95) / percentile(baseline, 0.95), 2)
        if during
        else None,
    }


def _seconds(clip: Clip) -> float:
    audio = read_audio(clip.audio_path)
    return len(audio.pcm) / (audio.format.rate * audio.format.frame_bytes)


def _figures(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        return {"utterances": 0}
    return {
        "utterances": len(latencies),
        "latency_median_ms": round(1000 * percentile(latencies, 0.5)),
        "latency_p95_ms": round(1000 * percentile(latencies, 0.95)),
    }


def _request(url: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "PUT",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer: dict[str, Any] = json.load(response)
        return answer
