"""Sensors show what the real server reports in `/api/health`."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import stt
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from ha_helpers import audio_stream, entity_id, setup_entry
from real_server import RealServer
from test_stt import METADATA

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]


def _state(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None, entity
    return state.state


def _same(value: object) -> str:
    return STATE_UNKNOWN if value is None else str(value)


async def test_sensors_match_the_server(
    hass: HomeAssistant,
    real_server: RealServer,
    goforward: bytes,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = await setup_entry(hass, real_server)
    # One utterance through our entity, so that the rolling figures exist.
    entity = stt.async_get_speech_to_text_entity(hass, entity_id(hass, entry, "stt", "stt"))
    assert entity is not None
    result = await entity.async_process_audio_stream(METADATA, audio_stream(goforward))
    assert result.result is stt.SpeechResultState.SUCCESS

    # The sensors are read again right after the utterance, in the background (jumping the
    # clock now would fire that request's timeout: let it finish first).
    await hass.async_block_till_done(wait_background_tasks=True)
    health = real_server.get("/api/health")
    utterances = health["utterances"]
    assert utterances["total"] >= 1

    def sensor(key: str) -> str:
        return _state(hass, entity_id(hass, entry, "sensor", key))

    assert sensor("utterances") == str(utterances["total"])
    assert sensor("errors") == str(utterances["errors"])
    assert float(sensor("rtf_last")) == utterances["rtf"]["last"]
    assert float(sensor("rtf_p95")) == utterances["rtf"]["p95"]
    assert float(sensor("latency_p50")) == utterances["latency_ms"]["p50"]
    assert float(sensor("latency_p95")) == utterances["latency_ms"]["p95"]
    assert float(sensor("rtf_last")) > 0
    assert sensor("cpu_temperature") == _same(health["system"]["cpu_temperature_c"])
    # Memory moves a little between two reads of a running process.
    assert float(sensor("memory")) == pytest.approx(health["system"]["memory_rss_mb"], rel=0.1)

    state = hass.states.get(entity_id(hass, entry, "sensor", "latency_p95"))
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "ms"
    memory = hass.states.get(entity_id(hass, entry, "sensor", "memory"))
    assert memory is not None
    assert memory.attributes["unit_of_measurement"] == "MB"


async def test_gpu_temperature_only_with_a_gpu(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    entry = await setup_entry(hass, real_server)
    gpu = real_server.get("/api/health")["system"]["gpu"]
    names = {
        state.entity_id
        for state in hass.states.async_all("sensor")
        if state.entity_id.endswith("_gpu_temperature")
    }
    if gpu is None:
        assert names == set()
    else:
        assert _state(hass, entity_id(hass, entry, "sensor", "gpu_temperature")) == _same(
            gpu["temperature_c"]
        )
