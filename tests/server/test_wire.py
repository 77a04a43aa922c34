"""The event reader with limits, on byte streams a client may send."""

from __future__ import annotations

import asyncio
import json

import pytest

from wyoming_local_asr.server.wire import ProtocolError, read_event


def stream(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=1024)
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_reads_header_data_and_payload() -> None:
    data = json.dumps({"rate": 16000, "width": 2, "channels": 1}).encode()
    header = {"type": "audio-chunk", "data": {"timestamp": 5}, "data_length": len(data)}
    header["payload_length"] = 4
    reader = stream(json.dumps(header).encode() + b"\n" + data + b"\x01\x02\x03\x04")
    event = await read_event(reader)
    assert event is not None
    assert event.type == "audio-chunk"
    assert event.data == {"timestamp": 5, "rate": 16000, "width": 2, "channels": 1}
    assert event.payload == b"\x01\x02\x03\x04"
    assert await read_event(reader) is None


@pytest.mark.parametrize(
    ("data", "code", "fatal"),
    [
        (b"{not json}\n", "malformed-header", False),
        (b'"describe"\n', "malformed-header", False),
        (b'{"type": 7}\n', "malformed-header", False),
        (b'{"type": "x", "data": [1]}\n', "malformed-data", False),
        (b'{"type": "x", "data_length": 3}\nabc', "malformed-data", False),
        (b'{"type": "x", "data_length": -1}\n', "bad-length", True),
        (b'{"type": "x", "payload_length": "9"}\n', "bad-length", True),
        (b'{"type": "x", "payload_length": 1048577}\n', "event-too-large", True),
        (b'{"type": "' + b"x" * 2000 + b'"}\n', "header-too-long", True),
    ],
)
async def test_errors(data: bytes, code: str, fatal: bool) -> None:
    reader = stream(data + b'{"type": "describe"}\n')
    with pytest.raises(ProtocolError) as caught:
        await read_event(reader)
    assert caught.value.code == code
    assert caught.value.fatal is fatal
    if not fatal:  # the stream is still in step
        event = await read_event(reader)
        assert event is not None and event.type == "describe"


async def test_payload_of_a_bad_header_is_skipped() -> None:
    reader = stream(b'{"payload_length": 3}\nxyz{"type": "describe"}\n')
    with pytest.raises(ProtocolError):
        await read_event(reader)
    event = await read_event(reader)
    assert event is not None and event.type == "describe"


async def test_end_of_stream_inside_an_event() -> None:
    # A stream that ends in the middle of an event is an error the client hears about.
    for cut in (b'{"type": "audio-chunk", "payload_length": 10}\nabc', b'{"type": "describe"'):
        with pytest.raises(ProtocolError) as raised:
            await read_event(stream(cut))
        assert raised.value.code == "truncated-event"
        assert raised.value.fatal
    # Blank lines, then the end: just the end.
    assert await read_event(stream(b"\n\n")) is None
    assert await read_event(stream(b"  \n\n")) is None
