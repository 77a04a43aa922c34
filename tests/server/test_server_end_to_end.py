"""End to end: the installed console script serves the real default model over TCP to the
`wyoming` library's own client; a real recording comes back as its words, plainly and as a
stream of partial transcripts; SIGTERM stops the server cleanly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from server_helpers import CHUNK_SAMPLES, GOFORWARD, final_text
from wyoming.asr import Transcribe, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info

SCRIPT = Path(sys.executable).with_name("wyoming-local-asr")
EXPECTED_WORDS = ["go", "forward", "ten", "meters"]
# Silence sent after the recording at most, while waiting for the first partial.
MAX_SILENCE_SECONDS = 20
LISTENING = re.compile(r"Wyoming server on 127\.0\.0\.1:(\d+)")
pytestmark = pytest.mark.slow


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).replace(" 10 ", " ten ").split()


@pytest.fixture(scope="module")
def server(
    default_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp("data")
    command = [
        str(SCRIPT),
        "serve",
        "--uri",
        "tcp://127.0.0.1:0",
        "--data-dir",
        str(data_dir),
        "--model",
        str(default_model_dir),
        "--threads",
        "1",
        "--partial-interval",
        "0.5",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    log: list[str] = []
    port: int | None = None
    for line in process.stderr:
        log.append(line)
        if match := LISTENING.search(line):
            port = int(match.group(1))
            break
    if port is None:
        process.kill()
        pytest.fail("the server did not start:\n" + "".join(log))
    # Keep reading the log so that the pipe never fills up.
    reader = threading.Thread(target=lambda: log.extend(process.stderr or []), daemon=True)
    reader.start()
    running = ServerProcess(process, port, log)
    yield running
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


async def test_describe(server: ServerProcess) -> None:
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), timeout=30)
    assert event is not None and Info.is_type(event.type)
    (program,) = Info.from_event(event).asr
    assert program.supports_transcript_streaming
    (model,) = program.models
    assert model.name == "hama-conformer-ctc-en"
    assert "en" in model.languages
    assert "Apache-2.0" in model.attribution.name


async def test_home_assistant_style_client(server: ServerProcess) -> None:
    """Transcribe, all the audio in 1024-sample chunks, audio-stop, then wait for transcript."""
    audio = GOFORWARD.read_bytes()
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for offset in range(0, len(audio), CHUNK_SAMPLES * 2):
            chunk = audio[offset : offset + CHUNK_SAMPLES * 2]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        await client.write_event(AudioStop().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=120)
            assert event is not None
            if event.type == "transcript":
                break
    assert words(event.data["text"]) == EXPECTED_WORDS
    assert event.data["language"] == "en"


async def test_streaming_client_sees_partial_transcripts(server: ServerProcess) -> None:
    """Audio at the pace of speech; partial text arrives while audio is still open.

    After the recording the client goes on sending silence at the same pace until the first
    partial arrives (a loaded machine may need a while), then sends audio-stop.
    """
    audio = GOFORWARD.read_bytes()
    silence = bytes(CHUNK_SAMPLES * 2)
    events: list[Event] = []

    async def read_all(client: AsyncTcpClient) -> None:
        while (event := await client.read_event()) is not None:
            events.append(event)
            if event.type == "transcript-stop":
                return

    def has_partial() -> bool:
        return any(TranscriptChunk.is_type(event.type) for event in events)

    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        reader = asyncio.create_task(read_all(client))
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        chunks = [audio[i : i + CHUNK_SAMPLES * 2] for i in range(0, len(audio), len(silence))]
        chunks += [silence] * int(MAX_SILENCE_SECONDS * 16000 / CHUNK_SAMPLES)
        for index, chunk in enumerate(chunks):
            if index >= len(audio) // len(silence) + 1 and has_partial():
                break
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
            await asyncio.sleep(CHUNK_SAMPLES / 16000)
        partial_before_stop = [
            TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk"
        ]
        await client.write_event(AudioStop().event())
        await asyncio.wait_for(reader, timeout=120)

    assert partial_before_stop, "no transcript-chunk before audio-stop"
    partial = "".join(partial_before_stop)
    assert EXPECTED_WORDS[: len(words(partial))] == words(partial)
    types = [event.type for event in events]
    assert types[0] == "transcript-start"
    assert types[-2:] == ["transcript", "transcript-stop"]
    chunks_text = "".join(
        TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk"
    )
    assert chunks_text == final_text(events)
    assert words(final_text(events)) == EXPECTED_WORDS


def test_sigterm_stops_the_server(server: ServerProcess) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    assert any("Stopping" in line for line in server.log)
    assert not any("Traceback" in line for line in server.log)
