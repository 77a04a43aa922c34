"""The actions' error paths against a mocked server: each error is Home Assistant's, with its
translation; a rejected token starts reauthentication."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from custom_components.local_asr.const import DOMAIN, MODEL_RELOAD_TIMEOUT, REQUEST_TIMEOUT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from mocked_server import MockedServer, mock_entry, patched


@pytest.fixture
def server() -> Iterator[MockedServer]:
    with patched(MockedServer()) as mocked:
        yield mocked


async def _entry_id(hass: HomeAssistant) -> str:
    entry = mock_entry(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.entry_id


async def test_reload_model_answers_the_model(hass: HomeAssistant, server: MockedServer) -> None:
    entry_id = await _entry_id(hass)
    answer = await hass.services.async_call(
        DOMAIN, "reload_model", {"config_entry_id": entry_id}, blocking=True, return_response=True
    )
    assert answer == {"model": "hama-conformer-ctc-en", "version": "1"}
    # a model load takes seconds on a Pi: the reload is given longer than other requests
    assert server.timeouts["/api/model/reload"] == MODEL_RELOAD_TIMEOUT > REQUEST_TIMEOUT


async def test_forbidden_is_a_translated_error(hass: HomeAssistant, server: MockedServer) -> None:
    entry_id = await _entry_id(hass)
    server.vocabulary_forbidden = True
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "set_vocabulary", {"config_entry_id": entry_id, "phrases": ["x"]}, blocking=True
        )
    assert raised.value.translation_key == "token_forbidden"


async def test_rejected_token_starts_reauth(hass: HomeAssistant, server: MockedServer) -> None:
    entry_id = await _entry_id(hass)
    server.writes_unauthorized = True
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "reload_model", {"config_entry_id": entry_id}, blocking=True
        )
    assert raised.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unreachable_is_a_translated_error(hass: HomeAssistant, server: MockedServer) -> None:
    entry_id = await _entry_id(hass)
    server.ops_down = True
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "set_vocabulary", {"config_entry_id": entry_id, "phrases": ["x"]}, blocking=True
        )
    assert raised.value.translation_key == "request_failed"


async def test_an_entry_not_loaded_is_a_validation_error(
    hass: HomeAssistant, server: MockedServer
) -> None:
    entry_id = await _entry_id(hass)
    assert await hass.config_entries.async_unload(entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "reload_model", {"config_entry_id": entry_id}, blocking=True
        )
    assert raised.value.translation_key == "entry_not_loaded"
