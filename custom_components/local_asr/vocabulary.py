"""Vocabulary sync: the names Assist knows (areas, exposed entities) go to the server."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.debounce import Debouncer

from .const import LOGGER
from .coordinator import LocalAsrConfigEntry
from .ops_client import OpsError

# At most 1000 phrases of at most 200 characters each (the server's limits).
MAX_PHRASES = 1000
MAX_PHRASE_LENGTH = 200
SYNC_COOLDOWN = 10.0


@callback
def assist_phrases(hass: HomeAssistant) -> list[str]:
    """Area names and aliases, names and aliases of the entities exposed to Assist."""
    phrases: dict[str, None] = {}
    for area in ar.async_get(hass).async_list_areas():
        for name in (area.name, *area.aliases):
            phrases[name.strip()] = None
    entities = er.async_get(hass)
    for state in hass.states.async_all():
        if not async_should_expose(hass, "conversation", state.entity_id):
            continue
        phrases[state.name.strip()] = None
        if (entry := entities.async_get(state.entity_id)) is not None:
            for alias in entry.aliases:
                phrases[alias.strip()] = None
    return [phrase for phrase in phrases if phrase and len(phrase) <= MAX_PHRASE_LENGTH][
        :MAX_PHRASES
    ]


async def async_sync_vocabulary(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> None:
    """Send the phrases to the server; failures are logged, Assist works without them."""
    data = entry.runtime_data
    phrases = assist_phrases(hass)
    if phrases == data.vocabulary and data.vocabulary_active is not None:
        return
    try:
        data.vocabulary_active = await data.client.set_vocabulary(phrases)
    except OpsError as error:
        LOGGER.warning("Vocabulary sync to %s failed: %s", entry.title, error)
        return
    data.vocabulary = phrases
    LOGGER.debug("Vocabulary sync: %d phrases sent to %s", len(phrases), entry.title)


@callback
def async_start_vocabulary_sync(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> None:
    """Sync now and again whenever areas or entities change."""
    debouncer = Debouncer(
        hass,
        LOGGER,
        cooldown=SYNC_COOLDOWN,
        immediate=True,
        # A partial, not a lambda: HassJob must see a coroutine function to await it.
        function=partial(async_sync_vocabulary, hass, entry),
        background=True,
    )

    @callback
    def changed(_event: Event[Any]) -> None:
        debouncer.async_schedule_call()

    entry.async_on_unload(hass.bus.async_listen(ar.EVENT_AREA_REGISTRY_UPDATED, changed))
    entry.async_on_unload(hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, changed))
    entry.async_on_unload(debouncer.async_shutdown)
    debouncer.async_schedule_call()
