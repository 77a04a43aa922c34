"""Set up the integration against the real server; find its entities; feed audio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from custom_components.local_asr.const import CONF_OPS_PORT, DOMAIN
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from real_server import RealServer

CHUNK_BYTES = 2048  # 64 ms of 16 kHz 16-bit mono, about what a satellite sends


async def setup_entry(
    hass: HomeAssistant,
    server: RealServer,
    *,
    token: str | None = None,
    options: dict[str, Any] | None = None,
    ops_port: int | None = None,
) -> MockConfigEntry:
    """`ops_port`: another operations port than the server's (one where nothing answers)."""
    data: dict[str, Any] = {
        CONF_HOST: server.host,
        CONF_PORT: server.port,
        CONF_OPS_PORT: server.ops_port if ops_port is None else ops_port,
    }
    if token:
        data[CONF_TOKEN] = token
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Local ASR ({server.host})",
        unique_id=server.get("/api/info", token)["server_id"],
        data=data,
        options=options or {},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None, f"no {platform} entity {key}"
    return found


async def audio_stream(audio: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(audio), CHUNK_BYTES):
        yield audio[start : start + CHUNK_BYTES]
