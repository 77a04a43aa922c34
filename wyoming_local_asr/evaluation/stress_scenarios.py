"""The scenarios of the stress suite (`stress.py` runs them): each attack gets a `Context` and
returns its own counts; `hangs`, `wrong` and `lost` in them add to the scenario's totals."""

from __future__ import annotations

import asyncio
import signal
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event

from ..build.measure import Clip
from ..config import DEFAULT_MAX_AUDIO_MB
from ..ops.system import read_status_mb
from . import stress_clients as clients
from .server_bench import ServerProcess

# Every stress server: slow frames closed after 2 s (fuzz frames that announce more than
# they send, slowloris), idle connections after 60 s.
FRAME_TIMEOUT = 2.0
SERVER_ARGS = ("--frame-timeout", str(FRAME_TIMEOUT), "--idle-timeout", "60")
SETTLE_SECONDS = 2.0


@dataclass(frozen=True)
class Size:
    fuzz_events: int
    concurrent_clients: int
    disconnects: int
    slowloris: int
    parked_connections: int
    parked_seconds: float
    parked_rounds: int
    flood_connections: int
    nofile: int
    reloads: int
    sigterm_clients: int
    good_clips: int
    token_flood: int


LONG = Size(6000, 50, 500, 20, 40, 29.0, 3, 400, 160, 8, 8, 6, 2000)
SHORT = Size(400, 6, 40, 4, 8, 5.0, 2, 120, 128, 2, 3, 2, 200)


@dataclass
class Context:
    """What an attack gets: the server, the sizes, and the good client's clips."""

    server: ServerProcess
    size: Size
    clips: list[Clip]
    ops_port: int
    token: str


Attack = Callable[[Context], Awaitable[dict[str, Any]]]


async def health(port: int) -> bool:
    """GET /api/health on the operations API answers 200."""
    try:
        async with asyncio.timeout(10):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            status = await reader.readline()
            writer.close()
    except (OSError, TimeoutError):
        return False
    return b" 200 " in status


async def _fuzz(ctx: Context) -> dict[str, Any]:
    return await clients.fuzz(
        ctx.server.port, seed=12, events=ctx.size.fuzz_events, within=FRAME_TIMEOUT + 20
    )


async def _concurrent(ctx: Context) -> dict[str, Any]:
    """Many well-formed clients at once, from their own addresses, each checked."""
    others = [
        clients.GoodClient(ctx.server.port, ctx.clips, expected=GOOD_EXPECTED)
        for _ in range(ctx.size.concurrent_clients)
    ]

    async def run(index: int, client: clients.GoodClient) -> None:
        clip = ctx.clips[index % len(ctx.clips)]
        address = clients.attacker_address(index)
        try:
            text, latency = await clients.transcribe(ctx.server.port, clients.pcm16(clip), address)
        except (OSError, RuntimeError, TimeoutError) as error:
            client.lost += 1
            client.failures.append(str(error))
            return
        client.latencies.append(latency)
        client.wrong += text != GOOD_EXPECTED.get(clip.name, text)

    await asyncio.gather(*(run(i, c) for i, c in enumerate(others)))
    latencies = [s for c in others for s in c.latencies]
    return {
        "clients": len(others),
        "wrong": sum(c.wrong for c in others),
        "lost": sum(c.lost for c in others),
        "median_latency_ms": round(1000 * statistics.median(latencies)) if latencies else None,
    }


async def _disconnects(ctx: Context) -> dict[str, Any]:
    pcm = clients.pcm16(ctx.clips[0])
    return await clients.disconnects(ctx.server.port, pcm, count=ctx.size.disconnects)


async def _slowloris(ctx: Context) -> dict[str, Any]:
    return await clients.slowloris(ctx.server.port, count=ctx.size.slowloris, bound=FRAME_TIMEOUT)


async def _parked(ctx: Context) -> dict[str, Any]:
    """The RSS of each round against the server's audio budget (the stress server runs with
    the default `--max-audio-mb`)."""
    pid = str(ctx.server.process.pid)
    counts = await clients.parked(
        ctx.server.port,
        connections=ctx.size.parked_connections,
        seconds=ctx.size.parked_seconds,
        rounds=ctx.size.parked_rounds,
        addresses=4,
        hold=2.0,
        rss=lambda: read_status_mb({"VmRSS"}, pid=pid).get("VmRSS", 0.0),
        settle=120.0,
    )
    return {**counts, "audio_budget_mb": DEFAULT_MAX_AUDIO_MB}


