"""Timeouts and connection limits: slow and idle clients are closed, a client over a limit
gets one `error` event, and the log says so once per interval."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import pytest
from server_helpers import RawClient, ServerFactory
from test_bad_input import assert_serves_next_client, error_of, wait_until_no_connections

from wyoming_local_asr.server.limits import LogOncePerInterval

SERVER_LOGGER = "wyoming_local_asr.server.wyoming_server"


async def test_slowloris_header_is_closed_within_the_bound(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(frame_timeout=1.0)
    assert server.port is not None
    header = json.dumps({"type": "describe", "version": "1.10.2"}).encode() + b"\n"

    async def slow_client() -> tuple[str, float]:
        client = await RawClient.connect(server.port or 0)
        started = time.monotonic()
        reading = asyncio.create_task(client.read())
        with contextlib.suppress(ConnectionError):
            for byte in header:
                if reading.done():
                    break
                await client.send_raw(bytes([byte]))
                await asyncio.sleep(0.2)  # 5 bytes per second: the header needs 9 s
        error = error_of(await reading)
        seconds = time.monotonic() - started
        with contextlib.suppress(ConnectionError):
            await client.close()
        return error.code, seconds

    results = await asyncio.wait_for(asyncio.gather(*(slow_client() for _ in range(5))), 20)
    for code, seconds in results:
        assert code == "event-timeout"
        assert seconds < 3.0
    await wait_until_no_connections(server)
    assert server.stats.timed_out == 5
    await assert_serves_next_client(server, goforward)


async def test_slowloris_closed_even_while_it_keeps_sending(start_server: ServerFactory) -> None:
    server = await start_server(frame_timeout=0.5)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    started = time.monotonic()
    closed = False
    for _ in range(50):  # at most 10 s
        try:
            await client.send_raw(b" ")
        except ConnectionError:
            closed = True
            break
        await asyncio.sleep(0.2)
        if server.connection_count == 0:
            closed = True
            break
    assert closed
    assert time.monotonic() - started < 3.0


async def test_idle_connection_is_closed(start_server: ServerFactory, goforward: bytes) -> None:
    server = await start_server(idle_timeout=0.5)
    assert server.port is not None
    idle = await RawClient.connect(server.port)
    # A client that keeps talking (Home Assistant's use) stays connected past the bound.
    busy = await RawClient.connect(server.port)
    for _ in range(6):
        await busy.send("ping", {"text": "hi"})
        pong = await busy.read()
        assert pong is not None and pong.type == "pong"
        await asyncio.sleep(0.2)
    assert error_of(await idle.read()).code == "idle-timeout"
    assert await idle.read() is None
    await idle.close()
    await busy.close()
    await wait_until_no_connections(server)
    await assert_serves_next_client(server, goforward)


async def test_connections_per_address_are_limited(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(max_connections_per_address=2)
    assert server.port is not None
    held = [await RawClient.connect(server.port) for _ in range(2)]
    for client in held:  # both are really served
        await client.send("ping")
        assert (await client.read()) is not None
    refused = [await RawClient.connect(server.port) for _ in range(4)]
    for client in refused:
        error = error_of(await client.read())
        assert error.code == "too-many-connections"
        assert await client.read() is None
        await client.close()
    assert server.stats.refused_over_limit == 4
    over = [r for r in caplog.records if r.name == SERVER_LOGGER and "Refused" in r.getMessage()]
    assert len(over) == 1  # once per interval
    await held[0].close()
    await asyncio.sleep(0.1)
    await assert_serves_next_client(server, goforward)
    await held[1].close()


async def test_connections_in_total_are_limited(start_server: ServerFactory) -> None:
    server = await start_server(max_connections=3, max_connections_per_address=100)
    assert server.port is not None
    held = [await RawClient.connect(server.port) for _ in range(3)]
    for client in held:
        await client.send("ping")
        assert (await client.read()) is not None
    extra = await RawClient.connect(server.port)
    assert error_of(await extra.read()).code == "too-many-connections"
    await extra.close()
    for client in held:
        await client.close()
    await wait_until_no_connections(server)
    assert server.limits.total == 3


def test_log_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = LogOncePerInterval(logging.getLogger("test.once"), interval=10.0, clock=lambda: now[0])
    logged = []
    for step in range(100):
        now[0] = step * 0.5  # 50 s of repeats, twice a second
        logged.append(log.warning("out of %s", "descriptors"))
    assert sum(logged) == 5
    messages = [r.getMessage() for r in caplog.records if r.name == "test.once"]
    assert messages[0] == "out of descriptors"
    assert messages[1] == "out of descriptors (19 more since the last report)"


async def test_at_the_total_limit_the_idlest_connection_makes_room(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(max_connections=3, max_connections_per_address=100)
    assert server.port is not None
    speaking = await RawClient.connect(server.port)  # an utterance open: never evicted
    await speaking.send("audio-start", {"rate": 16000, "width": 2, "channels": 1})
    idle = [await RawClient.connect(server.port) for _ in range(2)]
    for client in idle:
        await client.send("ping")
        assert (await client.read()) is not None
    await asyncio.sleep(1.2)
    newcomer = await RawClient.connect(server.port)
    await newcomer.send("ping")
    pong = await newcomer.read()
    assert pong is not None and pong.type == "pong"
    assert error_of(await idle[0].read()).code == "too-many-connections"
    assert await idle[0].read() is None
    assert server.stats.evicted == 1
    await speaking.send(
        "audio-chunk", {"rate": 16000, "width": 2, "channels": 1}, payload=goforward[:32000]
    )
    await speaking.send("audio-stop")
    transcript = await speaking.read()
    assert transcript is not None and transcript.type == "transcript"
    for client in (speaking, *idle, newcomer):
        await client.close()
