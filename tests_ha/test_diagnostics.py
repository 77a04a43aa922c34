"""Diagnostics: snapshot of what the entry knows, with no secret in it."""

from __future__ import annotations

import json

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import paths, props
from syrupy.matchers import path_type

from ha_helpers import setup_entry
from real_server import RealServer

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]

# Figures of a running server (and the ports of this run) differ from run to run.
_NUMBERS = path_type(types=(int, float))
# Live readings, and the model's build version (it changes with every new lexicon).
_LIVE = props(
    "server_id", "warnings", "status", "stage_seconds", "cpu_temperature_c", "gpu", "load_1m"
)
_MODEL_VERSION = paths("health.model.version", "server.model_version")


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    real_server: RealServer,
    snapshot: SnapshotAssertion,
) -> None:
    entry = await setup_entry(hass, real_server, token=real_server.admin_token)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert real_server.admin_token not in json.dumps(diagnostics)
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert diagnostics["server"]["server_id"] == entry.unique_id
    assert diagnostics["server"]["model_version"] == diagnostics["health"]["model"]["version"]
    assert diagnostics == snapshot(
        exclude=lambda prop, path: (
            _LIVE(prop=prop, path=path) or _MODEL_VERSION(prop=prop, path=path)
        ),
        matcher=_NUMBERS,
    )
