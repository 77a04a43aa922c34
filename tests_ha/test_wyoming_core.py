"""Home Assistant's own `wyoming` integration, pointed at our server, transcribes too."""

from __future__ import annotations

import pytest
from homeassistant.components import stt
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from conftest import GOFORWARD_TEXT
from ha_helpers import audio_stream
from real_server import RealServer
from test_stt import METADATA

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]


async def test_core_wyoming_integration_transcribes(
    hass: HomeAssistant, real_server: RealServer, goforward: bytes
) -> None:
    # The wyoming integration depends on assist_pipeline, whose conversation agent needs
    # the `homeassistant` integration, as in a running Home Assistant.
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain="wyoming",
        data={CONF_HOST: real_server.host, CONF_PORT: real_server.port},
        title="wyoming-local-asr",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    stt_ids = [item.entity_id for item in entities if item.domain == "stt"]
    assert len(stt_ids) == 1
    entity = stt.async_get_speech_to_text_entity(hass, stt_ids[0])
    assert entity is not None
    assert "en" in entity.supported_languages
    assert entity.check_metadata(METADATA)

    result = await entity.internal_async_process_audio_stream(METADATA, audio_stream(goforward))
    assert result.result is stt.SpeechResultState.SUCCESS
    assert result.text == GOFORWARD_TEXT
