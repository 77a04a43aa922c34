"""Bad input from one client: an `error` event where the connection still stands, one log
line, resources freed, and the next client is served as if nothing happened."""

from __future__ import annotations

import asyncio
import json
import logging

import numpy as np
import pytest
from numpy.typing import NDArray
from server_helpers import (
    RawClient,
    ServerFactory,
    WordClockRecognizer,
    expected_text,
    final_text,
    transcribe,
)
from wyoming.error import Error
from wyoming.event import Event

from wyoming_local_asr.recognizer import Transcription
from wyoming_local_asr.server.wyoming_server import WyomingServer

# Log records of the server's handler (one per bad input).
HANDLER_LOGGER = "wyoming_local_asr.server.handler"


def error_of(event: Event | None) -> Error:
    assert event is not None, "the server closed the connection without an error event"
    assert Error.is_type(event.type), event
    error = Error.from_event(event)
    assert error.text
    return error


async def assert_serves_next_client(server: WyomingServer, pcm: bytes) -> None:
    assert server.port is not None
    events = await transcribe(server.port, pcm)
    assert final_text(events) == expected_text(len(pcm))


async def wait_until_no_connections(server: WyomingServer) -> None:
    for _ in range(500):
        if server.connection_count == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{server.connection_count} connections still open")


def handler_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == HANDLER_LOGGER and r.levelno >= logging.INFO
    ]


async def test_malformed_json_header(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send_raw(b'{"type": "audio-start", "data": {"rate": 16000\n')
    error = error_of(await client.read())
    assert error.code == "malformed-header"
    assert "JSON" in error.text
    # The connection still stands: the next event is answered.
    await client.send("describe")
    info = await client.read()
    assert info is not None and info.type == "info"
    await client.close()
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward)


async def test_header_that_is_not_an_object(start_server: ServerFactory, goforward: bytes) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send_raw(b'["describe"]\n')
    assert error_of(await client.read()).code == "malformed-header"
    await client.send_raw(b'{"data": {}}\n')
    assert error_of(await client.read()).code == "malformed-header"
    await client.close()
    await assert_serves_next_client(server, goforward)


async def test_unknown_event_type(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send("fly-to-the-moon", {"when": "now"}, payload=b"\x00" * 10)
    error = error_of(await client.read())
    assert error.code == "unknown-event"
    assert "fly-to-the-moon" in error.text
    # The payload was skipped: the stream is still in step.
    await client.send("ping", {"text": "still there?"})
    pong = await client.read()
    assert pong is not None and pong.type == "pong"
    await client.close()
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward)


async def test_audio_chunk_before_audio_start(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    for _ in range(3):
        await client.send("audio-chunk", fmt, payload=goforward[:2048])
    await client.send("audio-stop")
    error = error_of(await client.read())
    assert error.code == "no-audio-start"
    # One error for the stray audio, not one per chunk; at its audio-stop no transcript can
    # follow, so the server closes the connection instead of leaving the client waiting.
    assert await client.read() is None
    await client.close()
    await wait_until_no_connections(server)
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward)


@pytest.mark.parametrize(
    ("fmt", "complaint"),
    [
        ({"rate": 0, "width": 2, "channels": 1}, "rate 0"),
        ({"rate": 16000, "width": 3, "channels": 1}, "width 3"),
        ({"rate": 16000, "width": 2, "channels": 9}, "9 channels"),
        ({"rate": "fast", "width": 2, "channels": 1}, "rate 'fast'"),
        ({"rate": 16000, "width": 2}, "without channels"),
    ],
)
async def test_impossible_audio_format(
    start_server: ServerFactory,
    goforward: bytes,
    caplog: pytest.LogCaptureFixture,
    fmt: dict[str, object],
    complaint: str,
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send("audio-start", fmt)
    await client.send("audio-chunk", fmt, payload=goforward[:6144])
    await client.send("audio-stop")
    error = error_of(await client.read())
    assert error.code == "bad-audio-format"
    assert complaint in error.text
    # Nothing else for the refused utterance's chunks; its audio-stop closes the connection.
    assert await client.read() is None
    await client.close()
    await wait_until_no_connections(server)
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward)


