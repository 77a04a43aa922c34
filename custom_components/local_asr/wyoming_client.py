"""The Wyoming side: `describe` the server, and stream an utterance to it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.info import AsrProgram, Describe, Info

from .const import DESCRIBE_TIMEOUT, PROGRAM_NAME

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2
SAMPLE_CHANNELS = 1


class WyomingConnectionError(Exception):
    """The Wyoming port cannot be reached or closed the connection."""


class WyomingServerError(Exception):
    """The server answered with an `error` event."""

    def __init__(self, code: str | None, text: str) -> None:
        super().__init__(f"{code}: {text}" if code else text)
        self.code = code
        self.text = text


@dataclass(frozen=True)
class AudioProcessing:
    """What the program asks of the audio it gets (`AsrProgram` fields of wyoming 1.10; an
    older library or server without them means Home Assistant's defaults, all true)."""

    requires_external_vad: bool = True
    prefers_auto_gain_enabled: bool = True
    prefers_noise_reduction_enabled: bool = True


@dataclass(frozen=True)
class TranscribeResult:
    text: str
    language: str | None


async def async_describe(host: str, port: int) -> Info:
    """The server's `info` answer to `describe`."""
    try:
        async with asyncio.timeout(DESCRIBE_TIMEOUT), AsyncTcpClient(host, port) as client:
            await client.write_event(Describe().event())
            while True:
                event = await client.read_event()
                if event is None:
                    raise WyomingConnectionError("the server closed the connection")
                if Info.is_type(event.type):
                    return Info.from_event(event)
    except (OSError, TimeoutError) as error:
        raise WyomingConnectionError(str(error) or type(error).__name__) from error


def our_program(info: Info) -> AsrProgram | None:
    """Our speech-to-text program in an `info` answer, if it is our server."""
    return next((program for program in info.asr if program.name == PROGRAM_NAME), None)


def program_audio_processing(program: AsrProgram) -> AudioProcessing:
    """The audio processing the program declares in its `info`."""
    defaults = AudioProcessing()
    return AudioProcessing(
        **{
            name: bool(getattr(program, name, getattr(defaults, name)))
            for name in (
                "requires_external_vad",
                "prefers_auto_gain_enabled",
                "prefers_noise_reduction_enabled",
            )
        }
    )


def program_model_name(program: AsrProgram) -> str | None:
    """The name of the program's (first) installed model: the one it transcribes with."""
    return next((model.name for model in program.models if model.installed), None)


def program_languages(program: AsrProgram) -> list[str]:
    """The languages of the program's installed models, in the order they appear."""
    languages: list[str] = []
    for model in program.models:
        if model.installed:
            languages.extend(lang for lang in model.languages if lang not in languages)
    return languages


async def async_transcribe(
    host: str,
    port: int,
    language: str,
    stream: AsyncIterable[bytes],
    token: str | None = None,
) -> TranscribeResult:
    """Send audio as it arrives (16 kHz, 16 bit, mono) and wait for the transcript.

    The answer is read while the audio is sent: a server that ends the command itself
    (`requires_external_vad: false`) answers before the stream ends, and then no more audio
    is taken from the stream (`audio-stop` ends the utterance for the server)."""
    context: dict[str, Any] = {"streaming": False}
    if token:
        context["token"] = token
    try:
        async with AsyncTcpClient(host, port) as client:
            await client.write_event(Transcribe(language=language, context=context).event())
            await client.write_event(
                AudioStart(rate=SAMPLE_RATE, width=SAMPLE_WIDTH, channels=SAMPLE_CHANNELS).event()
            )
            answer = asyncio.ensure_future(_read_answer(client))
            try:
                async for audio in stream:
                    if answer.done():
                        break  # answered already (endpointing, or an error)
                    await client.write_event(
                        AudioChunk(
                            rate=SAMPLE_RATE,
                            width=SAMPLE_WIDTH,
                            channels=SAMPLE_CHANNELS,
                            audio=audio,
                        ).event()
                    )
                with contextlib.suppress(OSError):  # the server may have closed after an error
                    await client.write_event(AudioStop().event())
                return await answer
            finally:
                answer.cancel()
    except OSError as error:
        raise WyomingConnectionError(str(error) or type(error).__name__) from error


async def _read_answer(client: AsyncTcpClient) -> TranscribeResult:
    """The transcript, or the server's error."""
    while True:
        event = await client.read_event()
        if event is None:
            raise WyomingConnectionError("the server closed the connection")
        if Transcript.is_type(event.type):
            transcript = Transcript.from_event(event)
            return TranscribeResult(transcript.text, transcript.language)
        if Error.is_type(event.type):
            error = Error.from_event(event)
            raise WyomingServerError(error.code, error.text)
