"""One utterance of one client: its audio, and its streaming partial transcripts.

Audio goes into the pipeline as it arrives (`PipelineStream.feed`, on a worker thread, one
piece at a time and in order), so conversion and denoising are done by the time the client
sends `audio-stop`, and only VAD and the recognizer remain between `audio-stop` and the
transcript.

While audio arrives, a streaming utterance runs VAD and the recognizer on the audio converted
and denoised so far every `partial_interval` seconds of new audio, on a worker thread and
never more than one such run at a time, and sends the stable words as `transcript-chunk`s
(see `partial_text.py`).

An utterance sends nothing itself: the events of its partial transcripts go into `outbox` (the
handler writes them as they come), and `finish` returns the final events for the handler to
send once the outbox is empty.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from wyoming.asr import Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.event import Event

from ..asr_service import AsrService, Engine
from ..audio.convert import AudioFormat
from ..pipeline import PipelineResult, PipelineStream
from ..worker_pool import Priority
from .partial_text import PartialText, normalize

_LOGGER = logging.getLogger(__name__)

# At most this much audio per call into the pipeline: a client that sends a whole recording at
# once is denoised in pieces too, which bounds the temporary buffers (a few MB for a long
# utterance in one piece) and lets other clients' work interleave.
FEED_SECONDS = 0.5


class Abandoned(Exception):
    """The client left before its utterance's turn on the recognizer."""


@dataclass(frozen=True)
class Finished:
    """The end of an utterance: the events to send, in order, and what the pipeline measured."""

    events: list[Event]
    text: str
    result: PipelineResult