async def _descriptors(ctx: Context) -> dict[str, Any]:
    checks: list[bool] = []
    flooding = asyncio.create_task(
        clients.connection_flood(ctx.server.port, count=ctx.size.flood_connections, hold=3.0)
    )
    for _ in range(200):  # every 0.1 s while the flood holds its connections
        if flooding.done():
            break
        checks.append(await health(ctx.ops_port))
        await asyncio.sleep(0.1)
    result = await flooding
    log = "".join(ctx.server.log)
    return {
        **result,
        "nofile": ctx.size.nofile,
        "health_answered": f"{sum(checks)}/{len(checks)}",
        "health_failed": len(checks) - sum(checks),
        "log_out_of_descriptors": log.count("Cannot accept connections"),
        # "Too many open files" outside the one rate-limited report: a flooded log.
        "log_unthrottled_descriptor_errors": sum(
            "Too many open files" in line and "Cannot accept connections" not in line
            for line in log.splitlines()
        ),
        "log_refused_lines": log.count("Refused a client"),
    }


async def _token_flood(ctx: Context) -> dict[str, Any]:
    """Wrong tokens on both ports, 40 from each address, while the good client (with its
    valid token) transcribes: each attempt is refused, most of them unverified once an address
    has spent its failures."""
    attempts = ctx.size.token_flood
    result = await clients.token_flood(
        ctx.server.port, ctx.ops_port, attempts=attempts, addresses=attempts // 40, within=30
    )
    return {**result, "hangs": result.get("hangs", 0)}


async def _reload(ctx: Context) -> dict[str, Any]:
    statuses = []
    for _ in range(ctx.size.reloads):
        async with asyncio.timeout(120):
            reader, writer = await asyncio.open_connection("127.0.0.1", ctx.ops_port)
            writer.write(
                b"POST /api/model/reload HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer " + ctx.token.encode() + b"\r\nContent-Length: 0\r\n\r\n"
            )
            statuses.append((await reader.readline()).split(b" ")[1].decode())
            writer.close()
    return {"reloads": len(statuses), "ok": statuses.count("200")}


async def _sigterm(ctx: Context) -> dict[str, Any]:
    """Clients whose audio is complete, and clients mid-utterance, when SIGTERM comes."""
    port = ctx.server.port
    pcm = clients.pcm16(ctx.clips[0])
    stopped: list[bool] = []
    finishing = [
        asyncio.create_task(
            clients.transcribe(
                port, pcm, clients.attacker_address(i), on_stop=lambda: stopped.append(True)
            )
        )
        for i in range(ctx.size.sigterm_clients)
    ]
    mid = [await clients.connect(port, clients.attacker_address(100 + i)) for i in range(3)]
    for _reader, writer in mid:
        writer.write(clients.frame(Event("audio-start", clients.FMT)))
        writer.write(clients.frame(Event("audio-chunk", clients.FMT, pcm[:32000])))
        await writer.drain()
    for _ in range(600):  # until every finishing client has sent audio-stop (60 s at most)
        if len(stopped) == len(finishing):
            break
        await asyncio.sleep(0.1)
    ctx.server.process.send_signal(signal.SIGTERM)
    results = await asyncio.gather(*finishing, return_exceptions=True)
    stopping = 0
    for reader, writer in mid:
        errors, _closed = await clients._read_until_closed(reader, 30)
        stopping += errors
        writer.close()
    exit_code = await asyncio.to_thread(ctx.server.process.wait, 60)
    completed = [r for r in results if isinstance(r, tuple)]
    expected = GOOD_EXPECTED.get(ctx.clips[0].name, "")
    return {
        "clients_finishing": len(finishing),
        "transcribed": len(completed),
        "refused_server_stopping": sum(
            isinstance(r, RuntimeError) and "server-stopping" in str(r) for r in results
        ),
        "mid_utterance_errors": f"{stopping}/{len(mid)}",
        "exit_code": exit_code,
        "wrong": sum(not text.startswith(expected) for text, _ in completed),
    }


@dataclass(frozen=True)
class Scenario:
    name: str
    attack: Attack
    args: tuple[str, ...] = ()
    nofile: bool = False
    good_client: bool = True  # the good client transcribes during the attack
    requires_token: bool = False  # the server runs with --require-token
    exits: bool = False  # the attack stops the server


SCENARIOS = (
    Scenario("protocol fuzzing", _fuzz),
    Scenario("concurrent clients", _concurrent),
    Scenario("disconnects of every kind", _disconnects),
    Scenario("slowloris", _slowloris),
    Scenario("parked utterances", _parked),
    Scenario("descriptor exhaustion", _descriptors, nofile=True),
    Scenario("token flood on both ports", _token_flood, requires_token=True),
    Scenario("model reload under load", _reload),
    Scenario(
        "SIGTERM under load",
        _sigterm,
        args=("--shutdown-grace", "60"),
        good_client=False,
        exits=True,
    ),
)
# The good client's transcript of each clip without any attack (filled by the first baseline).
GOOD_EXPECTED: dict[str, str] = {}
