"""The server reads the home from Home Assistant's websocket API itself (the add-on's way, for
users of the core Wyoming integration alone): a real Home Assistant, a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from real_server import RealServer

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]

# Polls of the server's vocabulary while it fetches (each 0.25 s apart): at most 60 s.
POLLS = 240


async def _held(hass: HomeAssistant, server: RealServer, token: str) -> dict[str, Any]:
    result: dict[str, Any] = await hass.async_add_executor_job(server.get, "/api/vocabulary", token)
    return result


async def test_the_server_reads_the_exposed_home_from_home_assistant(
    *,
    hass: HomeAssistant,
    aiohttp_client: Any,
    hass_access_token: str,
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for component in ("homeassistant", "websocket_api", "config"):
        assert await async_setup_component(hass, component, {})
    upstairs = fr.async_get(hass).async_create("First Floor", aliases={"upstairs"})
    areas = ar.async_get(hass)
    study = areas.async_create("Study", aliases={"Office"}, floor_id=upstairs.floor_id)
    garage = areas.async_create("Garage")
    config_entry = MockConfigEntry(domain="test")
    config_entry.add_to_hass(hass)
    door = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={("test", "door")}
    )
    dr.async_get(hass).async_update_device(door.id, area_id=garage.id)
    registry = er.async_get(hass)
    panels = registry.async_get_or_create("light", "test", "panels", suggested_object_id="panels")
    registry.async_update_entity(panels.entity_id, aliases={"wall lights"}, area_id=study.id)
    lock = registry.async_get_or_create(
        "lock", "test", "door", suggested_object_id="door", device_id=door.id
    )
    hidden = registry.async_get_or_create("switch", "test", "hidden", suggested_object_id="x")
    hass.states.async_set(panels.entity_id, "off", {"friendly_name": "Nanoleaf Panels"})
    hass.states.async_set(lock.entity_id, "locked", {"friendly_name": "Nuki lock"})
    hass.states.async_set(hidden.entity_id, "off", {"friendly_name": "Not exposed"})
    for entity in (panels.entity_id, lock.entity_id):
        async_expose_entity(hass, "conversation", entity, True)
    async_expose_entity(hass, "conversation", hidden.entity_id, False)

    client = await aiohttp_client(hass.http.app)
    url = f"ws://127.0.0.1:{client.port}/api/websocket"
    monkeypatch.setenv("LOCAL_ASR_HOME_ASSISTANT_TOKEN", hass_access_token)
    server = RealServer(model_dir, tmp_path / "server", "--home-assistant-url", url)
    token = server.create_token("admin")
    await hass.async_add_executor_job(server.start)
    try:
        for _ in range(POLLS):
            held = await _held(hass, server, token)
            if held["entities"]:
                break
            await asyncio.sleep(0.25)
        assert held["entities"] == [
            {"name": "Nanoleaf Panels", "aliases": ["wall lights"], "domain": "light",
             "area": "Study"},
            {"name": "Nuki lock", "aliases": [], "domain": "lock", "area": "Garage"},
        ]  # fmt: skip
        assert {"name": "Study", "aliases": ["Office"], "floor": "First Floor"} in held["areas"]
        assert held["floors"] == [{"name": "First Floor", "aliases": ["upstairs"]}]
        assert "Home Assistant vocabulary: 2 entities, 2 areas, 1 floors" in server.log()
    finally:
        await hass.async_add_executor_job(server.stop)


async def test_a_wrong_token_is_one_log_line_and_the_server_keeps_serving(
    hass: HomeAssistant,
    aiohttp_client: Any,
    model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await async_setup_component(hass, "websocket_api", {})
    client = await aiohttp_client(hass.http.app)
    url = f"ws://127.0.0.1:{client.port}/api/websocket"
    monkeypatch.setenv("LOCAL_ASR_HOME_ASSISTANT_TOKEN", "not-a-token")
    server = RealServer(model_dir, tmp_path / "server", "--home-assistant-url", url)
    await hass.async_add_executor_job(server.start)
    try:
        for _ in range(POLLS):
            if "authentication failed" in server.log():
                break
            await asyncio.sleep(0.25)
        assert "authentication failed" in server.log()
        assert "Traceback" not in server.log()
        health = await hass.async_add_executor_job(server.get, "/api/health")
        assert health["status"] in ("ok", "warning")
    finally:
        await hass.async_add_executor_job(server.stop)
