"""Local ASR: the wyoming-local-asr server as speech-to-text, health sensors and actions."""

from __future__ import annotations

from functools import partial

from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .compat import OPTIONS_FLOW_RELOADS
from .const import CONF_OPS_PORT, CONF_VOCABULARY_SYNC, DOMAIN, LOGGER
from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator, LocalAsrData
from .discovery_cards import async_watch_core_cards, configured_service_names
from .entity import server_device_info
from .ops_client import OpsClient
from .services import async_setup_services
from .vocabulary import async_start_vocabulary_sync, forbidden_issue_id
from .wyoming_client import (
    WyomingConnectionError,
    async_describe,
    our_program,
    program_audio_processing,
    program_languages,
)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR, Platform.STT]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions; drop core's discovery cards for the servers added here."""
    async_setup_services(hass)
    async_watch_core_cards(hass, lambda: configured_service_names(hass))
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> bool:
    """Connect to the server: its Wyoming port must answer (speech-to-text needs nothing else);
    its operations API need not, the sensors wait for it."""
    host: str = entry.data[CONF_HOST]
    try:
        info = await async_describe(host, entry.data[CONF_PORT])
    except WyomingConnectionError as error:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(error)},
        ) from error
    program = our_program(info)
    if program is None:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="not_local_asr",
            translation_placeholders={"port": str(entry.data[CONF_PORT])},
        )

    client = OpsClient(
        async_get_clientsession(hass), host, entry.data[CONF_OPS_PORT], entry.data.get(CONF_TOKEN)
    )
    coordinator = LocalAsrCoordinator(hass, entry, client)
    try:
        # A rejected token (ConfigEntryAuthFailed) fails the setup and starts reauth.
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as error:
        # The coordinator keeps polling (its entities listen) and logs when it recovers.
        LOGGER.info(
            "The operations API of %s does not answer (%s): speech-to-text works, the sensors "
            "are unavailable until it answers",
            entry.title,
            error.__cause__,
        )
    languages = program_languages(program) or (
        [] if coordinator.server is None else coordinator.server.languages
    )

    entry.runtime_data = LocalAsrData(
        coordinator=coordinator,
        client=client,
        languages=languages,
        device_info=server_device_info(entry, client, program),
        audio_processing=program_audio_processing(program),
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if entry.options.get(CONF_VOCABULARY_SYNC, False):
        async_start_vocabulary_sync(hass, entry)
    else:
        ir.async_delete_issue(hass, DOMAIN, forbidden_issue_id(entry))
    if not OPTIONS_FLOW_RELOADS:
        # Home Assistant before 2025.8 has no OptionsFlowWithReload: saved options reload the
        # entry through this listener. Newer releases reload by themselves, and there an
        # update listener beside update-and-reload flows is deprecated (breaks in 2026.12).
        options = dict(entry.options)
        entry.async_on_unload(
            entry.add_update_listener(partial(_async_reload_on_new_options, options))
        )
    return True


async def async_remove_entry(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> None:
    """The entry's repair issue goes with it."""
    ir.async_delete_issue(hass, DOMAIN, forbidden_issue_id(entry))


async def async_unload_entry(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> bool:
    """Unload the platforms."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def _async_reload_on_new_options(
    options: dict[str, object], hass: HomeAssistant, entry: LocalAsrConfigEntry
) -> None:
    """Reload when the options changed; data changes (reconfigure, reauth, discovery) reload
    through their own flows already."""
    if dict(entry.options) != options:
        await hass.config_entries.async_reload(entry.entry_id)
