"""A Wyoming client for the install tests: `describe` and one transcription over TCP, bounded
in time (the server runs in another process or in a container)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

CHUNK_BYTES = 2048


async def _describe(host: str, port: int) -> Info:
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Describe().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=5)
            assert event is not None, "the server closed the connection"
            if Info.is_type(event.type):
                return Info.from_event(event)


def describe(port: int, host: str = "127.0.0.1") -> Info:
    return asyncio.run(_describe(host, port))


def wait_for_info(
    port: int, *, seconds: float, alive: Callable[[], bool], host: str = "127.0.0.1"
) -> Info:
    """Ask `describe` every half second until it is answered, `alive()` turns false or
    `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return describe(port, host)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, AssertionError):
            if not alive() or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


async def _transcribe(host: str, port: int, pcm: bytes) -> str:
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for offset in range(0, len(pcm), CHUNK_BYTES):
            chunk = pcm[offset : offset + CHUNK_BYTES]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        await client.write_event(AudioStop().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=60)
            assert event is not None, "the server closed the connection"
            if Transcript.is_type(event.type):
                return Transcript.from_event(event).text


def transcribe(port: int, pcm: bytes, host: str = "127.0.0.1") -> str:
    """The final transcript of 16 kHz 16-bit mono `pcm`, sent at full speed."""
    return asyncio.run(_transcribe(host, port, pcm))
