"""Vocabulary sync: the home as Assist knows it goes to the server.

The entities exposed to Assist (name, aliases, domain, area), every area (aliases, floor), every
floor (aliases) and the sentences of automations' sentence triggers are sent as one document to
`PUT /api/vocabulary`: at start, whenever the registries, exposure or automations change, and
whenever the server reports a vocabulary version other than the one it gave ours (a restarted
or replaced server is never left without the home), and when the operations API answers again
(the sync waits while it does not, also when it is down at start).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import (
    async_listen_entity_updates,
    async_should_expose,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import floor_registry as fr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.start import async_at_started

from .const import DOMAIN, LOGGER
from .coordinator import LocalAsrConfigEntry
from .ops_client import OpsError, OpsForbiddenError

# The server's limits (its README documents them): larger homes are cut, with a warning.
MAX_ENTITIES = 2000
MAX_AREAS = 300
MAX_FLOORS = 50
MAX_ALIASES = 20
MAX_NAME_LENGTH = 100
MAX_SENTENCES = 1000
MAX_SENTENCE_LENGTH = 200
SYNC_COOLDOWN = 10.0
# Fired by the automation integration after its automations were (re)loaded or edited.
EVENT_AUTOMATION_RELOADED = "automation_reloaded"


def _names(aliases: set[str] | list[str]) -> list[str]:
    clean = [alias.strip() for alias in aliases if alias and alias.strip()]
    return sorted(name for name in clean if len(name) <= MAX_NAME_LENGTH)[:MAX_ALIASES]


@callback
def trigger_sentences(hass: HomeAssistant) -> list[str]:
    """The sentences of every automation's sentence (conversation) trigger, as written."""
    from homeassistant.components.automation import DATA_COMPONENT

    component = hass.data.get(DATA_COMPONENT)
    if component is None:
        return []
    sentences: list[str] = []
    for automation in component.entities:
        config = automation.raw_config or {}
        triggers = config.get("triggers", config.get("trigger", []))
        for trigger in triggers if isinstance(triggers, list) else [triggers]:
            if not isinstance(trigger, dict):
                continue
            if trigger.get("trigger", trigger.get("platform")) != "conversation":
                continue
            commands = trigger.get("command", [])
            for command in commands if isinstance(commands, list) else [commands]:
                if isinstance(command, str) and 0 < len(command.strip()) <= MAX_SENTENCE_LENGTH:
                    sentences.append(command.strip())
    return sorted(set(sentences))[:MAX_SENTENCES]


@callback
def assist_home(hass: HomeAssistant) -> dict[str, Any]:
    """The home's vocabulary document: exposed entities, areas and floors with aliases, and
    the automations' trigger sentences."""
    floors = fr.async_get(hass)
    areas = ar.async_get(hass)
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    floor_names = {floor.floor_id: floor.name for floor in floors.async_list_floors()}
    area_names = {area.id: area.name for area in areas.async_list_areas()}
    document_entities: list[dict[str, Any]] = []
    for state in sorted(hass.states.async_all(), key=lambda s: s.entity_id):
        if not async_should_expose(hass, "conversation", state.entity_id):
            continue
        name = state.name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            continue
        entry = entities.async_get(state.entity_id)
        area_id = entry.area_id if entry is not None else None
        if area_id is None and entry is not None and entry.device_id is not None:
            device = devices.async_get(entry.device_id)
            area_id = device.area_id if device is not None else None
        document_entities.append(
            {
                "name": name,
                "aliases": _names(entry.aliases) if entry is not None else [],
                "domain": state.domain,
                "area": area_names.get(area_id, "") if area_id else "",
            }
        )
    document = {
        "entities": document_entities[:MAX_ENTITIES],
        "areas": [
            {
                "name": area.name,
                "aliases": _names(area.aliases),
                "floor": floor_names.get(area.floor_id, "") if area.floor_id else "",
            }
            for area in areas.async_list_areas()
        ][:MAX_AREAS],
        "floors": [
            {"name": floor.name, "aliases": _names(floor.aliases)}
            for floor in floors.async_list_floors()
        ][:MAX_FLOORS],
        "sentences": trigger_sentences(hass),
    }
    if len(document_entities) > MAX_ENTITIES:
        LOGGER.warning("Vocabulary sync: only the first %d exposed entities are sent", MAX_ENTITIES)
    return document


