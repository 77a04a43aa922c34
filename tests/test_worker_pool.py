"""The worker pool's order: finals first, then an utterance's remaining audio, then audio as it
arrives (least converted first), partials, and the work of clients that have closed their
side; work whose client has gone is dropped when its turn comes."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import Future
from typing import Any

import pytest

from wyoming_local_asr.worker_pool import Dropped, Priority, WorkerPool, client_address


def blocked_pool() -> tuple[WorkerPool, threading.Event]:
    """One thread, held by a piece of work until the event is set."""
    pool = WorkerPool(1, name="test-pool")
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(30)

    pool.submit(hold)
    assert started.wait(30)
    return pool, release


def test_finals_run_before_everybody_s_audio_work() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    futures = [
        pool.submit(ran.append, name, priority=priority)
        for name, priority in [
            ("left", Priority.LEFT),
            ("chunk", Priority.CHUNK),
            ("partial", Priority.PARTIAL),
            ("finishing", Priority.FINISHING),
            ("final", Priority.FINAL),
        ]
    ]
    release.set()
    for future in futures:
        future.result(30)
    assert ran == ["final", "finishing", "chunk", "partial", "left"]
    pool.shutdown()


def submit_as(pool: WorkerPool, address: str, *args: Any, **kwargs: Any) -> Future[Any]:
    """Submit from a task of the client at `address` (as the server's connections do)."""
    context = contextvars.copy_context()
    context.run(client_address.set, address)
    return context.run(pool.submit, *args, **kwargs)


def test_clients_take_turns_by_address() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    futures = [  # an address parking ten utterances' pieces, then a client with one piece
        submit_as(pool, "127.0.1.2", ran.append, f"parked-{i}", priority=Priority.CHUNK)
        for i in range(10)
    ]
    futures += [
        submit_as(pool, "127.0.1.3", ran.append, "other-0", priority=Priority.CHUNK),
        submit_as(pool, "127.0.0.1", ran.append, "good", priority=Priority.CHUNK),
        submit_as(pool, "127.0.1.3", ran.append, "other-1", priority=Priority.CHUNK),
    ]
    release.set()
    for future in futures:
        future.result(30)
    assert ran[:3] == ["parked-0", "other-0", "good"]  # one piece of each address, in turn
    assert ran[3:5] == ["parked-1", "other-1"]
    assert ran[5:] == [f"parked-{i}" for i in range(2, 10)]
    pool.shutdown()


def test_a_new_address_gets_no_credit_for_the_past() -> None:
    pool = WorkerPool(1)
    for _ in range(20):  # an address that has been served much
        submit_as(pool, "busy", sum, [1]).result(30)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        held.set()
        release.wait(30)

    submit_as(pool, "busy", hold)
    assert held.wait(30)
    ran: list[str] = []
    futures = [
        submit_as(pool, address, ran.append, f"{address}-{i}", priority=Priority.CHUNK)
        for address in ("busy", "new")
        for i in range(3)
    ]
    release.set()
    for future in futures:
        future.result(30)
    # The new address starts at the current turn: taking turns, not first until it has
    # had as much as the busy one had since the start.
    assert ran == ["new-0", "busy-0", "new-1", "busy-1", "new-2", "busy-2"]
    pool.shutdown()


def test_priority_is_asked_when_the_turn_comes() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    stopped = [False]  # this utterance's audio-stop arrives while its piece waits
    first = pool.submit(ran.append, "other", priority=Priority.CHUNK)
    mine = pool.submit(
        ran.append,
        "mine",
        priority=lambda: Priority.FINISHING if stopped[0] else Priority.CHUNK,
    )
    stopped[0] = True
    release.set()
    first.result(30)
    mine.result(30)
    assert ran == ["mine", "other"]
    pool.shutdown()


def test_work_of_a_client_that_has_gone_is_dropped() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    gone = [False]
    dropped = pool.submit(ran.append, "gone", priority=Priority.CHUNK, dropped=lambda: gone[0])
    kept = pool.submit(ran.append, "kept", priority=Priority.CHUNK)
    gone[0] = True
    release.set()
    kept.result(30)
    with pytest.raises(Dropped):
        dropped.result(30)
    assert ran == ["kept"]
    pool.shutdown()


def test_errors_reach_the_caller_and_the_thread_goes_on() -> None:
    pool = WorkerPool(1)

    def fail() -> None:
        raise ValueError("bad audio")

    def broken_priority() -> Priority:
        raise RuntimeError("asked and failed")

    with pytest.raises(ValueError, match="bad audio"):
        pool.submit(fail).result(30)
    assert pool.submit(sum, [1, 2], priority=broken_priority).result(30) == 3
    pool.shutdown()


def test_shutdown_cancels_waiting_work_and_refuses_new() -> None:
    pool, release = blocked_pool()
    waiting = pool.submit(print, "never")
    pool.shutdown()
    assert waiting.cancelled()
    release.set()
    with pytest.raises(RuntimeError):
        pool.submit(print, "late")


async def test_awaited_from_the_event_loop_and_cancelled_with_its_task() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    assert pool.busy == 1
    task = asyncio.create_task(pool.run(ran.append, "cancelled"))
    await asyncio.sleep(0)
    assert pool.busy == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await pool.run(ran.append, "awaited")
    assert ran == ["awaited"]
    pool.shutdown()