@pytest.mark.parametrize("length_key", ["data_length", "payload_length"])
async def test_length_over_the_bound(
    start_server: ServerFactory,
    goforward: bytes,
    caplog: pytest.LogCaptureFixture,
    length_key: str,
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    header = {"type": "audio-chunk", "version": "1.10.2", length_key: 1 << 40}
    await client.send_raw(json.dumps(header).encode() + b"\n" + b"\x00" * 1000)
    error = error_of(await client.read())
    assert error.code == "event-too-large"
    assert length_key in error.text
    # The stream cannot be followed past such a header: the server closes this connection.
    assert await client.read() is None
    await client.close()
    await wait_until_no_connections(server)
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward)


async def test_utterance_over_the_maximum_length(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(max_utterance_seconds=1.0)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await client.send("audio-start", fmt)
    for offset in range(0, len(goforward), 2048):  # 2.8 s of audio
        await client.send("audio-chunk", fmt, payload=goforward[offset : offset + 2048])
    await client.send("audio-stop")
    error = error_of(await client.read())
    assert error.code == "utterance-too-long"
    assert "1 s" in error.text
    assert await client.read() is None
    await client.close()
    await wait_until_no_connections(server)
    assert len(handler_warnings(caplog)) == 1
    await assert_serves_next_client(server, goforward[:16000])


async def test_client_disconnects_mid_utterance(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=HANDLER_LOGGER)
    server = await start_server(partial_interval=0.25)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send("transcribe", {"language": "en"})
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await client.send("audio-start", fmt)
    for offset in range(0, len(goforward) // 2, 2048):
        await client.send("audio-chunk", fmt, payload=goforward[offset : offset + 2048])
    await client.close()
    await wait_until_no_connections(server)
    messages = handler_warnings(caplog)
    assert len(messages) == 1
    assert "disconnected mid-utterance" in messages[0]
    await assert_serves_next_client(server, goforward)


async def test_other_clients_are_not_disturbed(
    start_server: ServerFactory, goforward: bytes
) -> None:
    """A client in the middle of an utterance while another one sends garbage."""
    server = await start_server()
    assert server.port is not None
    good = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await good.send("audio-start", fmt)
    await good.send("audio-chunk", fmt, payload=goforward[:20000])

    bad = await RawClient.connect(server.port)
    await bad.send_raw(b"this is not json\n")
    assert error_of(await bad.read()).code == "malformed-header"
    await bad.send_raw(b'{"type": "audio-chunk", "payload_length": 99999999999}\n')
    assert error_of(await bad.read()).code == "event-too-large"
    await bad.close()

    await good.send("audio-chunk", fmt, payload=goforward[20000:])
    await good.send("audio-stop")
    transcript = await good.read()
    assert transcript is not None and transcript.data["text"] == expected_text(len(goforward))
    await good.close()


class BrokenOnSilenceRecognizer(WordClockRecognizer):
    """Fails on all-zero audio, as a real model may fail on input it cannot take."""

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        if not np.any(audio):
            raise RuntimeError("cannot transcribe silence")
        return super().transcribe(audio)


async def test_recognizer_failure(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server(recognizer=BrokenOnSilenceRecognizer())
    assert server.port is not None
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await client.send("audio-start", fmt)
    await client.send("audio-chunk", fmt, payload=bytes(32000))
    await client.send("audio-stop")
    error = error_of(await client.read())
    assert error.code == "transcription-failed"
    assert await client.read() is None
    await client.close()
    # The traceback goes to the log for the operator, the client gets one clear line.
    assert any("cannot transcribe silence" in (r.exc_text or "") for r in caplog.records)
    await assert_serves_next_client(server, goforward)
