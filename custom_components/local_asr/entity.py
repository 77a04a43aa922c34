"""Base entity: one device per server, available while its health can be read."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import LocalAsrCoordinator


class LocalAsrEntity(CoordinatorEntity[LocalAsrCoordinator]):
    """An entity of one Local ASR server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: LocalAsrCoordinator, key: str) -> None:
        super().__init__(coordinator)
        server = coordinator.server
        self._attr_unique_id = f"{server.server_id}_{key}"
        client = coordinator.client
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, server.server_id)},
            name=coordinator.config_entry.title,
            manufacturer="wyoming-local-asr",
            model=server.model_name,
            sw_version=server.version,
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=f"{client.base_url}/api/health",
        )
