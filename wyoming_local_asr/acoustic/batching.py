"""Local micro-batching: utterances that reach the acoustic model within a short window share
one `OnnxAcousticModel.batch` call.

The caller that finds no batch being gathered gathers one: it waits up to `window_s` for
others (or until `max_batch` are waiting), takes them, runs them on its own thread and hands
each caller its result; a caller whose utterance did not fit waits for the next batch (and may
gather it). While one batch runs, the next can gather, so threads overlap as before. Off by
default (`--max-batch 1`); measured in docs/scaling.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Batch = Callable[[Sequence[NDArray[np.float32]]], list[NDArray[np.float32]]]


@dataclass(eq=False)  # compared by identity (`job in waiting`), never by its arrays
class _Job:
    audio: NDArray[np.float32]
    result: NDArray[np.float32] | None = None
    error: BaseException | None = None
    done: bool = False


class MicroBatcher:
    """`__call__(audio)` -> log-probabilities, as the model's own, from any thread."""

    def __init__(self, batch: Batch, window_s: float, max_batch: int) -> None:
        if window_s < 0 or max_batch < 1:
            raise ValueError("micro-batching needs window_s >= 0 and max_batch >= 1")
        self._batch = batch
        self.window_s = window_s
        self.max_batch = max_batch
        self._waiting: list[_Job] = []
        self._gathering = False
        self._changed = threading.Condition()

    def __call__(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        job = _Job(audio)
        with self._changed:
            self._waiting.append(job)
            self._changed.notify_all()
            while not job.done:
                if self._gathering or job not in self._waiting:
                    self._changed.wait()
                    continue
                jobs = self._gather()
                self._changed.release()
                try:
                    self._run(jobs)
                finally:
                    self._changed.acquire()
                    self._changed.notify_all()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def _gather(self) -> list[_Job]:
        """Up to `max_batch` waiting jobs once the window has passed or the batch is full
        (under the lock, which `wait` releases meanwhile)."""
        self._gathering = True
        deadline = time.monotonic() + self.window_s
        while len(self._waiting) < self.max_batch:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._changed.wait(remaining)
        jobs, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
        self._gathering = False
        self._changed.notify_all()  # a job left waiting may gather the next batch
        return jobs

    def _run(self, jobs: list[_Job]) -> None:
        try:
            results = self._batch([job.audio for job in jobs])
        except BaseException as error:  # every caller of the batch gets it
            for job in jobs:
                job.error, job.done = error, True
            return
        for job, result in zip(jobs, results, strict=True):
            job.result, job.done = result, True
