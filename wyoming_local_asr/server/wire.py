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
    reader: asyncio.StreamReader, max_bytes: int = MAX_EVENT_BYTES
) -> Event | None:
    """The next event; None at the end of the stream. Raises ProtocolError."""
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # the line is over the reader's limit
            raise ProtocolError(
                "header-too-long", "the event header line is too long", fatal=True
            ) from None
        if not line or not line.endswith(b"\n"):
            return None
        if line.strip():
            break

    header = _parse_header(line)
    data_length = _length(header, "data_length", max_bytes)
    payload_length = _length(header, "payload_length", max_bytes)
    try:
        data_bytes = await reader.readexactly(data_length) if data_length else b""
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        return None

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
    except ValueError:
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
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProtocolError(
            "malformed-data", f"{event_type}: the event data is not a JSON object", fatal=False
        )
    return data
