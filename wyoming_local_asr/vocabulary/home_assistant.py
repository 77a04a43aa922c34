"""The home's vocabulary fetched from Home Assistant itself, as Speech-to-Phrase does.

The add-on gets Home Assistant's websocket API through the Supervisor
(`ws://supervisor/core/websocket`, authenticated with the add-on's `SUPERVISOR_TOKEN`); any
Home Assistant with a long-lived access token works the same way (`/api/websocket`). Over one
connection it reads the states (names), the device, area and floor registries, which entities
are exposed to Assist, and their entity registry entries (aliases, area, device), and builds
the document `PUT /api/vocabulary` takes: exposed entities with aliases, domain and area (the
device's area when the entity has none), areas with aliases and floor, floors with aliases.
It then subscribes to the registries' change events and reads everything again after a change
(debounced), so the server follows the home.
A lost connection is retried with a growing pause; errors are one log line each, never fatal.
The sentences and phrases sent through the API stay as they are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .home import LIMITS, MAX_ALIASES, MAX_NAME_LENGTH

_LOGGER = logging.getLogger(__name__)

# Home Assistant events after which the home is read again.
CHANGE_EVENTS = (
    "entity_registry_updated",
    "device_registry_updated",
    "area_registry_updated",
    "floor_registry_updated",
)
_QUERIES = {
    "states": "get_states",
    "devices": "config/device_registry/list",
    "areas": "config/area_registry/list",
    "floors": "config/floor_registry/list",
    "exposed": "homeassistant/expose_entity/list",
}
MESSAGE_TIMEOUT = 30.0
MAX_MESSAGE_BYTES = 64 << 20  # get_states of a large home is tens of MB
RETRY_SECONDS = (5.0, 15.0, 60.0, 300.0)
DEBOUNCE_SECONDS = 10.0


class HomeAssistantError(Exception):
    """Home Assistant refused us or answered something unusable (one line)."""


def _names(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    clean = {v.strip() for v in values if isinstance(v, str) and v.strip()}
    return sorted(v for v in clean if len(v) <= MAX_NAME_LENGTH)[:MAX_ALIASES]


def _by_id(items: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        raise HomeAssistantError("a registry answer is not a list")
    return {item[key]: item for item in items if isinstance(item, dict) and key in item}


def home_document(results: Mapping[str, Any]) -> dict[str, Any]:
    """The vocabulary document from the answers to `_QUERIES` (keyed as there) and to
    `config/entity_registry/get_entries` ("entities": entity id -> entry or None)."""
    floors = _by_id(results["floors"], "floor_id")
    areas = _by_id(results["areas"], "area_id")
    devices = _by_id(results["devices"], "id")
    found = results["entities"]
    entities = (
        {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}
    )
    exposed_raw = results["exposed"]
    exposed = exposed_raw.get("exposed_entities", {}) if isinstance(exposed_raw, dict) else {}
    document_entities: list[dict[str, Any]] = []
    states = results["states"] if isinstance(results["states"], list) else []
    for state in sorted(states, key=lambda s: str(s.get("entity_id", ""))):
        entity_id = state.get("entity_id")
        if not isinstance(entity_id, str) or not exposed.get(entity_id, {}).get("conversation"):
            continue
        attributes = state.get("attributes") or {}
        name = str(attributes.get("friendly_name") or entity_id.split(".", 1)[-1]).strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            continue
        entry = entities.get(entity_id, {})
        area_id = entry.get("area_id")
        if not area_id and entry.get("device_id") in devices:
            area_id = devices[entry["device_id"]].get("area_id")
        area = areas.get(area_id, {}) if area_id else {}
        document_entities.append(
            {
                "name": name,
                "aliases": _names(entry.get("aliases")),
                "domain": entity_id.split(".", 1)[0],
                "area": str(area.get("name", "")),
            }
        )
    return {
        "entities": document_entities[: LIMITS["entities"]],
        "areas": [
            {
                "name": str(area.get("name", "")),
                "aliases": _names(area.get("aliases")),
                "floor": str(floors.get(area.get("floor_id") or "", {}).get("name", "")),
            }
            for area in areas.values()
            if area.get("name")
        ][: LIMITS["areas"]],
        "floors": [
            {"name": str(floor.get("name", "")), "aliases": _names(floor.get("aliases"))}
            for floor in floors.values()
            if floor.get("name")
        ][: LIMITS["floors"]],
    }


class HomeAssistantVocabulary:
    """Keeps the server's home vocabulary in step with a Home Assistant (`run` until cancelled)."""

    def __init__(
        self,
        url: str,
        token: str,
        apply: Callable[[dict[str, Any]], Awaitable[object]],
    ) -> None:
        self.url = url
        self._token = token
        self._apply = apply
        self._next_id = 0

    async def run(self) -> None:
        import aiohttp

        failures = 0
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await self._follow(session)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except (aiohttp.ClientError, HomeAssistantError, TimeoutError, ValueError) as error:
                    pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                    failures += 1
                    _LOGGER.warning(
                        "Home Assistant at %s: %s; trying again in %.0f s",
                        self.url,
                        str(error) or type(error).__name__,
                        pause,
                    )
                    await asyncio.sleep(pause)

    async def _follow(self, session: Any) -> None:
        """One connection: authenticate, read the home, then again after every change."""
        async with session.ws_connect(
            self.url, heartbeat=30.0, max_msg_size=MAX_MESSAGE_BYTES
        ) as socket:
            await self._authenticate(socket)
            changes = asyncio.Event()
            for event_type in CHANGE_EVENTS:
                await self._call(socket, {"type": "subscribe_events", "event_type": event_type})
            while True:
                document = await self._read_home(socket, changes)
                await self._apply(document)
                _LOGGER.info(
                    "Home Assistant vocabulary: %d entities, %d areas, %d floors",
                    len(document["entities"]),
                    len(document["areas"]),
                    len(document["floors"]),
                )
                await self._wait_for_change(socket, changes)

    async def _authenticate(self, socket: Any) -> None:
        hello = await self._receive(socket)
        if hello.get("type") != "auth_required":
            raise HomeAssistantError(f"unexpected greeting {hello.get('type')!r}")
        await socket.send_json({"type": "auth", "access_token": self._token})
        answer = await self._receive(socket)
        if answer.get("type") != "auth_ok":
            raise HomeAssistantError(f"authentication failed ({answer.get('message', '')})")

    async def _read_home(self, socket: Any, changes: asyncio.Event) -> dict[str, Any]:
        results = {
            key: await self._call(socket, {"type": command}, changes)
            for key, command in _QUERIES.items()
        }
        exposed = results["exposed"].get("exposed_entities", {})
        wanted = sorted(e for e, where in exposed.items() if where.get("conversation"))
        results["entities"] = (
            await self._call(
                socket,
                {"type": "config/entity_registry/get_entries", "entity_ids": wanted},
                changes,
            )
            if wanted
            else {}
        )
        changes.clear()  # what changed while reading is in what was read
        return home_document(results)

    async def _call(
        self, socket: Any, message: dict[str, Any], changes: asyncio.Event | None = None
    ) -> Any:
        self._next_id += 1
        ident = self._next_id
        await socket.send_json({"id": ident, **message})
        while True:
            answer = await self._receive(socket)
            if answer.get("type") == "event" and changes is not None:
                changes.set()
                continue
            if answer.get("id") != ident:
                continue
            if answer.get("type") != "result" or not answer.get("success"):
                error = answer.get("error") or {}
                raise HomeAssistantError(f"{message['type']} failed: {error.get('message', '')}")
            return answer.get("result")

    async def _wait_for_change(self, socket: Any, changes: asyncio.Event) -> None:
        """Until a change event came and then none for `DEBOUNCE_SECONDS`."""
        while not changes.is_set():
            answer = await self._receive(socket, within=None)
            if answer.get("type") == "event":
                changes.set()
        while True:
            try:
                answer = await self._receive(socket, within=DEBOUNCE_SECONDS)
            except TimeoutError:
                return

    async def _receive(self, socket: Any, within: float | None = MESSAGE_TIMEOUT) -> Any:
        import aiohttp

        message = await socket.receive(timeout=within)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            raise HomeAssistantError("the connection was closed")
        if message.type == aiohttp.WSMsgType.ERROR:
            raise HomeAssistantError(f"connection error: {socket.exception()}")
        if message.type != aiohttp.WSMsgType.TEXT:
            raise HomeAssistantError(f"unexpected {message.type.name} message")
        answer = message.json()
        if not isinstance(answer, dict):
            raise HomeAssistantError("a message is not a JSON object")
        return answer
