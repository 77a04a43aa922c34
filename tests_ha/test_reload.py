"""Saved options reload the entry once; flows that update the entry reload it once; no update
listener where Home Assistant reloads by itself (mocked server)."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
from custom_components import local_asr
from custom_components.local_asr import compat
from custom_components.local_asr.const import CONF_LANGUAGE, CONF_VOCABULARY_SYNC
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from mocked_server import MockedServer, mock_entry, patched


@pytest.fixture
def server() -> Iterator[MockedServer]:
    with patched(MockedServer()) as mocked:
        yield mocked


async def test_saved_options_reload_the_entry_once(
    hass: HomeAssistant, server: MockedServer
) -> None:
    entry = mock_entry(hass)
    with patch.object(local_asr, "async_setup_entry", wraps=local_asr.async_setup_entry) as setup:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert setup.call_count == 1
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_LANGUAGE: "en", CONF_VOCABULARY_SYNC: False}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert setup.call_count == 2
        assert entry.state is ConfigEntryState.LOADED

        # Saved again unchanged: nothing to reload.
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_LANGUAGE: "en", CONF_VOCABULARY_SYNC: False}
        )
        await hass.async_block_till_done()
        assert setup.call_count == 2


async def test_reauth_reloads_the_entry_once(hass: HomeAssistant, server: MockedServer) -> None:
    """`async_update_reload_and_abort` reloads; the update listener (old Home Assistant only)
    must not reload a second time."""
    entry = mock_entry(hass)
    with patch.object(local_asr, "async_setup_entry", wraps=local_asr.async_setup_entry) as setup:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        result = await entry.start_reauth_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"token": "lasr_admin0002_another"}
        )
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
        assert setup.call_count == 2
    assert entry.data["token"] == "lasr_admin0002_another"


async def test_no_update_listener_where_options_flows_reload(
    hass: HomeAssistant, server: MockedServer
) -> None:
    """On Home Assistant with OptionsFlowWithReload (2025.8+) the entry has no update listener:
    since 2026.6 one beside update-and-reload flows is deprecated (it breaks in 2026.12)."""
    entry = mock_entry(hass)
    with patch.object(local_asr, "OPTIONS_FLOW_RELOADS", True):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.update_listeners == []


def test_options_flow_base_is_the_reloading_one_where_it_exists() -> None:
    from homeassistant import config_entries

    expected = getattr(config_entries, "OptionsFlowWithReload", config_entries.OptionsFlow)
    assert compat.OptionsFlowWithReload is expected
    assert compat.OPTIONS_FLOW_RELOADS is hasattr(config_entries, "OptionsFlowWithReload")
