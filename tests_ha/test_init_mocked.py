"""Set-up against a mocked server whose two sides fail apart: the entry needs its Wyoming port,
not its operations API (speech-to-text works, the sensors wait for the API and recover)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from custom_components.local_asr.const import CONF_VOCABULARY_SYNC, DOMAIN, UPDATE_INTERVAL
from custom_components.local_asr.diagnostics import async_get_config_entry_diagnostics
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import stt
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from fake_peers import LOCAL_ASR_SERVER_ID, asr_info
from mocked_server import MockedServer, mock_entry, patched
from test_entities_mocked import _audio, _stt_entity
from test_stt import METADATA

# Coordinators refresh up to a second after their interval (a per-coordinator offset).
_TICK = UPDATE_INTERVAL + timedelta(seconds=1)
_STT = "stt.local_asr_10_0_0_2"
_SENSORS = ("sensor.local_asr_10_0_0_2_utterances", "binary_sensor.local_asr_10_0_0_2_warning")
_OPS_DOWN_LOG = "The operations API of Local ASR (10.0.0.2) does not answer"


@pytest.fixture
def server() -> Iterator[MockedServer]:
    with patched(MockedServer()) as mocked:
        yield mocked


async def _setup(hass: HomeAssistant, **options: object) -> MockConfigEntry:
    entry = mock_entry(hass, **options)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_operations_api_down_at_start_sets_up_speech_to_text_and_sensors_recover(
    hass: HomeAssistant,
    server: MockedServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant (re)starts while only the operations API is down: the speech-to-text
    entity is there and transcribes; the sensors are unavailable (one log line says why) until
    the API answers, and then show its figures."""
    server.ops_down = True
    entry = await _setup(hass)
    assert entry.state is ConfigEntryState.LOADED
    assert _state(hass, _STT) != STATE_UNAVAILABLE
    assert [_state(hass, sensor) for sensor in _SENSORS] == [STATE_UNAVAILABLE] * 2
    assert caplog.text.count(_OPS_DOWN_LOG) == 1
    # What the operations API would tell is not known yet; the Wyoming `info` tells the rest.
    data = entry.runtime_data
    assert (data.server, data.token, data.languages) == (None, None, ["en"])
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, LOCAL_ASR_SERVER_ID)})
    assert device is not None
    assert (device.model, device.sw_version) == ("hama-conformer-ctc-en", "0.1.0")
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert (diagnostics["server"], diagnostics["health"]) == (None, None)
    assert diagnostics["last_update_success"] is False

    entity = _stt_entity(hass)
    result = await entity.async_process_audio_stream(METADATA, _audio())
    assert (result.result, result.text) == (stt.SpeechResultState.SUCCESS, server.transcript)

    # Still down at the next polls: nothing more in the log, the entities as they were.
    await _tick(hass, freezer)
    await _tick(hass, freezer)
    assert caplog.text.count(_OPS_DOWN_LOG) == 1
    assert "Error fetching" not in caplog.text
    assert [_state(hass, sensor) for sensor in _SENSORS] == [STATE_UNAVAILABLE] * 2
    assert _state(hass, _STT) != STATE_UNAVAILABLE

    server.ops_down = False
    await _tick(hass, freezer)
    assert [_state(hass, sensor) for sensor in _SENSORS] == ["3", "off"]
    assert data.server is not None
    assert data.server.server_id == LOCAL_ASR_SERVER_ID
    assert data.token is not None
    assert data.token.role == "admin"
    assert "Fetching Local ASR 10.0.0.2 data recovered" in caplog.text
    assert _state(hass, _STT) != STATE_UNAVAILABLE


@pytest.mark.parametrize("ops_down", [False, True], ids=["ops-up", "ops-down"])
async def test_wyoming_port_down_at_start_is_not_ready(
    hass: HomeAssistant, server: MockedServer, ops_down: bool
) -> None:
    """Without the Wyoming port there is no speech-to-text: the setup is retried later, and
    the operations API is not asked meanwhile."""
    server.wyoming_down = True
    server.ops_down = ops_down
    entry = await _setup(hass)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert server.timeouts == {}
    assert hass.states.async_entity_ids() == []


async def test_rejected_token_at_start_starts_reauth(
    hass: HomeAssistant, server: MockedServer
) -> None:
    server.token_role = None  # `GET /api/token` answers 401
    entry = await _setup(hass)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_token_rejected_when_the_operations_api_comes_back_starts_reauth(
    hass: HomeAssistant, server: MockedServer, freezer: FrozenDateTimeFactory
) -> None:
    """Set up while the API was down, the token is checked at its first answer."""
    server.ops_down = True
    entry = await _setup(hass)
    assert entry.state is ConfigEntryState.LOADED
    server.ops_down = False
    server.token_role = None
    await _tick(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert [_state(hass, sensor) for sensor in _SENSORS] == [STATE_UNAVAILABLE] * 2
    assert _state(hass, _STT) != STATE_UNAVAILABLE


async def test_vocabulary_sync_waits_for_the_operations_api(
    hass: HomeAssistant,
    server: MockedServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No doomed request (nor a warning) while the API is down; the home is sent once it
    answers, and not again at the polls after."""
    assert await async_setup_component(hass, "homeassistant", {})
    hass.states.async_set("switch.espresso", "off", {"friendly_name": "espresso machine"})
    server.ops_down = True
    entry = await _setup(hass, **{CONF_VOCABULARY_SYNC: True})
    # The sync's own retries (its entities' registrations) run out while the API is down.
    await _tick(hass, freezer)
    await _tick(hass, freezer)
    assert server.vocabulary_puts == []
    assert "Vocabulary sync to Local ASR (10.0.0.2) failed" not in caplog.text

    server.ops_down = False
    await _tick(hass, freezer)
    assert len(server.vocabulary_puts) == 1
    assert server.vocabulary_puts[0]["entities"][0]["name"] == "espresso machine"
    assert entry.runtime_data.vocabulary_version == "v1"
    await _tick(hass, freezer)
    await _tick(hass, freezer)
    assert len(server.vocabulary_puts) == 1

    # Down and back again with the home unchanged and the server holding it: nothing to send.
    server.ops_down = True
    await _tick(hass, freezer)
    server.ops_down = False
    await _tick(hass, freezer)
    assert len(server.vocabulary_puts) == 1


async def test_another_program_on_the_wyoming_port_is_not_ready(
    hass: HomeAssistant, server: MockedServer
) -> None:
    server.wyoming_info = asr_info("faster-whisper")
    entry = await _setup(hass)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert server.timeouts == {}
