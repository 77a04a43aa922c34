"""Binary sensor: the server reports a warning (slow, hot, or short of GPU memory)."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator
from .entity import LocalAsrEntity

PARALLEL_UPDATES = 0

WARNING = BinarySensorEntityDescription(
    key="warning",
    translation_key="warning",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LocalAsrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the warning sensor."""
    async_add_entities([LocalAsrWarningSensor(entry.runtime_data.coordinator)])


class LocalAsrWarningSensor(LocalAsrEntity, BinarySensorEntity):
    """On while the server's health status is `warning`."""

    entity_description = WARNING

    def __init__(self, coordinator: LocalAsrCoordinator) -> None:
        super().__init__(coordinator, WARNING.key)

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.warning
