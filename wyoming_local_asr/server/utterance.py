"""One utterance of one client: its audio, and its streaming partial transcripts.

Audio goes into the pipeline as it arrives (`PipelineStream.feed`, on a worker thread, one
piece at a time and in order), so conversion and denoising are done by the time the client
sends `audio-stop`, and only VAD and the recognizer remain between `audio-stop` and the
transcript.

While audio arrives, a streaming utterance runs VAD and the recognizer on the audio converted
and denoised so far every `partial_interval` seconds of new audio (until the first segment of a
long dictation is cut: then the segments' texts are the partials), on a worker thread and
never more than one such run at a time, and sends the stable words as `transcript-chunk`s
(see `partial_text.py`).

Long dictation is recognized in segments as it arrives (`pipeline.py` cuts them at pauses):
each finished segment is recognized on a worker thread, one at a time and in order, its text
kept and its audio given back to the budget (`release`); a streaming client gets the segment's
words as a `transcript-chunk` at once. The final transcript joins every segment's text.

With endpointing (`end_silence`), the pipeline's VAD ends the command after that much silence
after speech: the utterance calls `on_end` (the handler then finishes it while the client may
still be sending) and ignores any audio that follows.

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
from ..audio.segments import Segment
from ..config import ENDPOINT_MAX_SECONDS
from ..pipeline import PipelineResult, PipelineStream
from ..worker_pool import Dropped, Priority
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
        end_silence: float | None = None,
        on_end: Callable[[], None] | None = None,
        release: Callable[[int], None] | None = None,
    ) -> None:
        """`end_silence`: endpointing, with this much silence after speech; `on_end` is called
        once when it ends the command. `release(bytes)` gives back the budget of audio that
        has been recognized."""
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
        self._stream: PipelineStream = self.engine.pipeline.stream(
            fmt,
            end_silence=end_silence,
            max_seconds=ENDPOINT_MAX_SECONDS if end_silence is not None else None,
        )
        self._on_end = on_end
        self._release = release
        self.ended = False  # endpointing ended the command
        self.segment_texts: list[str] = []
        self._segmenting: asyncio.Task[None] | None = None
        self._speculating: asyncio.Task[None] | None = None
        self._segment_error: Exception | None = None
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
    def stream(self) -> PipelineStream:
        """The pipeline stream that holds this utterance's audio (for the budget to watch)."""
        return self._stream

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

    @property
    def held_samples(self) -> int:
        """Converted samples held for recognition (every copy): bounded for long dictation."""
        return self._stream.held_samples

    @property
    def segments_waiting(self) -> bool:
        """Segments are cut and wait for (or are on) the recognizer."""
        return self._segmenting is not None

    def add(self, pcm: bytes) -> None:
        if self.ended:
            return  # endpointing ended the command: the rest is not listened to
        self.received_bytes += len(pcm)
        self._unfed += pcm
        if self._feeding is None and not self._cancelled:
            self._feeding = asyncio.create_task(self._feed())

    async def wait_fed(self) -> None:
        """Until the audio received so far is through conversion and denoising."""
        if self._feeding is not None:
            # Shielded: a cancelled wait (the server stopping) leaves the piece to complete.
            await asyncio.shield(self._feeding)

    async def wait_segments(self) -> None:
        """Until the segments cut so far are recognized (their audio then released)."""
        if self._segmenting is not None:
            await asyncio.shield(self._segmenting)

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
            if self._segmenting is not None:
                await asyncio.shield(self._segmenting)
            if self._speculating is not None:
                # Its result is the transcript if the command ended where it guessed.
                await asyncio.shield(self._speculating)
            error = self._feed_error or self._segment_error
            if error is not None:
                self._stream.close()
                raise error
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
            if self.ended:
                _LOGGER.debug(
                    "Endpointed after %.2f s; recognized ahead: %s",
                    result.audio_seconds,
                    stream.recognized_ahead,
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
                if self._stream.ended:
                    self._end()
                else:
                    self._maybe_speculate()
                self._maybe_start_segments()
                self._maybe_start_partial()
        except Dropped as dropped:
            # The utterance was cancelled (its client left) before this piece's turn: nothing
            # to report. The exception's traceback holds this frame (and the utterance: its
            # audio, resampler and denoiser), and the frames awaiting the work hold the
            # futures that hold the exception: a cycle that only a full garbage collection
            # frees, long after the heap was trimmed. Cut it.
            dropped.__traceback__ = None
        except Exception as error:  # reported by finish(): the client gets an error event
            self._feed_error = error
        finally:
            self._feeding = None
            self._in_flight = 0

    def _feed_priority(self) -> Priority:
        if not self._finish_requested:
            return Priority.CHUNK
        return Priority.LEFT if self._left() else Priority.FINISHING

    def _end(self) -> None:
        """Endpointing ended the command: drop what was not fed, tell the handler (once)."""
        if self.ended:
            return
        self.ended = True
        self._unfed = bytearray()
        if self._on_end is not None:
            self._on_end()

    def _maybe_speculate(self) -> None:
        """Endpointing: recognize the command at a pause that may end it (optional work: only
        on an idle worker)."""
        if self._speculating is not None or self._cancelled or not self.service.has_idle_worker:
            return
        if self._stream.speculation_due():
            self._speculating = asyncio.create_task(self._speculate())

    async def _speculate(self) -> None:
        try:
            await self.service.run_blocking(
                self._stream.speculate, priority=Priority.PARTIAL, dropped=lambda: self._cancelled
            )
        except Exception:
            _LOGGER.debug("Speculative recognition failed", exc_info=True)
        finally:
            self._speculating = None

    def _maybe_start_segments(self) -> None:
        if self._segmenting is None and not self._cancelled and self._stream.segments_cut:
            self._segmenting = asyncio.create_task(self._recognize_segments())

    async def _recognize_segments(self) -> None:
        """Recognize the segments cut so far, in order, one at a time (not optional work: they
        queue like a final)."""
        try:
            while not self._cancelled and (segment := self._stream.take_segment()) is not None:
                try:
                    result = await self.service.run_blocking(
                        self._stream.recognize_segment, segment
                    )
                finally:
                    self._give_back(segment)
                text = normalize(result.text)
                self.segment_texts.append(text)
                if self.streaming and text and not self._final_started and not self._cancelled:
                    # Final words: sent as they are, the partials go on from there.
                    chunk = self._text.finish(" ".join(t for t in self.segment_texts if t))
                    if chunk:
                        for event in [*self._start_events(), TranscriptChunk(text=chunk).event()]:
                            self.outbox.put_nowait(event)
        except Exception as error:  # reported by finish(): the client gets an error event
            self._segment_error = error
        finally:
            self._segmenting = None

    def _give_back(self, segment: Segment) -> None:
        samples = len(segment.audio) + (0 if segment.original is None else len(segment.original))
        amount = min(self.held_bytes, samples * 4)
        self.held_bytes -= amount
        if self._release is not None:
            self._release(amount)

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
        if self._stream.segments_cut:
            # Dictation: each segment's words go out when it is recognized. Partials on the
            # segment in the making would cost a recognition of it every interval, and could
            # send words its final text then changes.
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
            # On the audio converted and denoised since the last cut: nothing is denoised twice.
            cuts, result = await self.service.run_blocking(
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
        if cuts != len(self.segment_texts):
            self._maybe_start_partial()  # a segment's text is not in yet: this one is moot
            return
        done = " ".join(text for text in self.segment_texts if text)
        chunk = self._text.update(normalize(f"{done} {result.text}"))
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
