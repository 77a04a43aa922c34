"""One discovery card per server: Home Assistant's own `wyoming` integration discovers the same
`_wyoming._tcp` service and would offer a second card for a server this integration handles.

Core's zeroconf flow names itself (its unique id) `<zeroconf service name>_<program name>`;
a flow of that domain whose unique id starts with the service name of one of our servers is
aborted: when our own discovery of it runs (either card may come first, so our flow also
watches for core's while it is open), and, for servers already added here, whenever new
discoveries appear. A server added by hand learns its service name at its first discovery.
Not possible from here: a Wyoming entry the user adds by hand, and the Supervisor's add-on
discovery card (its flow carries the add-on's id, not an address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.config_entries import EVENT_FLOW_DISCOVERED, SOURCE_ZEROCONF
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback

from .const import CONF_ZEROCONF_NAME, DOMAIN, LOGGER

CORE_WYOMING_DOMAIN = "wyoming"


@callback
def async_abort_core_cards(hass: HomeAssistant, service_names: Iterable[str]) -> int:
    """Abort core `wyoming` zeroconf flows for these services; how many were aborted."""
    prefixes = tuple(f"{name}_" for name in service_names if name)
    if not prefixes:
        return 0
    aborted = 0
    for flow in hass.config_entries.flow.async_progress_by_handler(
        CORE_WYOMING_DOMAIN, include_uninitialized=True, match_context={"source": SOURCE_ZEROCONF}
    ):
        unique_id = str(flow["context"].get("unique_id") or "")
        if unique_id.startswith(prefixes):
            LOGGER.debug("Dropping the Wyoming discovery %s: Local ASR handles it", unique_id)
            hass.config_entries.flow.async_abort(flow["flow_id"])
            aborted += 1
    return aborted


@callback
def async_watch_core_cards(
    hass: HomeAssistant, service_names: Callable[[], Iterable[str]]
) -> CALLBACK_TYPE:
    """Abort matching core cards now and whenever discoveries appear; returns the unsubscribe."""

    @callback
    def discovered(_event: Event) -> None:
        async_abort_core_cards(hass, service_names())

    async_abort_core_cards(hass, service_names())
    return hass.bus.async_listen(EVENT_FLOW_DISCOVERED, discovered)


@callback
def configured_service_names(hass: HomeAssistant) -> list[str]:
    """The zeroconf service names of the servers added to this integration."""
    return [
        str(entry.data[CONF_ZEROCONF_NAME])
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_ZEROCONF_NAME)
    ]
