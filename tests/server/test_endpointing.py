"""Server-side endpointing: the transcript before `audio-stop`, the rest drained, and info."""

from __future__ import annotations

import asyncio

from server_helpers import CHUNK_SAMPLES, RawClient, ServerFactory, final_text
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info

from wyoming_local_asr.ops.metrics import Metrics

SILENCE_SECOND = bytes(2 * 16000)
CHUNK_BYTES = CHUNK_SAMPLES * 2


async def send_audio(client: AsyncTcpClient, pcm: bytes) -> None:
    for offset in range(0, len(pcm), CHUNK_BYTES):
        chunk = AudioChunk(
            rate=16000, width=2, channels=1, audio=pcm[offset : offset + CHUNK_BYTES]
        )
        await client.write_event(chunk.event())


async def read_event(client: AsyncTcpClient) -> Event:
    event = await asyncio.wait_for(client.read_event(), timeout=30)
    assert event is not None, "the server closed the connection"
    return event


async def command_before_stop(
    client: AsyncTcpClient, pcm: bytes, request: Transcribe, *, after: int = 20
) -> str:
    """Speech and trailing silence as Home Assistant streams it; the transcript comes while
    the client still sends (it sends `after` chunks more, then `audio-stop`)."""
    await client.write_event(request.event())
    await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
    await send_audio(client, pcm)
    event = await read_event(client)  # nothing more was sent: no audio-stop yet
    assert Transcript.is_type(event.type), event
    await send_audio(client, SILENCE_SECOND * (after * CHUNK_BYTES // len(SILENCE_SECOND) + 1))
    await client.write_event(AudioStop().event())
    return Transcript.from_event(event).text


async def test_the_transcript_comes_before_audio_stop_and_the_connection_goes_on(
    start_server: ServerFactory, goforward: bytes
) -> None:
    metrics = Metrics()
    server = await start_server(vad=True, endpointing=True, server_options={"metrics": metrics})
    assert server.port is not None
    request = Transcribe(language="en", context={"streaming": False})
    pcm = goforward + SILENCE_SECOND * 3
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        first = await command_before_stop(client, pcm, request)
        heard = metrics.snapshot().audio_seconds_total
        # The next utterance on the same connection: no error in between, the same answer.
        second = await command_before_stop(client, pcm, request, after=60)
        await client.write_event(Describe().event())
        answer = await read_event(client)
        assert Info.is_type(answer.type), answer
    assert first == second and first
    # goforward's words end at 2.38 s: the default 0.7 s of silence after them ended it, long
    # before the 3 s of silence sent (and the drained audio after it) were through.
    # (WebRTC VAD may take the soft end of 'meters' for silence.)
    assert 2.38 + 0.7 - 0.2 <= heard <= 2.38 + 0.7 + 0.5
    assert metrics.snapshot().audio_seconds_total == 2 * heard


async def test_aggressive_ends_sooner_than_relaxed(
    start_server: ServerFactory, goforward: bytes
) -> None:
    metrics = Metrics()
    server = await start_server(vad=True, endpointing=True, server_options={"metrics": metrics})
    assert server.port is not None
    heard = {}
    for sensitivity in ("aggressive", "relaxed"):
        before = metrics.snapshot().audio_seconds_total
        request = Transcribe(
            language="en", vad_sensitivity=sensitivity, context={"streaming": False}
        )
        async with AsyncTcpClient("127.0.0.1", server.port) as client:
            await command_before_stop(client, goforward + SILENCE_SECOND * 3, request)
        heard[sensitivity] = metrics.snapshot().audio_seconds_total - before
    # Relaxed waits for 1.25 s of silence, aggressive for 0.25 s: 1 s more audio was heard.
    assert abs(heard["relaxed"] - heard["aggressive"] - 1.0) < 0.1


async def test_without_endpointing_the_client_ends_the_utterance(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(vad=True, endpointing=True)
    assert server.port is not None
    pcm = goforward + SILENCE_SECOND * 3
    request = Transcribe(language="en", context={"endpointing": False, "streaming": False})
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(request.event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        await send_audio(client, pcm)
        await client.write_event(AudioStop().event())
        answer = await read_event(client)
    assert Transcript.is_type(answer.type), answer


async def test_info_declares_who_finds_the_end_of_speech(start_server: ServerFactory) -> None:
    for endpointing, vad, external in (
        (True, True, False),
        (False, True, True),
        (True, False, True),
    ):
        server = await start_server(vad=vad, endpointing=endpointing)
        assert server.port is not None
        async with AsyncTcpClient("127.0.0.1", server.port) as client:
            await client.write_event(Describe().event())
            info = Info.from_event(await read_event(client))
        assert info.asr[0].requires_external_vad is external


async def test_an_unknown_vad_sensitivity_is_refused(start_server: ServerFactory) -> None:
    server = await start_server(vad=True, endpointing=True)
    assert server.port is not None
    client = await RawClient.connect(server.port)
    try:
        await client.send("transcribe", {"language": "en", "vad_sensitivity": "sleepy"})
        event = await client.read()
        assert event is not None and event.type == "error"
        assert event.data["code"] == "unsupported-vad-sensitivity"
    finally:
        await client.close()


async def test_without_endpointing_silence_changes_nothing(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(vad=True)
    assert server.port is not None
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Transcribe(language="en", context={"streaming": False}).event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        await send_audio(client, goforward + SILENCE_SECOND * 3)
        await client.write_event(AudioStop().event())
        answer = await read_event(client)
    assert final_text([answer])
