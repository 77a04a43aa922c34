"""describe/info, plain and streaming transcripts, audio conversion, many clients at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from server_helpers import (
    RawClient,
    ServerFactory,
    expected_text,
    final_text,
    read_until_transcript,
    send_utterance,
    transcribe,
)
from wyoming.asr import Transcribe, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient, AsyncUnixClient
from wyoming.info import Describe, Info

from wyoming_local_asr import __version__


async def test_describe_answers_info(start_server: ServerFactory) -> None:
    server = await start_server()
    assert server.port is not None
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), timeout=10)
    assert event is not None and Info.is_type(event.type)
    info = Info.from_event(event)
    assert len(info.asr) == 1
    program = info.asr[0]
    assert program.name == "wyoming-local-asr"
    assert program.version == __version__
    assert program.supports_transcript_streaming
    assert program.installed
    (model,) = program.models
    assert model.name == "word-clock-w"
    assert model.languages == ["en"]
    assert model.version == "1"
    assert "CC0" in model.attribution.name  # the model's license is credited
    assert model.attribution.url == "https://example.invalid/tests"


@pytest.mark.parametrize("denoise", [True, False])
async def test_info_tells_home_assistant_whether_we_denoise(
    start_server: ServerFactory, *, denoise: bool
) -> None:
    """With RNNoise on, Home Assistant is asked for the raw channel; with it off, for its own
    noise suppression and auto gain."""
    server = await start_server(denoise=denoise)
    assert server.port is not None
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Describe().event())
        event = await asyncio.wait_for(client.read_event(), timeout=10)
    assert event is not None
    program = Info.from_event(event).asr[0]
    assert program.prefers_noise_reduction_enabled is not denoise
    assert program.prefers_auto_gain_enabled is not denoise


async def test_plain_client_gets_only_a_transcript(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(partial_interval=0.25)
    assert server.port is not None
    events = await transcribe(server.port, goforward, request=None)
    assert [event.type for event in events] == ["transcript"]
    assert final_text(events) == expected_text(len(goforward))


async def test_streaming_opt_out(start_server: ServerFactory, goforward: bytes) -> None:
    server = await start_server(partial_interval=0.25)
    assert server.port is not None
    request = Transcribe(language="en", context={"streaming": False})
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(request.event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        await client.write_event(
            AudioChunk(rate=16000, width=2, channels=1, audio=goforward).event()
        )
        await client.write_event(AudioStop().event())
        event = await asyncio.wait_for(client.read_event(), timeout=10)
    assert event is not None and event.type == "transcript"
    assert event.data["text"] == expected_text(len(goforward))
    assert event.data["language"] == "en"


async def test_streaming_partials_arrive_while_audio_is_still_arriving(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(partial_interval=0.25)
    assert server.port is not None
    half = len(goforward) // 2
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for offset in range(0, half, 2048):
            chunk = goforward[offset : min(offset + 2048, half)]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        # No audio-stop yet: the server must stream partial text on its own.
        early = []
        while not any(TranscriptChunk.is_type(event.type) for event in early):
            event = await asyncio.wait_for(client.read_event(), timeout=30)
            assert event is not None
            early.append(event)
        for offset in range(half, len(goforward), 2048):
            chunk = goforward[offset : offset + 2048]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        await client.write_event(AudioStop().event())
        events = early + await read_until_transcript(client, streaming=True)

    types = [event.type for event in events]
    assert types[0] == "transcript-start"
    assert types[-2:] == ["transcript", "transcript-stop"]
    assert set(types[1:-2]) == {"transcript-chunk"}
    chunks = [TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk"]
    early_text = "".join(TranscriptChunk.from_event(e).text for e in early[1:])
    # The partial text covers words heard in the first half only.
    assert early_text and expected_text(half).startswith(early_text)
    assert "".join(chunks) == final_text(events) == expected_text(len(goforward))


async def test_audio_is_converted_from_any_client_format(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server()
    assert server.port is not None
    samples = np.frombuffer(goforward, dtype="<i2").astype(np.int64)
    # 48 kHz, 32-bit, stereo: repeat each sample 3 times, scale up, duplicate the channel.
    wide = np.repeat(samples, 3) * 65536
    stereo = np.stack([wide, wide], axis=1).astype("<i4").tobytes()
    events = await transcribe(server.port, stereo, rate=48000, width=4, channels=2, request=None)
    assert final_text(events) == expected_text(len(goforward))


async def test_many_clients_at_once(start_server: ServerFactory, goforward: bytes) -> None:
    server = await start_server(partial_interval=0.25)
    assert server.port is not None
    lengths = [len(goforward) - 8000 * i for i in range(6)]

    async def one(length: int) -> str:
        async with AsyncTcpClient("127.0.0.1", server.port) as client:
            events = await send_utterance(
                client, goforward[:length], request=Transcribe(language="en"), delay=0.001
            )
        return final_text(events)

    results = await asyncio.gather(*(one(length) for length in lengths))
    assert results == [expected_text(length) for length in lengths]


async def test_two_utterances_on_one_connection(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server()
    assert server.port is not None
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    for length in (len(goforward), 16000):
        await client.send("audio-start", fmt)
        await client.send("audio-chunk", fmt, payload=goforward[:length])
        await client.send("audio-stop")
        event = await client.read()
        assert event is not None and event.data["text"] == expected_text(length)
    await client.close()


async def test_unix_socket(start_server: ServerFactory, goforward: bytes, tmp_path: Path) -> None:
    socket_path = tmp_path / "asr.sock"
    server = await start_server(uri=f"unix://{socket_path}")
    assert server.port is None and socket_path.exists()
    async with AsyncUnixClient(str(socket_path)) as client:
        events = await send_utterance(client, goforward, request=None)
    assert final_text(events) == expected_text(len(goforward))
    await server.stop()
    assert not socket_path.exists()
