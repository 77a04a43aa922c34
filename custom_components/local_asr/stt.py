"""Speech-to-text entity: streams the pipeline's audio to the server over Wyoming.

It is available while the Wyoming port answers (probed every `UPDATE_INTERVAL` and by every
utterance), whatever the operations API does: speech-to-text needs only the Wyoming port.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from homeassistant.components import stt
from homeassistant.const import CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import chat_session
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import speech_audio_processing
from .const import CONF_LANGUAGE, EVENT_TRANSCRIPT, LOGGER, UPDATE_INTERVAL
from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator
from .entity import entry_key
from .wyoming_client import (
    AudioProcessing,
    WyomingConnectionError,
    WyomingServerError,
    async_describe,
    async_transcribe,
    our_program,
    program_audio_processing,
)

# Every utterance has its own connection: no limit.
PARALLEL_UPDATES = 0
# How often the Wyoming port is probed (`describe`) for the entity's availability.
SCAN_INTERVAL = UPDATE_INTERVAL


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LocalAsrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the speech-to-text entity."""
    data = entry.runtime_data
    async_add_entities([LocalAsrSttEntity(data.coordinator, data.languages, data.audio_processing)])


class LocalAsrSttEntity(stt.SpeechToTextEntity):
    """The server as a speech-to-text engine for Assist pipelines."""

    _attr_has_entity_name = True
    _attr_name = None
    _attr_should_poll = True

    def __init__(
        self,
        coordinator: LocalAsrCoordinator,
        languages: list[str],
        audio_processing: AudioProcessing,
    ) -> None:
        self.coordinator = coordinator
        self._languages = languages
        self._audio_processing = audio_processing
        self._attr_unique_id = f"{entry_key(coordinator.config_entry)}_stt"
        self._attr_device_info = coordinator.config_entry.runtime_data.device_info

    @property
    def supported_languages(self) -> list[str]:
        return self._languages

    @property
    def supported_formats(self) -> list[stt.AudioFormats]:
        return [stt.AudioFormats.WAV]

    @property
    def supported_codecs(self) -> list[stt.AudioCodecs]:
        return [stt.AudioCodecs.PCM]

    @property
    def supported_bit_rates(self) -> list[stt.AudioBitRates]:
        return [stt.AudioBitRates.BITRATE_16]

    @property
    def supported_sample_rates(self) -> list[stt.AudioSampleRates]:
        return [stt.AudioSampleRates.SAMPLERATE_16000]

    @property
    def supported_channels(self) -> list[stt.AudioChannels]:
        return [stt.AudioChannels.CHANNEL_MONO]

    @property
    def audio_processing(self) -> Any:
        """What the server asks for (Home Assistant 2026.11+ reads it; older ones do not):
        with RNNoise on, the raw microphone; with it off, Home Assistant's noise suppression."""
        return speech_audio_processing(self._audio_processing)

    async def async_update(self) -> None:
        """Probe the Wyoming port; the server's declared audio processing may have changed."""
        entry = self.coordinator.config_entry
        try:
            info = await async_describe(self.coordinator.client.host, entry.data[CONF_PORT])
        except WyomingConnectionError as error:
            self._set_reachable(reachable=False, error=str(error))
            return
        if (program := our_program(info)) is not None:
            self._audio_processing = program_audio_processing(program)
        self._set_reachable(reachable=True)

    def _set_reachable(self, *, reachable: bool, error: str = "") -> None:
        """Availability from the Wyoming side; logged once when it changes."""
        if reachable == self._attr_available:
            return
        if reachable:
            LOGGER.info("The Wyoming port of %s answers again", self.coordinator.config_entry.title)
        else:
            LOGGER.info(
                "The Wyoming port of %s is unreachable: %s",
                self.coordinator.config_entry.title,
                error,
            )
        self._attr_available = reachable

    async def async_process_audio_stream(
        self, metadata: stt.SpeechMetadata, stream: AsyncIterable[bytes]
    ) -> stt.SpeechResult:
        """Stream the audio as it arrives; fire `local_asr_transcript` with the result."""
        entry = self.coordinator.config_entry
        client = self.coordinator.client
        language = entry.options.get(CONF_LANGUAGE) or metadata.language
        ended = _EndOfAudio(stream)
        try:
            result = await async_transcribe(
                client.host,
                entry.data[CONF_PORT],
                language,
                ended,
                token=entry.data.get(CONF_TOKEN),
            )
        except WyomingServerError as error:
            LOGGER.error("The server refused to transcribe: %s", error)
            if error.code == "unauthorized":
                entry.async_start_reauth(self.hass)
            return stt.SpeechResult(None, stt.SpeechResultState.ERROR)
        except WyomingConnectionError as error:
            LOGGER.error("Cannot transcribe, the server is unreachable: %s", error)
            self._set_reachable(reachable=False, error=str(error))
            self.async_write_ha_state()
            return stt.SpeechResult(None, stt.SpeechResultState.ERROR)
        if not self._attr_available:
            self._set_reachable(reachable=True)
            self.async_write_ha_state()
        latency_ms = (time.monotonic() - ended.at) * 1000 if ended.at is not None else None
        event: dict[str, Any] = {
            "text": result.text,
            "language": result.language or language,
            "latency_ms": None if latency_ms is None else round(latency_ms, 1),
            "entity_id": self.entity_id,
            "config_entry_id": entry.entry_id,
        }
        if (session := chat_session.current_session.get()) is not None:
            event["conversation_id"] = session.conversation_id
        self.hass.bus.async_fire(EVENT_TRANSCRIPT, event)
        # The sensors show this utterance soon, not at the next poll; the transcript does not
        # wait for the operations API (its timeout is seconds long).
        entry.async_create_background_task(
            self.hass,
            self.coordinator.async_request_refresh(),
            "local_asr: read the health after an utterance",
        )
        return stt.SpeechResult(result.text, stt.SpeechResultState.SUCCESS)


class _EndOfAudio:
    """Passes the audio through and notes when it ended (the start of the latency)."""

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self.at: float | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk
        self.at = time.monotonic()
