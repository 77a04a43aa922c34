"""One client connection: Wyoming events in, `info`/`transcript`/`error` events out.

Protocol per utterance: optional `transcribe` (language, context), `audio-start`,
`audio-chunk`s, `audio-stop` -> `transcript`. A client that sent `transcribe` also gets the
streaming events Wyoming defines for servers that advertise `supports_transcript_streaming`:
`transcript-start`, `transcript-chunk`s (partial text while audio is still arriving; all chunks
concatenate to the final text), `transcript`, `transcript-stop`. Clients that only know
`transcript` (Home Assistant's) ignore the others. `context: {"streaming": false}` turns them
off.

With `--endpointing`, the server ends a command itself once the VAD has heard enough silence
after speech (how much: `transcribe`'s `vad_sensitivity`, as Home Assistant's own VAD maps it)
and sends the transcript at once, while the client may still be sending; the rest of that
utterance's audio is read and dropped until its `audio-stop`, which then needs no answer.
`context: {"endpointing": false}` turns it off for one utterance (dictation).

Anything wrong gets one `error` event (text + code) and one log line. The connection goes on,
except when the stream cannot be followed any more, and at the `audio-stop` of an utterance
that was refused or failed: no transcript will come, and closing tells every client so (Home
Assistant 2025.4 ignores `error` events and would otherwise wait for a transcript for ever).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from wyoming.asr import Transcribe
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe
from wyoming.ping import Ping, Pong

from ..asr_service import AsrService, check_language
from ..audio.convert import AudioFormat, AudioFormatError
from ..config import ENDPOINT_SILENCE_SECONDS, MAX_EVENT_BYTES, ConfigError
from ..ops.access import AllowList
from ..ops.auth import Authorizer, transcribe_refusal
from ..ops.metrics import Metrics
from ..recognizer import RecognizerUnavailable
from .audio_budget import MAX_PENDING_SECONDS, AudioBudget, held_bytes, held_copies
from .info_event import PROGRAM_NAME, info_event
from .limits import ConnectionStats
from .utterance import Abandoned, Utterance
from .wire import ProtocolError, read_event

_LOGGER = logging.getLogger(__name__)


RECOGNIZER_UNAVAILABLE = "recognizer-unavailable"


class ClientError(Exception):
    """A request this server refuses; becomes an `error` event."""

    def __init__(self, code: str, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # True when the client now waits for a transcript that will never come.
        self.close = close


@dataclass(frozen=True)
class ConnectionPolicy:
    """What every connection of a server shares: who may connect, who may transcribe, the
    largest event accepted, and where utterances are counted."""

    metrics: Metrics | None = None
    allow_list: AllowList | None = None
    authorizer: Authorizer | None = None
    max_event_bytes: int = MAX_EVENT_BYTES
    stats: ConnectionStats = field(default_factory=ConnectionStats)
    # The server's audio memory; None: from the settings (the server makes one).
    budget: AudioBudget | None = None


class ConnectionHandler:
    """Reads one client's events until it disconnects, a fatal error, or the server stops."""

    def __init__(
        self,
        service: AsrService,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        policy: ConnectionPolicy | None = None,
    ) -> None:
        self.service = service
        self.reader = reader
        self.writer = writer
        policy = policy or ConnectionPolicy()
        self.metrics = policy.metrics
        self.allow_list = policy.allow_list
        self.authorizer = policy.authorizer
        self.max_event_bytes = policy.max_event_bytes
        self.stats = policy.stats
        self.budget = policy.budget or AudioBudget(
            total_mb=service.settings.max_audio_mb,
            per_utterance_mb=service.settings.max_connection_audio_mb,
        )
        self.peer = _peer_address(writer)
        self.name = f"{self.peer or 'local'}"
        self._write_lock = asyncio.Lock()
        self._request: Transcribe | None = None
        self._authorized = False
        self._utterance: Utterance | None = None
        # Writes the current utterance's partial transcripts as they come.
        self._forwarding: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # keeps running forwarders referenced
        # After a refused utterance: drop its audio silently until `audio-stop`.
        self._discarding = False
        # An utterance endpointing ended: finished (transcript sent) by `_early`, its audio
        # dropped until `audio-stop`.
        self._early: asyncio.Task[bool] | None = None
        # The last `transcribe` was refused: so is the utterance that follows it.
        self._refused_request = False
        # The server is stopping (`request_stop`); True while an utterance whose audio is
        # complete is being transcribed (it may finish during the grace period).
        self.stopping = False
        self.evicted = False
        self.last_event_at = time.monotonic()
        self.events_read = 0
        self._finishing = False
        self._task: asyncio.Task[Any] | None = None

    def request_stop(self) -> None:
        """The server is stopping: an utterance whose audio is complete may still finish; any
        other is answered with `server-stopping` and the connection closes."""
        self.stopping = True
        if not self._finishing and self._task is not None:
            self._task.cancel()

    @property
    def busy(self) -> bool:
        """An utterance is open or being transcribed (or the connection is not running yet)."""
        return self._utterance is not None or self._finishing or self._task is None

    def idle_for(self) -> float:
        """Seconds since this client's last event, 0 while it has an utterance open."""
        return 0.0 if self.busy else time.monotonic() - self.last_event_at

    def evict(self) -> asyncio.Task[Any] | None:
        """Close this idle connection to make room for a new one (the server is full)."""
        self.evicted = True
        if self._task is not None:
            self._task.cancel()
        return self._task

    async def run(self) -> None:
        self._task = asyncio.current_task()
        try:
            if self.allow_list is not None and not self.allow_list.allows(self.peer):
                _LOGGER.warning("Refused client %s: not in --allow-network", self.name)
                await self.send_error("forbidden", "your address is not allowed")
                return
            await self._read_events()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            if not (self.stopping or self.evicted) or self._task is None:
                raise
            self._task.uncancel()  # our own stop: end this connection cleanly
            if self.evicted:
                await self._send_briefly(
                    "too-many-connections", "the server is full: an idle connection is closed"
                )
            else:
                await self._say_stopping()
        finally:
            self._drop_utterance("client disconnected mid-utterance")
            self.writer.close()

    async def _say_stopping(self) -> None:
        if self._utterance is None and not self._finishing:
            return  # no utterance in progress: closing says enough
        self.stats.stopped += 1
        _LOGGER.info("Client %s: utterance refused, the server is stopping", self.name)
        await self._send_briefly("server-stopping", "the server is stopping")

    async def _send_briefly(self, code: str, message: str) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self.send_error(code, message)

    async def _read_events(self) -> None:
        while not self.stopping:
            settings = self.service.settings
            try:
                event = await read_event(
                    self.reader,
                    self.max_event_bytes,
                    frame_timeout=settings.frame_timeout,
                    idle_timeout=settings.idle_timeout or None,
                )
            except ProtocolError as error:
                if error.code in ("idle-timeout", "event-timeout"):
                    self.stats.timed_out += 1
                level = logging.INFO if error.code == "idle-timeout" else logging.WARNING
                _LOGGER.log(level, "Client %s: %s", self.name, error.message)
                await self.send_error(error.code, error.message)
                if error.fatal:
                    return
                continue
            if event is None:
                return
            self.last_event_at = time.monotonic()
            self.events_read += 1
            try:
                if not await self._handle(event):
                    return
            except ClientError as error:
                # An unreachable remote recognizer is logged once by the recognizer, not per client.
                quiet = error.code == RECOGNIZER_UNAVAILABLE
                _LOGGER.log(
                    logging.DEBUG if quiet else logging.WARNING,
                    "Client %s: %s", self.name, error.message,
                )  # fmt: skip
                await self.send_error(error.code, error.message)
                if error.close:
                    return

    async def _handle(self, event: Event) -> bool:
        """Act on one event; False ends the connection."""
        if AudioChunk.is_type(event.type):
            await self._on_chunk(event)
        elif AudioStart.is_type(event.type):
            await self._on_start(event)
        elif AudioStop.is_type(event.type):
            return await self._on_stop()
        elif Transcribe.is_type(event.type):
            await self._on_transcribe(event)
        elif Describe.is_type(event.type):
            settings = self.service.settings
            await self.write(
                info_event(
                    self.service.model_info,
                    denoise=settings.denoise,
                    endpointing=settings.endpointing and settings.vad,
                )
            )
        elif Ping.is_type(event.type):
            await self.write(Pong(text=event.data.get("text")).event())
        elif event.type == "select-program":
            if event.data.get("name") != PROGRAM_NAME:
                raise ClientError("unknown-program", f"no program named {event.data.get('name')!r}")
        else:
            raise ClientError("unknown-event", f"unknown event type {event.type!r}")
        return True

    async def _on_transcribe(self, event: Event) -> None:
        request = Transcribe.from_event(event)
        self._request = request
        self._refused_request = False
        if request.language is not None and request.language != "":
            self._check_language(request.language)
        self._check_vad_sensitivity(request.vad_sensitivity)
        if self.service.settings.require_token:
            refusal = await transcribe_refusal(
                self.authorizer, request.context, peer=self.peer, name=self.name
            )
            self._authorized = refusal is None
            if refusal is not None:
                self._discarding = True
                await self.send_error(*refusal)  # logged by ops.auth (once a window if limited)

    def _check_language(self, language: object) -> None:
        """Refuse a language the model does not speak (and this utterance with it)."""
        problem = "" if isinstance(language, str) else f"language {language!r} is not a text"
        if not problem:
            try:
                check_language(str(language), self.service.model_info)
            except ConfigError as error:
                problem = str(error)
        if problem:
            self._request = None
            self._refused_request = True
            raise ClientError("unsupported-language", problem)

    def _check_vad_sensitivity(self, sensitivity: object) -> None:
        if sensitivity is None or _sensitivity_name(sensitivity) in ENDPOINT_SILENCE_SECONDS:
            return
        self._request = None
        self._refused_request = True
        known = ", ".join(ENDPOINT_SILENCE_SECONDS)
        raise ClientError(
            "unsupported-vad-sensitivity",
            f"vad_sensitivity {sensitivity!r} is not one of: {known}",
        )

    def _end_silence(self, request: Transcribe | None) -> float | None:
        """Seconds of silence after speech that end this utterance; None: the client ends it."""
        settings = self.service.settings
        if not (settings.endpointing and settings.vad):
            return None
        context = request.context if request is not None else None
        if isinstance(context, dict) and context.get("endpointing", True) is False:
            return None
        sensitivity = None if request is None else request.vad_sensitivity
        return ENDPOINT_SILENCE_SECONDS[_sensitivity_name(sensitivity or "default")]

    async def _on_start(self, event: Event) -> None:
        await self._wait_early()
        self._drop_utterance("a new audio-start replaced an unfinished utterance")
        self._discarding = True
        if self._refused_request:
            self._refused_request = False
            return  # already answered at `transcribe`
        if self.service.settings.require_token and not self._authorized:
            if self._request is not None:
                return  # already answered at `transcribe`
            raise ClientError("unauthorized", "a valid token is required to transcribe")
        missing = [key for key in ("rate", "width", "channels") if key not in event.data]
        if missing:
            raise ClientError("bad-audio-format", f"audio-start without {', '.join(missing)}")
        try:
            fmt = AudioFormat(event.data["rate"], event.data["width"], event.data["channels"])
        except AudioFormatError as error:
            raise ClientError("bad-audio-format", str(error)) from None
        request, self._request = self._request, None
        self._discarding = False
        self._utterance = utterance = Utterance(
            self.service,
            fmt,
            streaming=_wants_streaming(request),
            language=request.language if request and request.language else None,
            end_silence=self._end_silence(request),
            on_end=self._on_endpoint,
            release=lambda amount: self.budget.release(amount, self.name),
        )
        self.budget.watch(utterance.stream)
        self._forwarding = task = asyncio.create_task(self._forward(utterance.outbox))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_endpoint(self) -> None:
        """Endpointing ended the current utterance: answer now, drop its audio until stop."""
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            return
        self._finishing = True
        self._early = asyncio.create_task(self._finish_early(utterance))
        self._tasks.add(self._early)
        self._early.add_done_callback(self._tasks.discard)

    async def _finish_early(self, utterance: Utterance) -> bool:
        try:
            return await self._finish(utterance)
        except ClientError as error:
            _LOGGER.warning("Client %s: %s", self.name, error.message)
            await self.send_error(error.code, error.message)
            return not error.close
        finally:
            self._finishing = False

    async def _wait_early(self) -> bool:
        """The transcript of an utterance that endpointing ended is out (True: the connection
        goes on)."""
        task, self._early = self._early, None
        if task is None:
            return True
        return await task and not self.stopping

    async def _on_chunk(self, event: Event) -> None:
        if self._discarding or self._early is not None:
            return
        utterance = self._utterance
        if utterance is None:
            self._discarding = True
            raise ClientError("no-audio-start", "audio-chunk before audio-start")
        pcm = event.payload or b""
        more = held_bytes(utterance.format, len(pcm), held_copies(utterance.engine.settings))
        refusal = self.budget.refusal(utterance.held_bytes, more, self.name)
        if refusal is not None:
            self.stats.over_budget += 1
            self._refuse_utterance(utterance, "memory-budget", refusal)
        self.budget.reserve(more, self.name)
        utterance.held_bytes += more
        utterance.add(pcm)
        if utterance.too_long:
            self._refuse_utterance(
                utterance,
                "utterance-too-long",
                f"the utterance is longer than the limit of {utterance.max_seconds:g} s",
            )
        if utterance.pending_bytes > utterance.format.bytes_per_second * MAX_PENDING_SECONDS:
            # Read no more from this client until its audio is converted (TCP holds the rest).
            await utterance.wait_fed()
        if utterance.segments_waiting and utterance.held_bytes > self.budget.per_utterance // 2:
            # Long dictation sent faster than it is recognized: wait for the recognizer rather
            # than hold more audio.
            await utterance.wait_segments()

    def _refuse_utterance(self, utterance: Utterance, code: str, message: str) -> None:
        self._record(utterance.seconds, {}, 0.0, ok=False)
        self._drop_utterance("")
        self._discarding = True
        raise ClientError(code, message)

    async def _on_stop(self) -> bool:
        if self._early is not None:
            # Endpointing answered already: this stop ends the audio it did not listen to.
            return await self._wait_early()
        if self._discarding:
            # The utterance was refused with an error: no transcript follows, so close, or a
            # client that ignores `error` (Home Assistant 2025.4) would wait for ever.
            self._discarding = False
            return False
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            raise ClientError("no-audio-start", "audio-stop before audio-start", close=True)
        self._finishing = True
        try:
            answered = await self._finish(utterance)
        except ClientError:
            self._finishing = False
            raise
        # Not reset when cancelled: the server stopped before this transcript was ready.
        self._finishing = False
        return answered and not self.stopping

    async def _finish(self, utterance: Utterance) -> bool:
        """Transcribe and answer; False when the client has left meanwhile."""
        stopped = time.perf_counter()
        try:
            # is_closing(): the connection is lost (a reset), not merely half-closed.
            finished = await utterance.finish(
                abandoned=self.writer.is_closing, left=self.reader.at_eof
            )
        except asyncio.CancelledError:
            raise
        except Abandoned:
            self._record(utterance.seconds, {}, time.perf_counter() - stopped, ok=False)
            self.stats.left_after_stop += 1
            _LOGGER.debug("Client %s left before its transcript (not transcribed)", self.name)
            return False
        except RecognizerUnavailable as error:
            _LOGGER.debug("Client %s: %s", self.name, error)
            self._record(utterance.seconds, {}, time.perf_counter() - stopped, ok=False)
            raise ClientError(RECOGNIZER_UNAVAILABLE, str(error), close=True) from None
        except Exception:
            _LOGGER.exception("Client %s: transcription failed", self.name)
            self._record(utterance.seconds, {}, time.perf_counter() - stopped, ok=False)
            raise ClientError("transcription-failed", "the recognizer failed", close=True) from None
        finally:
            self._release(utterance)
            await self._stop_forwarding()  # partials already queued go out first
        result = finished.result
        # Counted whether or not the client is still there to read it.
        self._record(result.audio_seconds, result.timings, time.perf_counter() - stopped, ok=True)
        _LOGGER.debug(
            "Client %s: %r (%.2f s audio)", self.name, finished.text, result.audio_seconds
        )
        try:
            for event in finished.events:
                await self.write(event)
        except ConnectionError:
            self.stats.left_after_stop += 1
            _LOGGER.debug("Client %s left before its transcript", self.name)
            return False
        return True

    async def _forward(self, outbox: asyncio.Queue[Event | None]) -> None:
        """Write an utterance's partial-transcript events until it says no more will come."""
        while (event := await outbox.get()) is not None:
            try:
                await self.write(event)
            except ConnectionError:
                return

    async def _stop_forwarding(self) -> None:
        task, self._forwarding = self._forwarding, None
        if task is not None:
            await task

    def _record(
        self, audio_seconds: float, timings: dict[str, float], latency: float, *, ok: bool
    ) -> None:
        if self.metrics is not None:
            self.metrics.record(audio_seconds, timings, latency, ok)

    def _drop_utterance(self, reason: str) -> None:
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            return
        utterance.cancel()
        self._release(utterance)
        self._forwarding = None  # ends at the None that cancel() queued
        if reason:
            _LOGGER.info("Client %s: %s, audio dropped", self.name, reason)

    def _release(self, utterance: Utterance) -> None:
        held, utterance.held_bytes = utterance.held_bytes, 0
        self.budget.release(held, self.name)

    async def write(self, event: Event) -> None:
        async with self._write_lock:
            if self.writer.is_closing():
                # asyncio's writelines() on a transport whose peer reset fails with an
                # AttributeError (Python 3.13): the client has gone, say so plainly.
                raise ConnectionResetError("the client has closed the connection")
            await async_write_event(event, self.writer)

    async def send_error(self, code: str, message: str) -> None:
        if self.writer.is_closing():
            return
        with contextlib.suppress(ConnectionError):
            await self.write(Error(text=message, code=code).event())


def _sensitivity_name(sensitivity: object) -> str:
    """`transcribe`'s vad_sensitivity as its name (wyoming gives a `VadSensitivity` enum)."""
    return str(getattr(sensitivity, "value", sensitivity))


def _wants_streaming(request: Transcribe | None) -> bool:
    if request is None:
        return False
    context = request.context if isinstance(request.context, dict) else {}
    return context.get("streaming", True) is not False


def _peer_address(writer: asyncio.StreamWriter) -> str | None:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return None
