"""One utterance of one client: its audio, and its streaming partial transcripts.

Audio goes into the pipeline as it arrives (`PipelineStream.feed`, on a worker thread, one
piece at a time and in order), so conversion and denoising are done by the time the client
sends `audio-stop`, and only VAD and the recognizer remain between `audio-stop` and the
transcript.

While audio arrives, a streaming utterance runs VAD and the recognizer on the audio converted
and denoised so far every `partial_interval` seconds of new audio, on a worker thread and
never more than one such run at a time, and sends the stable words as `transcript-chunk`s
(see `partial_text.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from ..asr_service import AsrService, Engine
from ..audio.convert import AudioFormat
from ..pipeline import PipelineResult, PipelineStream
from .partial_text import PartialText, normalize

_LOGGER = logging.getLogger(__name__)

# At most this much audio per call into the pipeline: a client that sends a whole recording at
# once is denoised in pieces too, which bounds the temporary buffers (a few MB for a long
# utterance in one piece) and lets other clients' work interleave.
FEED_SECONDS = 0.5


class StreamingClient(Protocol):
    """Where a streaming utterance sends its events."""

    async def send_transcript_start(self, language: str) -> None: ...

    async def send_chunk(self, text: str) -> None: ...


class Utterance:
    """Audio buffered from `audio-start` to `audio-stop`, bound to the engine it started on."""

    def __init__(
        self,
        service: AsrService,
        client: StreamingClient,
        fmt: AudioFormat,
        *,
        streaming: bool,
        language: str | None,
    ) -> None:
        self.service = service
        self.client = client
        # Taken once: a reload or settings change during the utterance does not affect it.
        self.engine: Engine = service.engine
        self.format = fmt
        self.streaming = streaming
        self.language = language or self.engine.settings.language
        self.received_bytes = 0
        self._stream: PipelineStream = self.engine.pipeline.stream(fmt)
        self._unfed = bytearray()
        self._in_flight = 0  # bytes of the piece being fed on a worker thread
        self._fed_bytes = 0  # bytes through conversion and denoising
        self._feeding: asyncio.Task[None] | None = None
        self._feed_error: Exception | None = None
        self._text = PartialText()
        self._partial_task: asyncio.Task[None] | None = None
        self._partial_seconds = 0.0
        # Serializes partial and final stream events so that chunks stay in order.
        self._stream_lock = asyncio.Lock()
        self._stream_started = False
        self._final_started = False
        self._cancelled = False

    @property
    def seconds(self) -> float:
        return self.format.seconds(self.received_bytes)

    @property
    def pending_bytes(self) -> int:
        """Audio received but not through conversion and denoising yet."""
        return len(self._unfed) + self._in_flight

    def add(self, pcm: bytes) -> None:
        self.received_bytes += len(pcm)
        self._unfed += pcm
        if self._feeding is None and not self._cancelled:
            self._feeding = asyncio.create_task(self._feed())

    async def finish(self) -> PipelineResult:
        """The final result on all the audio (runs on a worker thread)."""
        if self._feeding is not None:
            # Shielded: if this wait is cancelled, the piece on its thread still completes.
            await asyncio.shield(self._feeding)
        if self._feed_error is not None:
            self._stream.close()
            raise self._feed_error
        pcm, self._unfed = bytes(self._unfed), bytearray()
        return await self.service.run_blocking(self._stream.finish, pcm)

    async def _feed(self) -> None:
        """Feed the audio received so far to the pipeline, piece by piece, until none is left."""
        try:
            piece = max(1, int(self.format.bytes_per_second * FEED_SECONDS))
            while self._unfed and not self._cancelled and self._feed_error is None:
                pcm = bytes(self._unfed[:piece])
                del self._unfed[:piece]
                self._in_flight = len(pcm)
                await self.service.run_blocking(self._stream.feed, pcm)
                self._in_flight = 0
                self._fed_bytes += len(pcm)
                self._maybe_start_partial()
        except Exception as error:  # reported by finish(): the client gets an error event
            self._feed_error = error
        finally:
            self._feeding = None
            self._in_flight = 0

    async def send_final_chunk(self, text: str) -> None:
        """Complete the streamed text with the rest of the final `text`."""
        async with self._stream_lock:
            self._final_started = True
            await self._start_stream()
            chunk = self._text.finish(text)
            if chunk is None:
                _LOGGER.debug("Partial %r is not a prefix of final %r", self._text.text, text)
            elif chunk:
                await self.client.send_chunk(chunk)

    def cancel(self) -> None:
        """Forget the audio; a partial run still on a thread is ignored when it ends."""
        self._cancelled = True
        # The pipeline stream (and its RNNoise state) is freed when the last reference to it
        # goes, which may be a piece still being fed on a worker thread: never close it here.
        self._unfed = bytearray()
        if self._partial_task is not None:
            self._partial_task.cancel()

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
            result = await self.service.run_blocking(self._stream.partial)
        except Exception:
            _LOGGER.debug("Partial transcription failed", exc_info=True)
            return
        finally:
            self._partial_task = None
        async with self._stream_lock:
            if self._cancelled or self._final_started:
                return
            chunk = self._text.update(normalize(result.text))
            if chunk:
                try:
                    await self._start_stream()
                    await self.client.send_chunk(chunk)
                except ConnectionError:
                    return
        self._maybe_start_partial()

    async def _start_stream(self) -> None:
        if not self._stream_started:
            self._stream_started = True
            await self.client.send_transcript_start(self.language)
