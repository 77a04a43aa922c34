"""Speech-to-text entity: streams the pipeline's audio to the server over Wyoming."""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from homeassistant.components import stt
from homeassistant.const import CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import chat_session
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_LANGUAGE, EVENT_TRANSCRIPT, LOGGER
from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator
from .entity import LocalAsrEntity
from .wyoming_client import (
    WyomingConnectionError,
    WyomingServerError,
    async_transcribe,
)

# Every utterance has its own connection: no limit.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LocalAsrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the speech-to-text entity."""
    data = entry.runtime_data
    async_add_entities([LocalAsrSttEntity(data.coordinator, data.languages)])


class LocalAsrSttEntity(LocalAsrEntity, stt.SpeechToTextEntity):
    """The server as a speech-to-text engine for Assist pipelines."""

    _attr_name = None

    def __init__(self, coordinator: LocalAsrCoordinator, languages: list[str]) -> None:
        super().__init__(coordinator, "stt")
        self._languages = languages

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
            return stt.SpeechResult(None, stt.SpeechResultState.ERROR)
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
        # The sensors show this utterance soon, not at the next poll.
        await self.coordinator.async_request_refresh()
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
