"""The clients of the stress suite, all on loopback: a well-formed client that transcribes real
clips as Home Assistant does, and the attackers. Attackers connect from other loopback
addresses (127.0.0.2 and up) than the good client (127.0.0.1), as a hostile device on the
network would. Every loop is bounded in count and in time."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from wyoming.event import Event, async_read_event, async_write_event

from ..build.measure import Clip
from .stress_fuzz import FORMATS, fuzz_connections
from .stress_fuzz import frame as raw_frame

FMT = FORMATS[0]
CHUNK_BYTES = 2048
ANSWER_TIMEOUT = 60.0  # seconds a well-formed client waits for its transcript


def pcm16(clip: Clip) -> bytes:
    return bytes((np.clip(clip.audio, -1.0, 1.0) * 32767).astype("<i2").tobytes())


def attacker_address(index: int) -> str:
    return f"127.0.{1 + index // 250}.{2 + index % 250}"


async def connect(
    port: int, address: str = "127.0.0.1"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0), limit=1 << 20)


def frame(event: Event) -> bytes:
    return raw_frame(event.type, event.data or None, event.payload or b"")


async def transcribe(
    port: int,
    pcm: bytes,
    address: str = "127.0.0.1",
    on_stop: Callable[[], None] | None = None,
    token: str | None = None,
) -> tuple[str, float]:
    """One utterance as Home Assistant sends it; the text and the seconds from audio-stop.
    With `on_stop`: the server has read all the audio (a `ping` answered) before `audio-stop`
    is sent, and `on_stop` is called then."""
    reader, writer = await connect(port, address)
    try:
        request: dict[str, Any] = {"language": "en"}
        if token is not None:
            request["context"] = {"token": token}
        writer.write(frame(Event("transcribe", request)))
        writer.write(frame(Event("audio-start", FMT)))
        for offset in range(0, len(pcm), CHUNK_BYTES):
            writer.write(frame(Event("audio-chunk", FMT, pcm[offset : offset + CHUNK_BYTES])))
            await writer.drain()
        if on_stop is not None:
            await async_write_event(Event("ping"), writer)
            async with asyncio.timeout(ANSWER_TIMEOUT):
                while (event := await async_read_event(reader)) is not None:
                    if event.type == "pong":
                        break
        await async_write_event(Event("audio-stop"), writer)
        if on_stop is not None:
            on_stop()
        stopped = time.perf_counter()
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while (event := await async_read_event(reader)) is not None:
                if event.type == "transcript":
                    return str(event.data.get("text", "")), time.perf_counter() - stopped
                if event.type == "error":
                    raise RuntimeError(f"error {event.data.get('code')}")
        raise RuntimeError("closed without a transcript")
    finally:
        writer.close()


@dataclass
class GoodClient:
    """Transcribes `clips` in turn until stopped; compares each text with the baseline."""

    port: int
    clips: Sequence[Clip]
    expected: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    wrong: int = 0
    lost: int = 0
    failures: list[str] = field(default_factory=list)
    token: str | None = None  # sent in `transcribe` (servers with --require-token)

    async def baseline(self, rounds: int) -> list[float]:
        latencies = []
        for _ in range(rounds):
            for clip in self.clips:
                text, latency = await transcribe(self.port, pcm16(clip), token=self.token)
                self.expected.setdefault(clip.name, text)
                latencies.append(latency)
        return latencies

    async def run(self, stop: asyncio.Event, max_utterances: int = 10_000) -> None:
        for index in range(max_utterances):
            if stop.is_set():
                return
            clip = self.clips[index % len(self.clips)]
            try:
                text, latency = await transcribe(self.port, pcm16(clip), token=self.token)
            except (OSError, RuntimeError, TimeoutError) as error:
                self.lost += 1
                self.failures.append(f"{clip.name}: {error}")
                continue
            self.latencies.append(latency)
            if text != self.expected.get(clip.name, text):
                self.wrong += 1
                self.failures.append(f"{clip.name}: {text!r}")


async def _read_until_closed(reader: asyncio.StreamReader, within: float) -> tuple[int, bool]:
    """The `error` events read until the server closes; (errors, closed in time)."""
    errors = 0
    try:
        async with asyncio.timeout(within):
            while (event := await async_read_event(reader)) is not None:
                errors += event.type == "error"
    except TimeoutError:
        return errors, False
    except (OSError, ValueError):
        pass
    return errors, True


async def fuzz(port: int, *, seed: int, events: int, within: float) -> dict[str, Any]:
    """Every fuzz connection: frames written, then half-closed; the server must answer and
    close within `within` seconds (else it is a hang)."""
    counts = {"events": events, "connections": 0, "errors_received": 0, "hangs": 0}
    semaphore = asyncio.Semaphore(8)

    async def one(index: int, frames: list[tuple[str, bytes]]) -> None:
        async with semaphore:
            reader, writer = await connect(port, attacker_address(index % 8))
            try:
                for _name, data in frames:
                    writer.write(data)
                with contextlib.suppress(OSError):
                    await writer.drain()
                    writer.write_eof()
                errors, closed = await _read_until_closed(reader, within)
                counts["errors_received"] += errors
                counts["hangs"] += not closed
            except OSError:
                pass
            finally:
                writer.close()
            counts["connections"] += 1

    connections = fuzz_connections(seed, events)
    await asyncio.gather(*(one(i, frames) for i, frames in enumerate(connections)))
    return counts


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


DISCONNECT_KINDS = (
    "before-any-event",
    "mid-header",
    "mid-payload",
    "mid-utterance",
    "reset-mid-utterance",
    "after-audio-stop",
    "reset-after-audio-stop",
    "half-close-after-audio-stop",
)


async def disconnects(port: int, pcm: bytes, *, count: int) -> dict[str, Any]:
    """`count` clients that leave at every point of an utterance, in turn."""
    audio = b"".join(
        frame(Event("audio-chunk", FMT, pcm[o : o + CHUNK_BYTES]))
        for o in range(0, min(len(pcm), 64000), CHUNK_BYTES)
    )
    start = frame(Event("transcribe", {"language": "en"})) + frame(Event("audio-start", FMT))
    stop = frame(Event("audio-stop"))
    done = dict.fromkeys(DISCONNECT_KINDS, 0)
    semaphore = asyncio.Semaphore(8)

    async def one(index: int) -> None:
        kind = DISCONNECT_KINDS[index % len(DISCONNECT_KINDS)]
        async with semaphore:
            reader, writer = await connect(port, attacker_address(index % 8))
            with contextlib.suppress(OSError):
                if kind == "mid-header":
                    writer.write(b'{"type": "audio-st')
                elif kind == "mid-payload":
                    writer.write(start + audio[: len(audio) // 2 + 7])
                elif kind in ("mid-utterance", "reset-mid-utterance"):
                    writer.write(start + audio)
                elif kind != "before-any-event":
                    writer.write(start + audio + stop)
                await writer.drain()
                await asyncio.sleep(0.05)
                if kind == "half-close-after-audio-stop":
                    writer.write_eof()
                    await _read_until_closed(reader, ANSWER_TIMEOUT)
                if kind.startswith("reset"):
                    _reset(writer)
            writer.close()
            done[kind] += 1

    await asyncio.gather(*(one(i) for i in range(count)))
    return {"clients": count, "by_kind": done}


async def slowloris(port: int, *, count: int, bound: float) -> dict[str, Any]:
    """`count` clients writing a header one byte per second: each must be closed within
    `bound` (+1 s of slack); reports how long the server took."""
    header = frame(Event("describe"))

    async def one(index: int) -> float | None:
        reader, writer = await connect(port, attacker_address(index % 4))
        started = time.perf_counter()
        closed = asyncio.create_task(_read_until_closed(reader, bound + 30))
        try:
            for byte in header:
                if closed.done():
                    break
                with contextlib.suppress(OSError):
                    writer.write(bytes([byte]))
                    await writer.drain()
                await asyncio.wait([closed], timeout=1.0)
            _errors, in_time = await closed
            return time.perf_counter() - started if in_time else None
        finally:
            writer.close()

    seconds = await asyncio.gather(*(one(i) for i in range(count)))
    closed_at = [s for s in seconds if s is not None]
    return {
        "clients": count,
        "bound_s": bound,
        "closed_within_bound": sum(s <= bound + 1.0 for s in closed_at),
        "hangs": count - len(closed_at),
        "slowest_close_s": round(max(closed_at, default=0.0), 2),
    }


async def parked(
    port: int,
    *,
    connections: int,
    seconds: float,
    rounds: int,
    addresses: int,
    hold: float,
    rss: Callable[[], float] | None = None,
    settle: float = 60.0,
) -> dict[str, Any]:
    """The issue's attack: `connections` clients (from `addresses` addresses) each send
    `seconds` of 48 kHz / 32-bit / stereo audio and never `audio-stop`; then they leave.
    With `rss` (the server's RSS, say), each round reports it before the round, at its peak
    (read every 50 ms) and 2 s after the round's clients left (`each_round`: [before, peak,
    after]); after the last round it is read until it settles (`settled`, at most `settle`
    seconds)."""
    wide = {"rate": 48000, "width": 4, "channels": 2}
    samples = int(48000 * seconds) * 2
    noise = np.random.default_rng(0).integers(-(2**28), 2**28, size=samples, dtype=np.int32)
    pcm = noise.astype("<i4").tobytes()
    chunk = 48000 * 8 // 10  # 0.1 s
    counts: dict[str, Any] = {
        "rounds": rounds,
        "connections": connections,
        "refused": 0,
        "accepted": 0,
    }
    each_round: list[list[float]] = []

    async def one(index: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await connect(port, attacker_address(index % addresses))
        with contextlib.suppress(OSError):
            writer.write(frame(Event("audio-start", wide)))
            for offset in range(0, len(pcm), chunk):
                writer.write(frame(Event("audio-chunk", wide, pcm[offset : offset + chunk])))
                await writer.drain()
            writer.write(frame(Event("ping")))
            await writer.drain()
        return reader, writer

    for _ in range(rounds):
        peak = PeakReader(rss) if rss is not None else None
        clients = await asyncio.gather(*(one(i) for i in range(connections)))

        async def answer(reader: asyncio.StreamReader) -> None:
            with contextlib.suppress(TimeoutError, OSError, ValueError):
                async with asyncio.timeout(120):
                    event = await async_read_event(reader)
                    counts["refused" if event is None or event.type == "error" else "accepted"] += 1

        await asyncio.gather(*(answer(reader) for reader, _writer in clients))
        await asyncio.sleep(hold)
        for _reader, writer in clients:
            writer.close()
        await asyncio.sleep(2.0)
        if peak is not None:
            highest = await peak.stop()
            each_round.append([round(value, 1) for value in (peak.first, highest, peak.read())])
    if rss is not None:
        counts["each_round"] = each_round
        counts["settled"] = await settled(rss, within=settle)
    return counts


class PeakReader:
    """The highest of `read()` (the server's RSS), read every 50 ms until stopped; `first` is
    the value when it started."""

    def __init__(self, read: Callable[[], float]) -> None:
        self.read = read
        self.first = read()
        self.peak = self.first
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            self.peak = max(self.peak, self.read())

    async def stop(self) -> float:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return max(self.peak, self.read())


async def settled(read: Callable[[], float], *, within: float) -> list[float]:
    """`read()` (the server's RSS) each second until it has not fallen for 5 s, or for
    `within` seconds: [the value it settled at, the seconds it took]."""
    values = [read()]
    for _ in range(int(within)):
        if len(values) > 5 and min(values[-5:]) >= min(values[:-5]):
            break
        await asyncio.sleep(1.0)
        values.append(read())
    return [round(min(values), 1), float(len(values) - 1)]


async def connection_flood(port: int, *, count: int, hold: float) -> dict[str, Any]:
    """`count` connections opened and held (descriptor exhaustion), then closed; counts the
    `error` events they got (refused at once, or closed later to make room)."""
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    failed = 0
    for index in range(count):
        try:
            held.append(await connect(port, attacker_address(index % 200)))
        except OSError:
            failed += 1
    await asyncio.sleep(hold)
    errors = 0
    for reader, writer in held:
        with contextlib.suppress(TimeoutError, OSError, ValueError):
            async with asyncio.timeout(0.05):
                event = await async_read_event(reader)
                errors += event is not None and event.type == "error"
        writer.close()
    return {"connections": count, "errors_received": errors, "connect_failed": failed}


async def token_flood(
    wyoming_port: int, ops_port: int, *, attempts: int, addresses: int, within: float
) -> dict[str, Any]:
    """Wrong tokens, half in Wyoming `transcribe` events and half on the operations API, from
    `addresses` client addresses, eight at a time; what came back, and attempts that hung."""
    outcomes: Counter[str] = Counter()
    gate = asyncio.Semaphore(8)

    async def wyoming(index: int) -> None:
        reader, writer = await connect(wyoming_port, attacker_address(index % addresses))
        try:
            request = {"language": "en", "context": {"token": f"wrong-{index}"}}
            writer.write(frame(Event("transcribe", request)))
            writer.write(frame(Event("audio-start", FMT)))
            writer.write(frame(Event("audio-stop")))
            await writer.drain()
            event = await async_read_event(reader)
            outcomes[f"wyoming {event.data.get('code') if event else 'closed'}"] += 1
        finally:
            writer.close()

    async def api(index: int) -> None:
        reader, writer = await connect(ops_port, attacker_address(index % addresses))
        try:
            writer.write(
                b"GET /api/info HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer wrong-" + str(index).encode() + b"\r\n\r\n"
            )
            status = (await reader.readline()).split(b" ")
            outcomes[f"api {status[1].decode() if len(status) > 1 else 'closed'}"] += 1
        finally:
            writer.close()

    async def one(index: int) -> None:
        async with gate:
            try:
                async with asyncio.timeout(within):
                    await (wyoming if index % 2 == 0 else api)(index)
            except TimeoutError:
                outcomes["hangs"] += 1
            except OSError:
                outcomes["connection failed"] += 1

    await asyncio.gather(*(one(i) for i in range(attempts)))
    return {"attempts": attempts, "addresses": addresses, **dict(sorted(outcomes.items()))}
