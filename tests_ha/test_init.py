"""Set-up, unload, not-ready, reauth and availability against the real server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from custom_components.local_asr.const import (
    CONF_OPS_PORT,
    CONF_VOCABULARY_SYNC,
    DOMAIN,
    UPDATE_INTERVAL,
)
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import stt
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from conftest import GOFORWARD_TEXT
from ha_helpers import audio_stream, entity_id, setup_entry
from real_server import RealServer, free_port
from test_stt import METADATA

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]

# Coordinators refresh up to a second after their interval (a per-coordinator offset).
_JITTER = timedelta(seconds=1)


async def test_setup_and_unload(hass: HomeAssistant, real_server: RealServer) -> None:
    entry = await setup_entry(hass, real_server)
    assert entry.state is ConfigEntryState.LOADED
    info = real_server.get("/api/info")
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, info["server_id"])})
    assert device is not None
    assert device.sw_version == info["version"]
    assert entry.runtime_data.languages == info["languages"]

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_server_down_at_start_is_not_ready(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="not-running",
        data={CONF_HOST: "127.0.0.1", CONF_PORT: free_port(), CONF_OPS_PORT: free_port()},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_operations_api_unreachable_at_start_still_transcribes(
    hass: HomeAssistant, real_server: RealServer, goforward: bytes
) -> None:
    """Only the Wyoming port answers (nothing on the operations port): the entry loads, the
    speech-to-text entity transcribes, the sensors are unavailable."""
    entry = await setup_entry(hass, real_server, ops_port=free_port())
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.languages == ["en"]
    stt_id = entity_id(hass, entry, "stt", "stt")
    assert hass.states.get(stt_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    for platform, key in (("sensor", "utterances"), ("binary_sensor", "warning")):
        state = hass.states.get(entity_id(hass, entry, platform, key))
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
    entity = stt.async_get_speech_to_text_entity(hass, stt_id)
    assert entity is not None
    result = await entity.async_process_audio_stream(METADATA, audio_stream(goforward))
    assert (result.result, result.text) == (stt.SpeechResultState.SUCCESS, GOFORWARD_TEXT)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, entry.unique_id)})
    assert device is not None
    assert device.sw_version == real_server.get("/api/info")["version"]


async def test_rejected_token_starts_reauth(
    hass: HomeAssistant, model_dir: Path, tmp_path: Path
) -> None:
    server = RealServer(model_dir, tmp_path / "server", "--require-token")
    server.start()
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="any",
            data={
                CONF_HOST: server.host,
                CONF_PORT: server.port,
                CONF_OPS_PORT: server.ops_port,
                CONF_TOKEN: "lasr_00000000_not-a-token",
            },
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.SETUP_ERROR
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    finally:
        server.stop()


async def test_entities_unavailable_while_server_is_down(
    hass: HomeAssistant, model_dir: Path, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    server = RealServer(model_dir, tmp_path / "server")
    server.start()
    try:
        entry = await setup_entry(hass, server)
        watched = [
            entity_id(hass, entry, "sensor", "utterances"),
            entity_id(hass, entry, "binary_sensor", "warning"),
            entity_id(hass, entry, "stt", "stt"),
        ]

        def states() -> list[str]:
            return [hass.states.get(entity).state for entity in watched]  # type: ignore[union-attr]

        assert STATE_UNAVAILABLE not in states()

        server.stop()
        freezer.tick(UPDATE_INTERVAL + _JITTER)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert states() == [STATE_UNAVAILABLE] * len(watched)

        server.start()
        freezer.tick(UPDATE_INTERVAL + _JITTER)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert STATE_UNAVAILABLE not in states()
        assert states()[0] == "0"  # a new process counts from zero
    finally:
        server.stop()


async def test_vocabulary_sync_sends_the_home_and_resends_it_to_a_server_that_lost_it(
    hass: HomeAssistant, model_dir: Path, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    """Exposed entities with aliases, domains and areas, areas with floors, floors with aliases
    and the automations' trigger sentences reach the server; a server that restarts without
    them gets them again."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": "Movie night",
                    "triggers": [
                        {"trigger": "conversation", "command": ["[start] movie night", "cinema"]}
                    ],
                    "actions": [],
                },
                {"alias": "Other", "triggers": [{"trigger": "event", "event_type": "x"}],
                 "actions": []},
            ]
        },
    )  # fmt: skip
    floors = fr.async_get(hass)
    upstairs = floors.async_create("First Floor", aliases={"upstairs"})
    areas = ar.async_get(hass)
    areas.async_create("Kitchen")
    study = areas.async_create("Study", aliases={"Office"}, floor_id=upstairs.floor_id)
    registry = er.async_get(hass)
    panels = registry.async_get_or_create("light", "test", "panels", suggested_object_id="panels")
    registry.async_update_entity(panels.entity_id, aliases={"wall lights"}, area_id=study.id)
    hass.states.async_set(panels.entity_id, "off", {"friendly_name": "Nanoleaf Panels"})
    hass.states.async_set("switch.espresso", "off", {"friendly_name": "espresso machine"})
    hass.states.async_set("sensor.hidden", "1", {"friendly_name": "Not exposed"})
    async_expose_entity(hass, "conversation", "sensor.hidden", False)

    server = RealServer(model_dir, tmp_path / "server")
    token = server.create_token("admin")
    server.start()
    try:
        entry = await setup_entry(hass, server, token=token, options={CONF_VOCABULARY_SYNC: True})
        await hass.async_block_till_done(wait_background_tasks=True)  # the sync runs in background
        held = server.get("/api/vocabulary", token)
        assert entry.runtime_data.vocabulary_version == held["version"]
        assert held["entities"] == [
            {"name": "Nanoleaf Panels", "aliases": ["wall lights"], "domain": "light",
             "area": "Study"},
            {"name": "espresso machine", "aliases": [], "domain": "switch", "area": ""},
        ]  # fmt: skip
        assert {"name": "Study", "aliases": ["Office"], "floor": "First Floor"} in held["areas"]
        assert held["floors"] == [{"name": "First Floor", "aliases": ["upstairs"]}]
        assert held["sentences"] == ["[start] movie night", "cinema"]

        # The server comes back without the vocabulary: the next health check notices.
        server.stop()
        (server.data_dir / "vocabulary.json").unlink()
        server.start()
        assert server.get("/api/vocabulary", token)["entities"] == []
        freezer.tick(UPDATE_INTERVAL + _JITTER)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert server.get("/api/vocabulary", token)["version"] == held["version"]
    finally:
        server.stop()
