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
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from ha_helpers import entity_id, setup_entry
from real_server import RealServer, free_port

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


async def test_vocabulary_sync_sends_assist_names(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    """With the option on, area and exposed entity names reach the server."""
    assert await async_setup_component(hass, "homeassistant", {})
    areas = ar.async_get(hass)
    areas.async_create("Kitchen")
    areas.async_create("Living Room", aliases={"Lounge"})
    hass.states.async_set("light.ceiling", "off", {"friendly_name": "Ceiling lamp"})
    hass.states.async_set("sensor.hidden", "1", {"friendly_name": "Not exposed"})
    async_expose_entity(hass, "conversation", "sensor.hidden", False)

    entry = await setup_entry(
        hass, real_server, token=real_server.admin_token, options={CONF_VOCABULARY_SYNC: True}
    )
    await hass.async_block_till_done(wait_background_tasks=True)  # the sync runs in background
    data = entry.runtime_data
    assert sorted(data.vocabulary) == ["Ceiling lamp", "Kitchen", "Living Room", "Lounge"]
    # The server's answer: how many phrases it now listens for.
    assert data.vocabulary_active == 4
