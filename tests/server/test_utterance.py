"""An utterance goes through conversion and denoising while its audio arrives, so that after
`audio-stop` only VAD and the recognizer are left; the result is the same as all at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from server_helpers import TEST_SETTINGS, WordClockRecognizer

from wyoming_local_asr.asr_service import AsrService
from wyoming_local_asr.audio.convert import AudioFormat
from wyoming_local_asr.server.utterance import Utterance

MONO_16K = AudioFormat(16000, 2, 1)
CHUNK = 2048  # bytes: 64 ms, as Home Assistant sends them


@pytest.fixture
async def service() -> AsyncIterator[AsrService]:
    settings = replace(TEST_SETTINGS, denoise=True, vad=True)
    service = AsrService(settings, WordClockRecognizer())
    yield service
    service.shutdown()


def new_utterance(service: AsrService) -> Utterance:
    return Utterance(service, MONO_16K, streaming=False, language=None)


async def wait_until_fed(utterance: Utterance) -> None:
    async with asyncio.timeout(10):
        while utterance.pending_bytes:  # noqa: ASYNC110 - polls a plain property
            await asyncio.sleep(0.01)


async def test_audio_is_denoised_as_it_arrives(service: AsrService, goforward: bytes) -> None:
    utterance = new_utterance(service)
    for start in range(0, len(goforward), CHUNK):
        utterance.add(goforward[start : start + CHUNK])
        await asyncio.sleep(0)  # the event loop goes on while pieces are fed on threads
    await wait_until_fed(utterance)  # without audio-stop: nothing waits for the end
    assert utterance.pending_bytes == 0
    result = (await utterance.finish()).result

    whole = await service.run_blocking(service.engine.pipeline.run, goforward, MONO_16K)
    assert result.text == whole.text != ""
    assert result.speech == whole.speech
    assert {"convert", "denoise", "vad"} <= set(result.timings)


async def test_a_cancelled_utterance_leaves_the_service_working(
    service: AsrService, goforward: bytes
) -> None:
    for _ in range(3):
        utterance = new_utterance(service)
        for start in range(0, len(goforward), CHUNK):
            utterance.add(goforward[start : start + CHUNK])
        await asyncio.sleep(0.005)  # some pieces are on worker threads now
        utterance.cancel()
        await wait_until_fed(utterance)  # the piece in flight ends; nothing more is fed
    utterance = new_utterance(service)
    utterance.add(goforward)
    result = (await utterance.finish()).result
    whole = await service.run_blocking(service.engine.pipeline.run, goforward, MONO_16K)
    assert result.text == whole.text
