"""Graceful shutdown: no new clients; an utterance whose audio is complete finishes within the
grace period; any other gets `server-stopping`; the process exits 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from server_helpers import RawClient, ServerFactory, WordClockRecognizer, expected_text
from test_bad_input import error_of

from wyoming_local_asr.recognizer import Transcription

FMT = {"rate": 16000, "width": 2, "channels": 1}
SCRIPT = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "wyoming-local-asr"
LISTENING = re.compile(r"Wyoming server on 127\.0\.0\.1:(\d+)")


class SlowRecognizer(WordClockRecognizer):
    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        time.sleep(self.seconds)
        return super().transcribe(audio)


async def send_audio(client: RawClient, pcm: bytes, *, stop: bool) -> None:
    await client.send("audio-start", FMT)
    for offset in range(0, len(pcm), 4096):
        await client.send("audio-chunk", FMT, payload=pcm[offset : offset + 4096])
    if stop:
        await client.send("audio-stop")


async def three_clients(port: int, pcm: bytes) -> tuple[RawClient, RawClient, RawClient]:
    """A: audio complete (being transcribed); B: mid-utterance; C: connected, idle."""
    complete, partial, idle = [await RawClient.connect(port) for _ in range(3)]
    await send_audio(partial, pcm, stop=False)
    await partial.send("ping")
    assert (await partial.read()) is not None  # its audio has arrived
    await idle.send("ping")
    assert (await idle.read()) is not None
    await send_audio(complete, pcm, stop=False)
    await complete.send("ping")
    assert (await complete.read()) is not None  # the server has read A's audio
    await complete.send("audio-stop")
    await asyncio.sleep(0.2)  # A's transcription is under way
    return complete, partial, idle


async def test_stop_finishes_complete_utterances_and_refuses_the_rest(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(SlowRecognizer(1.0), shutdown_grace=5.0)
    assert server.port is not None
    port = server.port
    complete, partial, idle = await three_clients(port, goforward)
    stopping = asyncio.create_task(server.stop())
    transcript = await complete.read()
    assert transcript is not None and transcript.type == "transcript"
    assert transcript.data["text"] == expected_text(len(goforward))
    assert error_of(await partial.read()).code == "server-stopping"
    assert await partial.read() is None
    assert await idle.read() is None  # closed, with nothing to say
    await asyncio.wait_for(stopping, 10)
    assert server.stats.stopped == 1
    with pytest.raises(OSError):
        await RawClient.connect(port)
    for client in (complete, partial, idle):
        await client.close()


async def test_grace_period_is_bounded(start_server: ServerFactory, goforward: bytes) -> None:
    server = await start_server(SlowRecognizer(3.0), shutdown_grace=0.5)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await send_audio(client, goforward, stop=True)
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await server.stop()
    assert time.monotonic() - started < 2.0
    assert error_of(await client.read()).code == "server-stopping"
    await client.close()


@pytest.mark.slow
def test_sigterm_under_load_real_server(
    default_model_dir: Path, tmp_path: Path, goforward: bytes
) -> None:
    command = [
        str(SCRIPT),
        "serve",
        "--uri",
        "tcp://127.0.0.1:0",
        "--data-dir",
        str(tmp_path),
        "--model",
        str(default_model_dir),
        "--threads",
        "1",
        "--shutdown-grace",
        "20",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    log: list[str] = []
    port = None
    for line in process.stderr:
        log.append(line)
        if match := LISTENING.search(line):
            port = int(match.group(1))
            break
    threading.Thread(target=lambda: log.extend(process.stderr or []), daemon=True).start()
    try:
        assert port is not None, "".join(log)
        pcm = goforward * 8  # 23 s: its transcription takes a moment

        async def scenario() -> None:
            complete, partial, idle = await three_clients(port, pcm)
            process.send_signal(signal.SIGTERM)
            transcript = await complete.read()
            assert transcript is not None and transcript.type == "transcript", transcript
            assert transcript.data["text"].count("meters") >= 6, transcript.data["text"]
            assert error_of(await partial.read()).code == "server-stopping"
            assert await idle.read() is None
            for client in (complete, partial, idle):
                await client.close()

        asyncio.run(asyncio.wait_for(scenario(), 60))
        assert process.wait(timeout=30) == 0
        assert not any("Traceback" in line for line in log), "".join(log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