async def async_sync_vocabulary(
    hass: HomeAssistant, entry: LocalAsrConfigEntry, force: bool = False
) -> None:
    """Send the home to the server; failures are logged, Assist works without it."""
    data = entry.runtime_data
    if not data.coordinator.last_update_success:
        # The operations API does not answer: the sync waits for it (`server_checked`).
        LOGGER.debug("Vocabulary sync to %s waits for the operations API", entry.title)
        return
    document = assist_home(hass)
    if not force and document == data.vocabulary and data.vocabulary_version is not None:
        return
    try:
        answer = await data.client.set_home_vocabulary(document)
    except OpsForbiddenError as error:
        # Not a passing failure: a repair issue says so once, until a sync goes through.
        LOGGER.debug("Vocabulary sync to %s refused: %s", entry.title, error)
        ir.async_create_issue(
            hass,
            DOMAIN,
            forbidden_issue_id(entry),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="vocabulary_sync_forbidden",
            translation_placeholders={"title": entry.title},
        )
        return
    except OpsError as error:
        LOGGER.warning("Vocabulary sync to %s failed: %s", entry.title, error)
        return
    ir.async_delete_issue(hass, DOMAIN, forbidden_issue_id(entry))
    data.vocabulary = document
    data.vocabulary_version = str(answer.get("version")) if answer.get("version") else None
    LOGGER.debug(
        "Vocabulary sync: %d entities, %d areas, %d floors, %d sentences sent to %s (version %s)",
        len(document["entities"]),
        len(document["areas"]),
        len(document["floors"]),
        len(document["sentences"]),
        entry.title,
        data.vocabulary_version,
    )


def forbidden_issue_id(entry: LocalAsrConfigEntry) -> str:
    """The repair issue raised while the entry's token may not set the vocabulary."""
    return f"vocabulary_sync_forbidden_{entry.entry_id}"


@callback
def async_start_vocabulary_sync(hass: HomeAssistant, entry: LocalAsrConfigEntry) -> None:
    """Sync now, again whenever the home changes, and when the server lost our version."""
    data = entry.runtime_data
    debouncer = Debouncer(
        hass,
        LOGGER,
        cooldown=SYNC_COOLDOWN,
        immediate=True,
        # A partial, not a lambda: HassJob must see a coroutine function to await it.
        function=partial(async_sync_vocabulary, hass, entry),
        background=True,
    )
    resync = Debouncer(
        hass,
        LOGGER,
        cooldown=SYNC_COOLDOWN,
        immediate=True,
        function=partial(async_sync_vocabulary, hass, entry, True),
        background=True,
    )

    @callback
    def changed(_event: Event[Any]) -> None:
        debouncer.async_schedule_call()

    @callback
    def started(_hass: HomeAssistant) -> None:
        debouncer.async_schedule_call()

    answered = data.coordinator.last_update_success

    @callback
    def server_checked() -> None:
        nonlocal answered
        recovered = data.coordinator.last_update_success and not answered
        answered = data.coordinator.last_update_success
        health = data.coordinator.data
        if (
            health is not None
            and data.vocabulary_version is not None
            and health.vocabulary_version != data.vocabulary_version
        ):
            LOGGER.info("The server at %s lost the vocabulary; sending it again", entry.title)
            resync.async_schedule_call()
        elif recovered:
            # The operations API answers again (or for the first time since the start).
            debouncer.async_schedule_call()

    for event_type in (
        ar.EVENT_AREA_REGISTRY_UPDATED,
        er.EVENT_ENTITY_REGISTRY_UPDATED,
        fr.EVENT_FLOOR_REGISTRY_UPDATED,
        EVENT_AUTOMATION_RELOADED,
    ):
        entry.async_on_unload(hass.bus.async_listen(event_type, changed))
    entry.async_on_unload(
        async_listen_entity_updates(hass, "conversation", debouncer.async_schedule_call)
    )
    entry.async_on_unload(data.coordinator.async_add_listener(server_checked))
    # Automations load late at start: their sentences go out once Home Assistant has started.
    entry.async_on_unload(async_at_started(hass, started))
    entry.async_on_unload(debouncer.async_shutdown)
    entry.async_on_unload(resync.async_shutdown)
    debouncer.async_schedule_call()
