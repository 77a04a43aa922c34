"""The speech-to-text entity against a real server that ends commands itself (`--endpointing`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from custom_components.local_asr.wyoming_client import AudioProcessing
from homeassistant.components import stt
from homeassistant.core import HomeAssistant

from conftest import GOFORWARD_TEXT
from ha_helpers import entity_id, setup_entry
from real_server import RealServer
from test_stt import METADATA

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]

CHUNK_BYTES = 2048  # 1024 samples, 64 ms
SILENCE = bytes(CHUNK_BYTES)


async def test_the_entity_answers_while_the_microphone_still_streams(
    hass: HomeAssistant, model_dir: Path, tmp_path: Path, goforward: bytes
) -> None:
    server = RealServer(model_dir, tmp_path / "server", "--endpointing")
    server.start()
    try:
        entry = await setup_entry(hass, server)
        # The server finds the end of speech: Home Assistant (2026.11+) need not.
        assert entry.runtime_data.audio_processing == AudioProcessing(
            requires_external_vad=False,
            prefers_auto_gain_enabled=False,
            prefers_noise_reduction_enabled=False,
        )
        entity = stt.async_get_speech_to_text_entity(hass, entity_id(hass, entry, "stt", "stt"))
        assert entity is not None
        taken = 0
        total = len(goforward) // CHUNK_BYTES + 470  # the command, then 30 s of silence

        async def microphone() -> AsyncIterator[bytes]:
            """A satellite's stream (at twice real time): speech, then silence until nobody
            listens any more."""
            nonlocal taken
            for index in range(total):
                await asyncio.sleep(0.032)
                taken += 1
                start = index * CHUNK_BYTES
                yield goforward[start : start + CHUNK_BYTES] or SILENCE

        result = await entity.async_process_audio_stream(METADATA, microphone())
        assert result.result is stt.SpeechResultState.SUCCESS
        assert result.text == GOFORWARD_TEXT
        # Answered after the speech and well before the silence ran out.
        assert len(goforward) // CHUNK_BYTES < taken < total
        # The connection ended cleanly: the next utterance works the same way.
        taken = 0
        again = await entity.async_process_audio_stream(METADATA, microphone())
        assert again.text == GOFORWARD_TEXT
        assert "Traceback" not in server.log()
    finally:
        server.stop()
