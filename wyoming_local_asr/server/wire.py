"""Reading Wyoming events from an untrusted client, with limits.

The wire format: a JSON header line `{"type", "data"?, "data_length"?, "payload_length"?,
"version"?}`, then `data_length` bytes of JSON data, then `payload_length` bytes of payload.
The `wyoming` library's reader trusts the lengths and ends the stream on bad JSON; this one
reports what is wrong. A bad header or bad data leaves the stream in step (the lengths are
known), so the connection can go on; a length that is invalid or over the bound cannot be
skipped safely, so that error is fatal to the connection.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from wyoming.event import Event

from ..config import MAX_EVENT_BYTES

# The longest header line accepted (the StreamReader's limit on a line).
MAX_HEADER_BYTES = 64 * 1024


class ProtocolError(Exception):
    """A client sent something that is not a valid Wyoming event."""

    def __init__(self, code: str, message: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # True when the stream can no longer be followed and the connection must close.
        self.fatal = fatal


async def read_event(
    reader: asyncio.StreamReader,
    max_bytes: int = MAX_EVENT_BYTES,
    *,
    frame_timeout: float | None = None,
    idle_timeout: float | None = None,
) -> Event | None:
    """The next event; None at the end of the stream. Raises ProtocolError.

    `idle_timeout`: seconds to wait for the first byte of the next event; `frame_timeout`:
    seconds the rest of the event (header line, data, payload) may take once it has begun.
    None waits for ever."""
    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                first = await reader.read(1)
        except TimeoutError:
            raise ProtocolError(
                "idle-timeout", f"no event for {idle_timeout:g} s, closing", fatal=True
            ) from None
        if not first:
            return None
        try:
            async with asyncio.timeout(frame_timeout):
                event = await _read_rest(reader, first, max_bytes)
        except TimeoutError:
            raise ProtocolError(
                "event-timeout",
                f"the event did not complete within {frame_timeout:g} s",
                fatal=True,
            ) from None
        except asyncio.IncompleteReadError:
            raise ProtocolError(
                "truncated-event", "the stream ended in the middle of an event", fatal=True
            ) from None
        if event is not None:
            return event


async def _read_rest(reader: asyncio.StreamReader, first: bytes, max_bytes: int) -> Event | None:
    """The event whose first byte is `first`; None for a blank line."""
    try:
        line = first + await reader.readline()
    except ValueError:  # the line is over the reader's limit
        raise ProtocolError(
            "header-too-long", "the event header line is too long", fatal=True
        ) from None
    if not line.endswith(b"\n"):
        raise asyncio.IncompleteReadError(line, None)
    if not line.strip():
        return None

    header = _parse_header(line)
    data_length = _length(header, "data_length", max_bytes)
    payload_length = _length(header, "payload_length", max_bytes)
    data_bytes = await reader.readexactly(data_length) if data_length else b""
    payload = await reader.readexactly(payload_length) if payload_length else None

    if not isinstance(header, dict):
        raise ProtocolError(
            "malformed-header", "the event header is not a JSON object", fatal=False
        )
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise ProtocolError("malformed-header", "the event header has no 'type'", fatal=False)
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise ProtocolError("malformed-data", f"{event_type}: 'data' is not an object", fatal=False)
    if data_bytes:
        data = {**data, **_parse_data(data_bytes, event_type)}
    return Event(type=event_type, data=data, payload=payload)


def _parse_header(line: bytes) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        raise ProtocolError(
            "malformed-header", "the event header line is not valid JSON", fatal=False
        ) from None


def _length(header: Any, key: str, max_bytes: int) -> int:
    if not isinstance(header, dict):
        return 0
    value = header.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("bad-length", f"{key} must be a whole number >= 0", fatal=True)
    if value > max_bytes:
        raise ProtocolError(
            "event-too-large", f"{key} {value} is over the limit of {max_bytes} bytes", fatal=True
        )
    return value


def _parse_data(data_bytes: bytes, event_type: str) -> dict[str, Any]:
    try:
        data = json.loads(data_bytes)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ProtocolError(
            "malformed-data", f"{event_type}: the event data is not a JSON object", fatal=False
        )
    return data
