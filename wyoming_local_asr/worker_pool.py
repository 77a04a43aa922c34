"""The recognizer's worker threads, and the order in which waiting work runs on them.

A plain FIFO pool made every final recognition wait behind all the audio conversion and
denoising queued before it: with many clients streaming (or parking audio) on a starved CPU,
transcripts came after their clients had given up. Here each piece of work has a `Priority`,
asked again each time a thread looks for work (an utterance's remaining audio becomes urgent
at its `audio-stop`):

1. `FINAL`: a recognition at `audio-stop`; a client waits for it.
2. `FINISHING`: conversion and denoising of an utterance whose `audio-stop` has come (its
   final cannot start before).
3. `CHUNK`: conversion and denoising as audio arrives.
4. `PARTIAL`: a streaming partial transcript (optional: the utterance only asks for one when
   a thread is idle).
5. `LEFT`: the rest of an utterance whose client has closed its side after `audio-stop` (a
   half-close is legal and it still gets its transcript, but only after the work of clients
   that are still connected both ways).

Within a priority, clients take turns by address (start-time fair queueing with one unit per
piece of work): each piece gets a tag one above the previous piece of its address, and never
below the tag of the piece last taken, and the lowest tag goes first. An address with one
utterance therefore waits behind at most one piece of every other address, however many
connections those hold (40 parked utterances from 4 addresses delay a client as 4 would),
and clients that each hold one connection are served in turn, as a FIFO would. The address
is the one `client_address` holds in the submitting task's context (the server sets it for
each connection); work without one shares the address "".

Work whose `dropped` says so when its turn comes (the utterance was cancelled: its client
has gone) is not run: its future fails with `Dropped`.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

_T = TypeVar("_T")
# The address of the client on whose behalf work is submitted (set per connection).
client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")


class Priority(IntEnum):
    FINAL = 0
    FINISHING = 1
    CHUNK = 2
    PARTIAL = 3
    LEFT = 4


class Dropped(Exception):
    """The work was not run: its client had gone when its turn came."""


@dataclass
class _Work:
    priority: Callable[[], Priority]
    tag: int  # its address's turn
    seq: int
    dropped: Callable[[], bool]
    run: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)

    def key(self) -> tuple[int, float, int]:
        try:
            priority = int(self.priority())
        except Exception:  # a question that fails must not stop the thread asking it
            priority = int(Priority.CHUNK)
        return (priority, self.tag, self.seq)

    def is_dropped(self) -> bool:
        try:
            return bool(self.dropped())
        except Exception:
            return False


def _never() -> bool:
    return False


class WorkerPool:
    """`workers` threads taking the most urgent waiting work first (see the module text)."""

    def __init__(self, workers: int, name: str = "asr-worker") -> None:
        self.workers = workers
        self._waiting: list[_Work] = []
        self._lock = threading.Condition()
        self._seq = itertools.count()
        self._running = 0
        self._closed = False
        self._turn = 0  # the tag of the work last taken
        self._next_tag: dict[str, int] = {}  # per address, the tag its next work gets
        self._threads = [
            threading.Thread(target=self._serve, name=f"{name}_{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def busy(self) -> int:
        """Work waiting or running."""
        with self._lock:
            return len(self._waiting) + self._running

    def submit(
        self,
        function: Callable[..., _T],
        *args: Any,
        priority: Priority | Callable[[], Priority] = Priority.FINAL,
        dropped: Callable[[], bool] = _never,
    ) -> Future[_T]:
        ask = priority if callable(priority) else (lambda: priority)
        address = client_address.get()
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            tag = max(self._turn, self._next_tag.get(address, 0))
            self._next_tag[address] = tag + 1
            work = _Work(ask, tag, next(self._seq), dropped, lambda: function(*args))
            self._waiting.append(work)
            self._lock.notify()
        return work.future

    async def run(
        self,
        function: Callable[..., _T],
        *args: Any,
        priority: Priority | Callable[[], Priority] = Priority.FINAL,
        dropped: Callable[[], bool] = _never,
    ) -> _T:
        """`submit`, awaited from the event loop."""
        future = self.submit(function, *args, priority=priority, dropped=dropped)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """No new work; waiting work is cancelled; running work finishes on its thread."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, []
            self._lock.notify_all()
        for work in waiting:
            work.future.cancel()

    def _take(self) -> _Work | None:
        """The most urgent waiting work (under the lock); None once shut down."""
        while True:
            while not self._waiting and not self._closed:
                self._lock.wait()
            if self._closed:
                return None
            index = min(range(len(self._waiting)), key=lambda i: self._waiting[i].key())
            work = self._waiting.pop(index)
            self._advance(work.tag)
            if not work.future.set_running_or_notify_cancel():
                continue  # cancelled by whoever awaited it
            if not work.is_dropped():
                return work
            work.future.set_exception(Dropped("its client has gone"))
            # Not kept while this thread waits for more: it holds its utterance's audio.
            del work

    def _advance(self, tag: int) -> None:
        """The turn moves on to `tag`; addresses whose next tag it has passed are forgotten
        (they would start at the turn anyway), so the table holds only busy addresses."""
        if tag <= self._turn:
            return
        self._turn = tag
        if len(self._next_tag) > 64:
            self._next_tag = {a: t for a, t in self._next_tag.items() if t > tag}

    def _serve(self) -> None:
        while True:
            with self._lock:
                work = self._take()
                if work is None:
                    return
                self._running += 1
            try:
                work.future.set_result(work.run())
            except BaseException as error:  # handed to whoever awaits the work
                work.future.set_exception(error)
            finally:
                with self._lock:
                    self._running -= 1
