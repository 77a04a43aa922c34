"""Every platform against a mocked server: entity snapshots, availability from each side, the
transcript's hot path, ids from the entry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from unittest.mock import patch

import pytest
from custom_components.local_asr import compat
from custom_components.local_asr.const import DOMAIN, UPDATE_INTERVAL
from custom_components.local_asr.wyoming_client import AudioProcessing
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import stt
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from fake_peers import LOCAL_ASR_SERVER_ID
from mocked_server import MockedServer, mock_entry, patched
from test_stt import METADATA

# Coordinators refresh up to a second after their interval (a per-coordinator offset).
_TICK = UPDATE_INTERVAL + timedelta(seconds=1)


@pytest.fixture
def server() -> Iterator[MockedServer]:
    with patched(MockedServer()) as mocked:
        yield mocked


async def _setup(hass: HomeAssistant, *platforms: Platform) -> str:
    entry = mock_entry(hass)
    with patch("custom_components.local_asr.PLATFORMS", list(platforms)):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry.entry_id


async def _audio() -> AsyncIterator[bytes]:
    for _ in range(5):
        yield b"\0" * 2048


def _stt_entity(hass: HomeAssistant) -> stt.SpeechToTextEntity:
    entity_id = er.async_get(hass).async_get_entity_id("stt", DOMAIN, f"{LOCAL_ASR_SERVER_ID}_stt")
    assert entity_id is not None
    entity = stt.async_get_speech_to_text_entity(hass, entity_id)
    assert entity is not None
    return entity


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.STT])
async def test_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    server: MockedServer,
    platform: Platform,
) -> None:
    entry_id = await _setup(hass, platform)
    await snapshot_platform(hass, entity_registry, snapshot, entry_id)


async def test_gpu_sensor_appears_once_the_server_reports_a_gpu(
    hass: HomeAssistant, server: MockedServer, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, Platform.SENSOR)
    assert hass.states.get("sensor.local_asr_10_0_0_2_gpu_temperature") is None
    server.health["system"]["gpu"] = {"name": "Jetson", "temperature_c": 48.0}
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = hass.states.get("sensor.local_asr_10_0_0_2_gpu_temperature")
    assert state is not None
    assert state.state == "48.0"


async def test_warning_follows_the_status(
    hass: HomeAssistant, server: MockedServer, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, Platform.BINARY_SENSOR)
    assert hass.states.get("binary_sensor.local_asr_10_0_0_2_warning").state == "off"  # type: ignore[union-attr]
    server.health.update(status="warning", warnings=["rtf"])
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.local_asr_10_0_0_2_warning").state == "on"  # type: ignore[union-attr]


async def test_transcript_returns_without_waiting_for_the_health(
    hass: HomeAssistant, server: MockedServer
) -> None:
    """The sensors' refresh after an utterance runs in the background: a health read that
    hangs does not hold the transcript back; once it answers, the sensors show it."""
    await _setup(hass, Platform.STT, Platform.SENSOR)
    entity = _stt_entity(hass)
    reads = server.health_reads
    server.health_gate = asyncio.Event()
    server.health["utterances"]["total"] = 4
    async with asyncio.timeout(5):
        result = await entity.async_process_audio_stream(METADATA, _audio())
    assert result.result is stt.SpeechResultState.SUCCESS
    assert result.text == server.transcript
    await asyncio.sleep(0)
    assert server.health_reads == reads + 1  # the refresh was asked for, and waits
    assert hass.states.get("sensor.local_asr_10_0_0_2_utterances").state == "3"  # type: ignore[union-attr]
    server.health_gate.set()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.local_asr_10_0_0_2_utterances").state == "4"  # type: ignore[union-attr]


async def test_stt_stays_available_while_only_the_operations_api_is_down(
    hass: HomeAssistant, server: MockedServer, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, Platform.STT, Platform.SENSOR)
    stt_id = _stt_entity(hass).entity_id
    sensor_id = "sensor.local_asr_10_0_0_2_utterances"
    server.ops_down = True
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(sensor_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get(stt_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]
    result = await _stt_entity(hass).async_process_audio_stream(METADATA, _audio())
    assert result.text == server.transcript


async def test_stt_unavailable_while_the_wyoming_port_is_down(
    hass: HomeAssistant, server: MockedServer, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, Platform.STT, Platform.SENSOR)
    stt_id = _stt_entity(hass).entity_id
    sensor_id = "sensor.local_asr_10_0_0_2_utterances"
    server.wyoming_down = True
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(stt_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get(sensor_id).state == "3"  # type: ignore[union-attr]

    server.wyoming_down = False
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(stt_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_a_failed_utterance_marks_the_stt_entity_unavailable(
    hass: HomeAssistant, server: MockedServer
) -> None:
    await _setup(hass, Platform.STT)
    entity = _stt_entity(hass)
    server.wyoming_down = True
    result = await entity.async_process_audio_stream(METADATA, _audio())
    assert result.result is stt.SpeechResultState.ERROR
    assert hass.states.get(entity.entity_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    server.wyoming_down = False
    result = await entity.async_process_audio_stream(METADATA, _audio())
    assert result.result is stt.SpeechResultState.SUCCESS
    assert hass.states.get(entity.entity_id).state != STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_ids_come_from_the_entry_not_from_the_live_server(
    hass: HomeAssistant, server: MockedServer
) -> None:
    """A server that reports another id (its data dir was replaced) keeps its entities."""
    server.info["server_id"] = "a-new-id-after-a-reinstall"
    await _setup(hass, Platform.STT, Platform.SENSOR)
    registry = er.async_get(hass)
    unique_ids = {item.unique_id for item in registry.entities.values()}
    assert f"{LOCAL_ASR_SERVER_ID}_stt" in unique_ids
    assert f"{LOCAL_ASR_SERVER_ID}_utterances" in unique_ids
    assert not any(uid.startswith("a-new-id") for uid in unique_ids)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, LOCAL_ASR_SERVER_ID)})
    assert device is not None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # RNNoise on: the raw microphone channel, no noise suppression or gain by HA.
        (
            {"prefers_auto_gain_enabled": False, "prefers_noise_reduction_enabled": False},
            AudioProcessing(True, False, False),
        ),
        # RNNoise off: Home Assistant suppresses the noise.
        (
            {"prefers_auto_gain_enabled": True, "prefers_noise_reduction_enabled": True},
            AudioProcessing(True, True, True),
        ),
    ],
)
async def test_stt_declares_the_servers_audio_processing(
    hass: HomeAssistant,
    server: MockedServer,
    freezer: FrozenDateTimeFactory,
    fields: dict[str, bool],
    expected: AudioProcessing,
) -> None:
    server.set_audio_processing(**fields)
    await _setup(hass, Platform.STT)
    entity = _stt_entity(hass)
    assert entity._audio_processing == expected  # type: ignore[attr-defined]
    if compat.HAS_AUDIO_PROCESSING:
        declared = entity.audio_processing  # type: ignore[attr-defined]
        assert declared.prefers_noise_reduction_enabled is expected.prefers_noise_reduction_enabled
    else:
        # This Home Assistant has no such property: nothing is declared.
        assert compat.speech_audio_processing(expected) is None

    # A server restarted with the other setting is seen at the next probe.
    server.set_audio_processing(
        prefers_noise_reduction_enabled=True, prefers_auto_gain_enabled=True
    )
    freezer.tick(_TICK)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert entity._audio_processing == AudioProcessing(True, True, True)  # type: ignore[attr-defined]
