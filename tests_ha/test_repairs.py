"""A vocabulary sync the token may not do is a repair issue (once, not a warning per attempt),
cleared when a sync goes through again."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from custom_components.local_asr.const import CONF_VOCABULARY_SYNC, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from ha_helpers import setup_entry
from mocked_server import MockedServer, mock_entry, patched
from real_server import RealServer

ISSUE = "vocabulary_sync_forbidden_01JLOCALASR0000000000000000"


@pytest.fixture
def server() -> Iterator[MockedServer]:
    with patched(MockedServer()) as mocked:
        yield mocked


async def _home_changes(hass: HomeAssistant, name: str) -> None:
    ar.async_get(hass).async_create(name)
    # The sync waits out its cooldown before it sends again.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_forbidden_sync_raises_one_issue_and_clears_it(
    hass: HomeAssistant, server: MockedServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    server.vocabulary_forbidden = True
    entry = mock_entry(hass, **{CONF_VOCABULARY_SYNC: True})
    with caplog.at_level(logging.WARNING):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await _home_changes(hass, "Kitchen")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "vocabulary_sync_forbidden"
    assert issue.translation_placeholders == {"title": entry.title}
    assert not [r for r in caplog.records if "Vocabulary sync" in r.getMessage()]
    assert server.vocabulary_puts == []

    server.vocabulary_forbidden = False
    await _home_changes(hass, "Study")
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None
    assert server.vocabulary_puts


async def test_issue_goes_with_the_entry(hass: HomeAssistant, server: MockedServer) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    server.vocabulary_forbidden = True
    entry = mock_entry(hass, **{CONF_VOCABULARY_SYNC: True})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is not None
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


@pytest.mark.real_server
@pytest.mark.usefixtures("socket_enabled")
async def test_real_server_refuses_a_user_token_sync(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    """The real server answers 403 to a token of the `user` role: the issue appears."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = await setup_entry(
        hass, real_server, token=real_server.user_token, options={CONF_VOCABULARY_SYNC: True}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    issue_id = f"vocabulary_sync_forbidden_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