class Utterance:
    """Audio buffered from `audio-start` to `audio-stop`, bound to the engine it started on."""

    def __init__(
        self,
        service: AsrService,
        fmt: AudioFormat,
        *,
        streaming: bool,
        language: str | None,
    ) -> None:
        self.service = service
        # Events of the partial transcripts, in order; None once no more will come.
        self.outbox: asyncio.Queue[Event | None] = asyncio.Queue()
        # Taken once: a reload or settings change during the utterance does not affect it.
        self.engine: Engine = service.engine
        self.format = fmt
        self.streaming = streaming
        self.language = language or self.engine.settings.language
        self.received_bytes = 0
        # Audio memory reserved in the server's budget for this utterance (the handler's).
        self.held_bytes = 0
        self._stream: PipelineStream = self.engine.pipeline.stream(fmt)
        self._unfed = bytearray()
        self._in_flight = 0  # bytes of the piece being fed on a worker thread
        self._fed_bytes = 0  # bytes through conversion and denoising
        self._feeding: asyncio.Task[None] | None = None
        self._feed_error: Exception | None = None
        self._text = PartialText()
        self._partial_task: asyncio.Task[None] | None = None
        self._partial_seconds = 0.0
        self._stream_started = False
        self._final_started = False
        self._cancelled = False
        # Set by finish(): the rest of the audio is needed for the final now.
        self._finish_requested = False
        self._left: Callable[[], bool] = lambda: False

    @property
    def seconds(self) -> float:
        return self.format.seconds(self.received_bytes)

    @property
    def max_seconds(self) -> float:
        return self.engine.settings.max_utterance_seconds

    @property
    def too_long(self) -> bool:
        return self.seconds > self.max_seconds

    @property
    def pending_bytes(self) -> int:
        """Audio received but not through conversion and denoising yet."""
        return len(self._unfed) + self._in_flight

    def add(self, pcm: bytes) -> None:
        self.received_bytes += len(pcm)
        self._unfed += pcm
        if self._feeding is None and not self._cancelled:
            self._feeding = asyncio.create_task(self._feed())

    async def wait_fed(self) -> None:
        """Until the audio received so far is through conversion and denoising."""
        if self._feeding is not None:
            # Shielded: a cancelled wait (the server stopping) leaves the piece to complete.
            await asyncio.shield(self._feeding)

    async def finish(
        self,
        abandoned: Callable[[], bool] = lambda: False,
        left: Callable[[], bool] = lambda: False,
    ) -> Finished:
        """The final transcript on all the audio (the pipeline runs on a worker thread), and
        the events that end the utterance: for a streaming client the rest of the text as a
        `transcript-chunk`, then `transcript` and `transcript-stop`; else `transcript`.

        `abandoned` is asked on the worker thread when the recognizer's turn comes: True (the
        client has gone) skips the work with `Abandoned`, so clients that send audio and
        reset do not hold up the others' transcripts. `left` (the client has closed its side)
        puts the rest of this utterance's work after that of clients still connected."""
        self._left, self._finish_requested = left, True
        try:
            if self._feeding is not None:
                # Shielded: if this wait is cancelled, the piece on its thread still completes.
                await asyncio.shield(self._feeding)
            if self._feed_error is not None:
                self._stream.close()
                raise self._feed_error
            pcm, self._unfed = bytes(self._unfed), bytearray()
            stream = self._stream

            def recognize() -> PipelineResult:
                if abandoned():
                    stream.close()
                    raise Abandoned
                return stream.finish(pcm)

            result = await self.service.run_blocking(
                recognize, priority=lambda: Priority.LEFT if left() else Priority.FINAL
            )
        finally:
            self._final_started = True  # no partial is queued after this
            self.outbox.put_nowait(None)
        text = normalize(result.text)
        events: list[Event] = []
        if self.streaming:
            events += self._start_events()
            chunk = self._text.finish(text)
            if chunk is None:
                _LOGGER.debug("Partial %r is not a prefix of final %r", self._text.text, text)
            elif chunk:
                events.append(TranscriptChunk(text=chunk).event())
        events.append(Transcript(text=text, language=self.language).event())
        if self.streaming:
            events.append(TranscriptStop().event())
        return Finished(events, text, result)

    async def _feed(self) -> None:
        """Feed the audio received so far to the pipeline, piece by piece, until none is left."""
        try:
            piece = max(1, int(self.format.bytes_per_second * FEED_SECONDS))
            while self._unfed and not self._cancelled and self._feed_error is None:
                pcm = bytes(self._unfed[:piece])
                del self._unfed[:piece]
                self._in_flight = len(pcm)
                await self.service.run_blocking(
                    self._stream.feed,
                    pcm,
                    priority=self._feed_priority,
                    dropped=lambda: self._cancelled,
                )
                self._in_flight = 0
                self._fed_bytes += len(pcm)
                self._maybe_start_partial()
        except Exception as error:  # reported by finish(): the client gets an error event
            self._feed_error = error
        finally:
            self._feeding = None
            self._in_flight = 0

    def _feed_priority(self) -> Priority:
        if not self._finish_requested:
            return Priority.CHUNK
        return Priority.LEFT if self._left() else Priority.FINISHING

    def cancel(self) -> None:
        """Forget the audio; a partial run still on a thread is ignored when it ends."""
        self._cancelled = True
        # The pipeline stream (and its RNNoise state) is freed when the last reference to it
        # goes, which may be a piece still being fed on a worker thread: never close it here.
        self._unfed = bytearray()
        if self._partial_task is not None:
            self._partial_task.cancel()
        self.outbox.put_nowait(None)

    def _maybe_start_partial(self) -> None:
        interval = self.engine.settings.partial_interval
        if not self.streaming or interval <= 0 or self._cancelled or self._final_started:
            return
        fed_seconds = self.format.seconds(self._fed_bytes)
        if self._partial_task is not None or fed_seconds - self._partial_seconds < interval:
            return
        if not self.service.has_idle_worker:
            return  # partials are optional: never queue one in front of another final
        self._partial_seconds = fed_seconds
        self._partial_task = asyncio.create_task(self._run_partial())

    async def _run_partial(self) -> None:
        try:
            # On the audio converted and denoised so far: nothing is denoised twice.
            result = await self.service.run_blocking(
                self._stream.partial,
                priority=Priority.PARTIAL,
                dropped=lambda: self._cancelled or self._final_started,
            )
        except Exception:
            _LOGGER.debug("Partial transcription failed", exc_info=True)
            return
        finally:
            self._partial_task = None
        if self._cancelled or self._final_started:
            return
        chunk = self._text.update(normalize(result.text))
        if chunk:
            for event in [*self._start_events(), TranscriptChunk(text=chunk).event()]:
                self.outbox.put_nowait(event)
        self._maybe_start_partial()

    def _start_events(self) -> list[Event]:
        """`transcript-start`, the first time the stream produces anything."""
        if self._stream_started:
            return []
        self._stream_started = True
        return [TranscriptStart(language=self.language).event()]
