"""The home read from Home Assistant's websocket answers (the protocol itself is tested against
a real Home Assistant in tests_ha/test_home_assistant_fetch.py)."""

from __future__ import annotations

import pytest

from wyoming_local_asr.app import home_assistant_token
from wyoming_local_asr.config import ConfigError, load_settings
from wyoming_local_asr.vocabulary.home import parse_vocabulary
from wyoming_local_asr.vocabulary.home_assistant import home_document

ANSWERS = {
    "states": [
        {"entity_id": "light.panels", "attributes": {"friendly_name": "Nanoleaf Panels"}},
        {"entity_id": "lock.door", "attributes": {"friendly_name": " Nuki lock "}},
        {"entity_id": "switch.hidden", "attributes": {"friendly_name": "Hidden"}},
        {"entity_id": "sensor.nameless", "attributes": {}},
        {"entity_id": "light.long", "attributes": {"friendly_name": "x" * 101}},
    ],
    "entities": {
        "light.panels": {"aliases": ["wall lights", "", 7], "area_id": "study"},
        "lock.door": {"aliases": [], "area_id": None, "device_id": "dev1"},
        "sensor.nameless": None,
    },
    "devices": [{"id": "dev1", "area_id": "garage"}],
    "areas": [
        {"area_id": "study", "name": "Study", "aliases": ["Office"], "floor_id": "first"},
        {"area_id": "garage", "name": "Garage", "aliases": [], "floor_id": None},
    ],
    "floors": [{"floor_id": "first", "name": "First Floor", "aliases": ["upstairs"]}],
    "exposed": {
        "exposed_entities": {
            "light.panels": {"conversation": True},
            "lock.door": {"conversation": True},
            "switch.hidden": {"conversation": False},
            "sensor.nameless": {"conversation": True},
            "light.long": {"conversation": True},
        }
    },
}


def test_exposed_entities_with_aliases_and_the_devices_area() -> None:
    document = home_document(ANSWERS)
    assert document["entities"] == [
        {"name": "Nanoleaf Panels", "aliases": ["wall lights"], "domain": "light", "area": "Study"},
        {"name": "Nuki lock", "aliases": [], "domain": "lock", "area": "Garage"},
        {"name": "nameless", "aliases": [], "domain": "sensor", "area": ""},
    ]
    assert document["areas"][0] == {"name": "Study", "aliases": ["Office"], "floor": "First Floor"}
    assert document["floors"] == [{"name": "First Floor", "aliases": ["upstairs"]}]
    assert parse_vocabulary(document).counts()["entities"] == 3  # the server takes it as it is


def test_the_token_comes_from_the_environment_only() -> None:
    assert home_assistant_token({"SUPERVISOR_TOKEN": "abc"}) == "abc"
    assert (
        home_assistant_token({"LOCAL_ASR_HOME_ASSISTANT_TOKEN": "x", "SUPERVISOR_TOKEN": "y"})
        == "x"
    )
    with pytest.raises(ConfigError, match="LOCAL_ASR_HOME_ASSISTANT_TOKEN"):
        home_assistant_token({})
    with pytest.raises(ConfigError, match="ws:// or wss://"):
        load_settings({"home_assistant_url": "http://homeassistant:8123"}, environ={})
