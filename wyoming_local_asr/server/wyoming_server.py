"""The asyncio Wyoming server: listens on tcp:// or unix://, one handler task per client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from wyoming.error import Error
from wyoming.event import async_write_event

from ..asr_service import AsrService
from ..worker_pool import client_address
from .audio_budget import AudioBudget
from .handler import ConnectionHandler, ConnectionPolicy
from .limits import ConnectionLimits, LogOncePerInterval, Occupant, choose_eviction
from .wire import MAX_HEADER_BYTES

_LOGGER = logging.getLogger(__name__)


class WyomingServer:
    """Serves many clients at once; blocking work runs on the service's worker threads."""

    def __init__(
        self,
        service: AsrService,
        uri: str,
        policy: ConnectionPolicy | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.service = service
        self.uri = uri
        settings = service.settings
        policy = policy or ConnectionPolicy()
        if policy.budget is None:  # one budget for every connection of this server
            policy = replace(
                policy,
                budget=AudioBudget(
                    total_mb=settings.max_audio_mb,
                    per_utterance_mb=settings.max_connection_audio_mb,
                ),
            )
        self.policy = policy
        self.stats = policy.stats
        assert policy.budget is not None
        self.budget: AudioBudget = policy.budget
        self.limits = ConnectionLimits(
            total=settings.max_connections, per_address=settings.max_connections_per_address
        )
        self._over_limit_log = LogOncePerInterval(_LOGGER)
        self._out_of_descriptors_log = LogOncePerInterval(_LOGGER)
        self._previous_exception_handler: Any = None
        self.ssl_context = ssl_context
        self._server: asyncio.Server | None = None
        self._unix_path: Path | None = None
        self._handlers: dict[asyncio.Task[None], ConnectionHandler] = {}
        # Evicted connections whose place in `limits` was handed to a new client.
        self._handed_over: set[ConnectionHandler] = set()

    @property
    def port(self) -> int | None:
        """The bound TCP port (the real one when the URI asked for port 0)."""
        if self._server is None or self._unix_path is not None:
            return None
        for sock in self._server.sockets:
            return int(sock.getsockname()[1])
        return None

    @property
    def connection_count(self) -> int:
        return len(self._handlers)

    async def start(self) -> None:
        parsed = urlparse(self.uri)
        if parsed.scheme == "unix":
            self._unix_path = Path(parsed.netloc + parsed.path)
            self._unix_path.unlink(missing_ok=True)
            self._server = await asyncio.start_unix_server(
                self._on_client, path=self._unix_path, limit=MAX_HEADER_BYTES, ssl=self.ssl_context
            )
        elif parsed.scheme == "tcp" and parsed.hostname is not None and parsed.port is not None:
            self._server = await asyncio.start_server(
                self._on_client,
                host=parsed.hostname,
                port=parsed.port,
                limit=MAX_HEADER_BYTES,
                ssl=self.ssl_context,
                ssl_handshake_timeout=10.0 if self.ssl_context else None,
            )
        else:
            raise ValueError(f"cannot listen on {self.uri!r}: use tcp://HOST:PORT or unix://PATH")
        self._watch_accept_errors()
        self.service.wyoming_port = self.port
        where = str(self._unix_path) if self._unix_path else f"{parsed.hostname}:{self.port}"
        _LOGGER.info("Wyoming server on %s%s", where, " (TLS)" if self.ssl_context else "")

    async def stop(self, grace_seconds: float | None = None) -> None:
        """Stop accepting clients; utterances whose audio is complete may finish within the
        grace period (`--shutdown-grace`), every other gets `server-stopping`; then close."""
        grace = self.service.settings.shutdown_grace if grace_seconds is None else grace_seconds
        if self._server is not None:
            self._server.close()
        for handler in list(self._handlers.values()):
            handler.request_stop()
        tasks = list(self._handlers)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=grace_seconds)
            self._server = None
        if self._unix_path is not None:
            self._unix_path.unlink(missing_ok=True)
        asyncio.get_running_loop().set_exception_handler(self._previous_exception_handler)

    def _watch_accept_errors(self) -> None:
        """Out of descriptors, asyncio's accept loop pauses for a second and reports it through
        the loop's exception handler each time: report it once per interval instead."""
        loop = asyncio.get_running_loop()
        self._previous_exception_handler = previous = loop.get_exception_handler()

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if context.get("message") == "socket.accept() out of system resource":
                self._out_of_descriptors_log.warning(
                    "Cannot accept connections: %s (accepting again each second)",
                    context.get("exception"),
                )
            elif previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(handle)

    def _make_room(self, address: str) -> asyncio.Task[Any] | None:
        """At the total limit: close the connection `choose_eviction` picks (it gets
        `too-many-connections`) and give its place to the new client from `address` at once;
        the closing connection's task, None when none may go."""
        handlers = [h for h in self._handlers.values() if not h.evicted]
        now = time.monotonic()
        occupants = [
            Occupant(
                address=h.peer or "local",
                idle_seconds=0.0 if h.busy else now - h.last_event_at,
                silent=h.events_read == 0,
                busy=h.busy,
            )
            for h in handlers
        ]
        index = choose_eviction(occupants)
        if index is None:
            return None
        victim = handlers[index]
        task = victim.evict()
        self.stats.evicted += 1
        self.limits.hand_over(occupants[index].address, address)
        self._handed_over.add(victim)
        return task

    async def _refuse(self, writer: asyncio.StreamWriter, reason: str) -> None:
        """One `error` event to a client over a connection limit, then close."""
        self.stats.refused_over_limit += 1
        self._over_limit_log.warning("Refused a client: %s", reason)
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(1.0):
                await async_write_event(
                    Error(text=reason, code="too-many-connections").event(), writer
                )
        writer.close()

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        handler = ConnectionHandler(self.service, reader, writer, self.policy)
        address = handler.peer or "local"
        client_address.set(address)  # this connection's work takes turns by address
        closing = None
        if self.limits.full and self.limits.has_room(address):
            closing = self._make_room(address)  # the place is this client's already
        if closing is None:
            refusal = self.limits.acquire(address)
            if refusal is not None:
                await self._refuse(writer, refusal)
                return
        task = asyncio.current_task()
        assert task is not None
        self._handlers[task] = handler
        try:
            if closing is not None:  # its descriptor is free before this client is served
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2.0):
                        await asyncio.wait([closing])
            await handler.run()
        except Exception:
            _LOGGER.exception("Client %s: unexpected error", handler.name)
        finally:
            self._handlers.pop(task, None)
            if handler in self._handed_over:
                self._handed_over.discard(handler)  # its place went to another client
            else:
                self.limits.release(address)
