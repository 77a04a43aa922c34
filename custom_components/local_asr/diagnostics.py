"""Diagnostics: the entry, what the server reported, and the vocabulary sync (no token)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .coordinator import LocalAsrConfigEntry

TO_REDACT = {CONF_TOKEN, "Authorization"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LocalAsrConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    data = entry.runtime_data
    coordinator = data.coordinator
    token = data.token
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "server": None if data.server is None else asdict(data.server),
        "token_role": None if token is None else token.role,
        "languages": data.languages,
        "health": coordinator.data.raw if coordinator.data is not None else None,
        "last_update_success": coordinator.last_update_success,
        "vocabulary": {
            "sent": {key: len(value) for key, value in data.vocabulary.items()},
            "version": data.vocabulary_version,
        },
    }
