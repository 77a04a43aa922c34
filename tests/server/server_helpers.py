"""Helpers of the server tests: a test-local recognizer, a raw client, utterance senders.

The recognizer here is a stand-in for the model (which the end-to-end test uses for real):
it "hears" one word per quarter second of audio, `w0 w1 w2 ...`, so the text tells exactly
how much audio arrived, in what format it was converted, and partial transcripts grow as a
real recognizer's do.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient, AsyncTcpClient
from wyoming.event import Event, async_read_event

from wyoming_local_asr.config import Settings
from wyoming_local_asr.recognizer import SAMPLE_RATE, ModelInfo, Transcription
from wyoming_local_asr.server.wyoming_server import WyomingServer

GOFORWARD = Path("/usr/share/pocketsphinx/test/data/goforward.raw")
CHUNK_SAMPLES = 1024
WORD_SECONDS = 0.25


class WordClockRecognizer:
    """One word per quarter second of 16 kHz audio: `w0 w1 ...` (with a prefix to tell models
    apart)."""

    def __init__(self, prefix: str = "w", version: str = "1") -> None:
        self.prefix = prefix
        self._info = ModelInfo(
            name=f"word-clock-{prefix}",
            version=version,
            description="test recognizer",
            languages=["en"],
            attribution_name="tests",
            attribution_url="https://example.invalid/tests",
            license="CC0",
        )

    @property
    def info(self) -> ModelInfo:
        return self._info

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        words = int(len(audio) / SAMPLE_RATE / WORD_SECONDS)
        text = " ".join(f"{self.prefix}{i}" for i in range(words))
        return Transcription(text=text, timings={"model": 0.0, "decode": 0.0})


def expected_text(pcm_bytes: int, prefix: str = "w") -> str:
    """What WordClockRecognizer says for 16 kHz 16-bit mono PCM of this many bytes."""
    words = int(pcm_bytes / 2 / SAMPLE_RATE / WORD_SECONDS)
    return " ".join(f"{prefix}{i}" for i in range(words))


EN_REQUEST = Transcribe(language="en")
ServerFactory = Callable[..., Awaitable[WyomingServer]]

TEST_SETTINGS = Settings(
    uri="tcp://127.0.0.1:0", denoise=False, vad=False, partial_interval=0.0, threads=1
)


async def transcribe(
    port: int,
    pcm: bytes,
    *,
    rate: int = 16000,
    width: int = 2,
    channels: int = 1,
    request: Transcribe | None = EN_REQUEST,
    delay: float = 0.0,
) -> list[Event]:
    """Send one utterance with the wyoming library's client; every event up to `transcript`
    (and `transcript-stop` when streaming)."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        return await send_utterance(
            client, pcm, rate=rate, width=width, channels=channels, request=request, delay=delay
        )


async def send_utterance(
    client: AsyncClient,
    pcm: bytes,
    *,
    rate: int = 16000,
    width: int = 2,
    channels: int = 1,
    request: Transcribe | None = None,
    delay: float = 0.0,
) -> list[Event]:
    if request is not None:
        await client.write_event(request.event())
    await client.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
    step = CHUNK_SAMPLES * width * channels
    for offset in range(0, len(pcm), step):
        chunk = AudioChunk(
            rate=rate, width=width, channels=channels, audio=pcm[offset : offset + step]
        )
        await client.write_event(chunk.event())
        if delay:
            await asyncio.sleep(delay)
    await client.write_event(AudioStop().event())
    return await read_until_transcript(client, streaming=request is not None)


async def read_until_transcript(client: AsyncClient, *, streaming: bool) -> list[Event]:
    events: list[Event] = []
    while True:
        event = await asyncio.wait_for(client.read_event(), timeout=30)
        assert event is not None, f"connection closed after {[e.type for e in events]}"
        events.append(event)
        if event.type == ("transcript-stop" if streaming else "transcript"):
            return events


def final_text(events: list[Event]) -> str:
    transcripts = [Transcript.from_event(e).text for e in events if Transcript.is_type(e.type)]
    assert len(transcripts) == 1, [e.type for e in events]
    return transcripts[0]


class RawClient:
    """A client that writes whatever bytes a test wants and reads events with the library."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(
        self, event_type: str, data: dict[str, Any] | None = None, payload: bytes = b""
    ) -> None:
        header: dict[str, Any] = {"type": event_type, "version": "1.10.2"}
        data_bytes = json.dumps(data).encode() if data else b""
        if data_bytes:
            header["data_length"] = len(data_bytes)
        if payload:
            header["payload_length"] = len(payload)
        await self.send_raw(json.dumps(header).encode() + b"\n" + data_bytes + payload)

    async def read(self) -> Event | None:
        return await asyncio.wait_for(async_read_event(self.reader), timeout=30)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()
