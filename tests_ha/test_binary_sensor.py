"""The warning binary sensor follows the server's health status."""

from __future__ import annotations

import pytest
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from ha_helpers import entity_id, setup_entry
from real_server import RealServer

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]


async def test_warning_follows_the_health_status(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    entry = await setup_entry(hass, real_server)
    health = real_server.get("/api/health")
    state = hass.states.get(entity_id(hass, entry, "binary_sensor", "warning"))
    assert state is not None
    assert state.state == (STATE_ON if health["status"] == "warning" else STATE_OFF)
    assert state.attributes["device_class"] == "problem"
