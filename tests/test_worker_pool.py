"""The worker pool's order: finals first, then an utterance's remaining audio, then audio as it
arrives (least converted first), partials, and the work of clients that have closed their
side; work whose client has gone is dropped when its turn comes."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wyoming_local_asr.worker_pool import Dropped, Priority, WorkerPool


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


def test_audio_work_goes_least_converted_first_then_in_arrival_order() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    futures = [
        pool.submit(ran.append, name, priority=Priority.CHUNK, order=order)
        for name, order in [("parked-a", 20.0), ("new", 0.0), ("parked-b", 20.0), ("mid", 5.0)]
    ]
    release.set()
    for future in futures:
        future.result(30)
    assert ran == ["new", "mid", "parked-a", "parked-b"]
    pool.shutdown()


def test_priority_is_asked_when_the_turn_comes() -> None:
    pool, release = blocked_pool()
    ran: list[str] = []
    stopped = [False]  # this utterance's audio-stop arrives while its piece waits
    first = pool.submit(ran.append, "other", priority=Priority.CHUNK, order=0.0)
    mine = pool.submit(
        ran.append,
        "mine",
        priority=lambda: Priority.FINISHING if stopped[0] else Priority.CHUNK,
        order=3.0,
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
