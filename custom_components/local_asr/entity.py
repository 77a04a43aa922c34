"""Base entity: one device per server; ids from the config entry, not from the live server."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from wyoming.info import AsrProgram

from .const import DOMAIN
from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator
from .ops_client import OpsClient
from .wyoming_client import program_model_name


def entry_key(entry: LocalAsrConfigEntry) -> str:
    """What the entry's entities and device are named by: its unique id (the server id it was
    added with), so that a server that reports another id later keeps its entities."""
    return entry.unique_id or entry.entry_id


def server_device_info(
    entry: LocalAsrConfigEntry, client: OpsClient, program: AsrProgram
) -> DeviceInfo:
    """The device of the entry's server, from its Wyoming `info` (the program's version and
    model, as `/api/info` reports them): known whether the operations API answers or not."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry_key(entry))},
        name=entry.title,
        manufacturer="wyoming-local-asr",
        model=program_model_name(program),
        sw_version=program.version,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=f"{client.base_url}/api/health",
    )


class LocalAsrEntity(CoordinatorEntity[LocalAsrCoordinator]):
    """An entity that shows what the operations API reports (available while it answers)."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: LocalAsrCoordinator, key: str) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{entry_key(coordinator.config_entry)}_{key}"
        self._attr_device_info = coordinator.config_entry.runtime_data.device_info
