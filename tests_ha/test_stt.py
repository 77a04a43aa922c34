"""The speech-to-text entity against the real server: Assist pipeline, event, token."""

from __future__ import annotations

from pathlib import Path

import pytest
from custom_components.local_asr.const import CONF_LANGUAGE, DOMAIN, EVENT_TRANSCRIPT
from custom_components.local_asr.wyoming_client import AudioProcessing
from homeassistant.components import stt
from homeassistant.components.assist_pipeline import (
    AudioSettings,
    PipelineEvent,
    PipelineEventType,
    PipelineStage,
    async_pipeline_from_audio_stream,
)
from homeassistant.components.assist_pipeline.pipeline import KEY_ASSIST_PIPELINE
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_capture_events

from conftest import GOFORWARD_TEXT
from ha_helpers import audio_stream, entity_id, setup_entry
from real_server import RealServer

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]

METADATA = stt.SpeechMetadata(
    language="en",
    format=stt.AudioFormats.WAV,
    codec=stt.AudioCodecs.PCM,
    bit_rate=stt.AudioBitRates.BITRATE_16,
    sample_rate=stt.AudioSampleRates.SAMPLERATE_16000,
    channel=stt.AudioChannels.CHANNEL_MONO,
)


async def test_pipeline_transcribes_with_local_asr(
    hass: HomeAssistant, real_server: RealServer, goforward: bytes
) -> None:
    """An Assist pipeline with our entity as its speech-to-text engine."""
    assert await async_setup_component(hass, "homeassistant", {})  # conversation needs it
    assert await async_setup_component(hass, "assist_pipeline", {})
    entry = await setup_entry(hass, real_server)
    stt_entity = entity_id(hass, entry, "stt", "stt")
    assert stt.async_get_speech_to_text_entity(hass, stt_entity).supported_languages == ["en"]
    # The real server (RNNoise on by default) asks for the raw microphone channel.
    assert entry.runtime_data.audio_processing == AudioProcessing(
        requires_external_vad=True,
        prefers_auto_gain_enabled=False,
        prefers_noise_reduction_enabled=False,
    )
    pipeline = await hass.data[KEY_ASSIST_PIPELINE].pipeline_store.async_create_item(
        {
            "conversation_engine": "conversation.home_assistant",
            "conversation_language": "en",
            "language": "en",
            "name": "Local ASR",
            "stt_engine": stt_entity,
            "stt_language": "en",
            "tts_engine": None,
            "tts_language": None,
            "tts_voice": None,
            "wake_word_entity": None,
            "wake_word_id": None,
        }
    )
    transcripts = async_capture_events(hass, EVENT_TRANSCRIPT)
    events: list[PipelineEvent] = []
    await async_pipeline_from_audio_stream(
        hass,
        context=Context(),
        event_callback=events.append,
        stt_metadata=METADATA,
        stt_stream=audio_stream(goforward),
        pipeline_id=pipeline.id,
        start_stage=PipelineStage.STT,
        end_stage=PipelineStage.STT,
        audio_settings=AudioSettings(is_vad_enabled=False),
    )
    stt_end = [event for event in events if event.type is PipelineEventType.STT_END]
    assert stt_end, [event.type for event in events]
    assert stt_end[0].data["stt_output"]["text"] == GOFORWARD_TEXT

    await hass.async_block_till_done()
    assert len(transcripts) == 1
    fired = transcripts[0].data
    assert fired["text"] == GOFORWARD_TEXT
    assert fired["language"] == "en"
    assert fired["entity_id"] == stt_entity
    assert fired["config_entry_id"] == entry.entry_id
    assert fired["latency_ms"] > 0
    # The pipeline runs in a chat session: the event names its conversation.
    assert fired["conversation_id"]


async def test_entity_sends_token_and_language_option(
    hass: HomeAssistant, model_dir: Path, tmp_path: Path, goforward: bytes
) -> None:
    """A server that requires a token transcribes with the entry's token."""
    server = RealServer(model_dir, tmp_path / "server", "--require-token")
    token = server.create_token("user")
    server.start()
    try:
        entry = await setup_entry(hass, server, token=token, options={CONF_LANGUAGE: "en"})
        entity = stt.async_get_speech_to_text_entity(hass, entity_id(hass, entry, "stt", "stt"))
        assert entity is not None
        result = await entity.async_process_audio_stream(METADATA, audio_stream(goforward))
        assert result.result is stt.SpeechResultState.SUCCESS
        assert result.text == GOFORWARD_TEXT

        # Revoked: the server refuses the utterance and the entry asks for a new token.
        server.revoke_token(token)
        result = await entity.async_process_audio_stream(METADATA, audio_stream(goforward))
        assert result.result is stt.SpeechResultState.ERROR
        assert result.text is None
        await hass.async_block_till_done()
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    finally:
        server.stop()
