"""Actions `local_asr.reload_model` and `local_asr.set_vocabulary`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .access import async_check_permission
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_PHRASES,
    DOMAIN,
    PERMISSION_CONFIG_UPDATE,
    PERMISSION_MODEL_WRITE,
    SERVICE_RELOAD_MODEL,
    SERVICE_SET_VOCABULARY,
)
from .coordinator import LocalAsrConfigEntry
from .ops_client import OpsAuthError, OpsError, OpsForbiddenError

RELOAD_MODEL_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
SET_VOCABULARY_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_PHRASES): vol.All(
            cv.ensure_list, [vol.All(cv.string, vol.Length(min=1, max=200))], vol.Length(max=1000)
        ),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, for all entries)."""

    async def reload_model(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_entry(hass, call)
        await async_check_permission(hass, entry, call.context, PERMISSION_MODEL_WRITE)
        async with _translated_errors(hass, entry):
            answer = await entry.runtime_data.client.reload_model()
        await entry.runtime_data.coordinator.async_request_refresh()
        model = answer.get("model") or {}
        return {"model": model.get("name"), "version": model.get("version")}

    async def set_vocabulary(call: ServiceCall) -> ServiceResponse:
        entry = _loaded_entry(hass, call)
        await async_check_permission(hass, entry, call.context, PERMISSION_CONFIG_UPDATE)
        data = entry.runtime_data
        # The synced home stays; the phrases are added to it (a phrase: a name of any domain).
        document = {**data.vocabulary, "phrases": list(call.data[ATTR_PHRASES])}
        async with _translated_errors(hass, entry):
            answer = await data.client.set_home_vocabulary(document)
        return {"phrases": int(answer.get("phrases", 0))}

    hass.services.async_register(
        DOMAIN,
        SERVICE_RELOAD_MODEL,
        reload_model,
        schema=RELOAD_MODEL_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_VOCABULARY,
        set_vocabulary,
        schema=SET_VOCABULARY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


def _loaded_entry(hass: HomeAssistant, call: ServiceCall) -> LocalAsrConfigEntry:
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: LocalAsrConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


@asynccontextmanager
async def _translated_errors(
    hass: HomeAssistant, entry: LocalAsrConfigEntry
) -> AsyncIterator[None]:
    """Turn the API's errors into Home Assistant's; a rejected token starts reauth."""
    try:
        yield
    except OpsAuthError as error:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from error
    except OpsForbiddenError as error:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="token_forbidden",
            translation_placeholders={"error": str(error)},
        ) from error
    except OpsError as error:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="request_failed",
            translation_placeholders={"error": str(error)},
        ) from error
