"""Reader errors and clients that leave: one `error` event each, never a traceback, and every
utterance counted."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time

import numpy as np
import pytest
from numpy.typing import NDArray
from server_helpers import RawClient, ServerFactory, WordClockRecognizer, expected_text, transcribe
from test_bad_input import assert_serves_next_client, error_of, wait_until_no_connections

from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.recognizer import Transcription

FMT = {"rate": 16000, "width": 2, "channels": 1}


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_deeply_nested_header(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send_raw(b"[" * 30_000 + b"]" * 30_000 + b"\n")
    error = error_of(await client.read())
    assert error.code == "malformed-header"
    # the stream is still in step: the same connection goes on
    await client.send("ping", {"text": "still here"})
    pong = await client.read()
    assert pong is not None and pong.type == "pong"
    await client.close()
    assert tracebacks(caplog) == []
    await assert_serves_next_client(server, goforward)


async def test_deeply_nested_data(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    data = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    header = {"type": "transcribe", "data_length": len(data)}
    await client.send_raw(json.dumps(header).encode() + b"\n" + data)
    assert error_of(await client.read()).code == "malformed-data"
    await client.close()
    assert tracebacks(caplog) == []
    await assert_serves_next_client(server, goforward)


@pytest.mark.parametrize("length_key", ["data_length", "payload_length"])
async def test_header_announcing_more_than_it_sends(
    start_server: ServerFactory,
    goforward: bytes,
    caplog: pytest.LogCaptureFixture,
    length_key: str,
) -> None:
    server = await start_server(frame_timeout=0.5)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    header = {"type": "audio-chunk", "data": FMT, length_key: 1000}
    started = time.monotonic()
    await client.send_raw(json.dumps(header).encode() + b"\n" + b"{}"[:1] * 10)
    error = error_of(await client.read())
    assert error.code == "event-timeout"
    assert await client.read() is None  # closed: the stream cannot be followed
    assert time.monotonic() - started < 5
    await client.close()
    await wait_until_no_connections(server)
    assert tracebacks(caplog) == []
    await assert_serves_next_client(server, goforward)


async def test_truncated_event(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send("audio-start", FMT)
    header = {"type": "audio-chunk", "data": FMT, "payload_length": 2048}
    await client.send_raw(json.dumps(header).encode() + b"\n" + b"\x00" * 100)
    client.writer.write_eof()  # half-closed: the client still reads
    assert error_of(await client.read()).code == "truncated-event"
    assert await client.read() is None
    await client.close()
    await wait_until_no_connections(server)
    assert tracebacks(caplog) == []
    await assert_serves_next_client(server, goforward)


class SlowRecognizer(WordClockRecognizer):
    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        time.sleep(0.3)
        return super().transcribe(audio)


async def test_reset_after_audio_stop_is_counted_without_traceback(
    start_server: ServerFactory, goforward: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wyoming_local_asr.server")
    metrics = Metrics()
    server = await start_server(SlowRecognizer(), server_options={"metrics": metrics})
    assert server.port is not None
    clients = 5
    for _ in range(clients):
        client = await RawClient.connect(server.port)
        await client.send("transcribe", {"language": "en"})
        await client.send("audio-start", FMT)
        await client.send("audio-chunk", FMT, payload=goforward[:32000])
        await client.send("audio-stop")
        await asyncio.sleep(0.05)
        sock = client.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.writer.transport.abort()  # a reset, not a close
    await wait_until_no_connections(server)
    assert tracebacks(caplog) == []
    assert metrics.snapshot().utterances_total == clients
    assert server.stats.left_after_stop == clients
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("left before its transcript" in message for message in debug)
    await assert_serves_next_client(server, goforward)


@pytest.mark.parametrize("language", [5, "xx-YY", ["en"]])
async def test_transcribe_language_is_checked(
    start_server: ServerFactory, goforward: bytes, language: object
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    await client.send("transcribe", {"language": language})
    error = error_of(await client.read())
    assert error.code == "unsupported-language"
    # the utterance that follows is refused too, and the connection closes at its audio-stop
    await client.send("audio-start", FMT)
    await client.send("audio-chunk", FMT, payload=goforward[:3200])
    await client.send("audio-stop")
    assert await client.read() is None
    await client.close()
    await assert_serves_next_client(server, goforward)


async def test_transcribe_language_of_the_model_is_accepted(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server()
    assert server.port is not None
    from wyoming.asr import Transcribe, Transcript

    events = await transcribe(server.port, goforward, request=Transcribe(language="en-US"))
    final = [Transcript.from_event(e) for e in events if Transcript.is_type(e.type)]
    assert final[0].text == expected_text(len(goforward))
    assert final[0].language == "en-US"


class CountingRecognizer(SlowRecognizer):
    calls = 0

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        CountingRecognizer.calls += 1
        return super().transcribe(audio)


async def test_clients_that_reset_before_their_turn_are_not_transcribed(
    start_server: ServerFactory, goforward: bytes
) -> None:
    metrics = Metrics()
    server = await start_server(CountingRecognizer(), server_options={"metrics": metrics})
    assert server.port is not None
    clients = 6
    for _ in range(clients):  # each resets while the recognizer is busy with the first ones
        client = await RawClient.connect(server.port)
        await client.send("audio-start", FMT)
        await client.send("audio-chunk", FMT, payload=goforward[:32000])
        await client.send("audio-stop")
        await asyncio.sleep(0.02)
        sock = client.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.writer.transport.abort()
    await wait_until_no_connections(server)
    assert CountingRecognizer.calls < clients
    assert metrics.snapshot().utterances_total == clients  # all counted
    assert server.stats.left_after_stop == clients
    await assert_serves_next_client(server, goforward)
