"""Sensors: speed, latency, temperatures, memory and counts the server reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfInformation,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import LocalAsrConfigEntry, LocalAsrCoordinator
from .entity import LocalAsrEntity
from .ops_client import Health

# The coordinator does all the reading.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LocalAsrSensorEntityDescription(SensorEntityDescription):
    """A sensor and where its value comes from."""

    value_fn: Callable[[Health], StateType]
    # Whether the server has it (None: every server); known once the health was read.
    exists_fn: Callable[[Health], bool] | None = None


SENSORS: tuple[LocalAsrSensorEntityDescription, ...] = (
    LocalAsrSensorEntityDescription(
        key="rtf_last",
        translation_key="rtf_last",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        value_fn=lambda health: health.rtf_last,
    ),
    LocalAsrSensorEntityDescription(
        key="rtf_p95",
        translation_key="rtf_p95",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=3,
        value_fn=lambda health: health.rtf_p95,
    ),
    LocalAsrSensorEntityDescription(
        key="latency_p50",
        translation_key="latency_p50",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda health: health.latency_p50_ms,
    ),
    LocalAsrSensorEntityDescription(
        key="latency_p95",
        translation_key="latency_p95",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda health: health.latency_p95_ms,
    ),
    LocalAsrSensorEntityDescription(
        key="cpu_temperature",
        translation_key="cpu_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
        value_fn=lambda health: health.cpu_temperature_c,
    ),
    LocalAsrSensorEntityDescription(
        key="gpu_temperature",
        translation_key="gpu_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=1,
        value_fn=lambda health: health.gpu_temperature_c,
        exists_fn=lambda health: health.has_gpu,
    ),
    LocalAsrSensorEntityDescription(
        key="memory",
        translation_key="memory",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        suggested_display_precision=0,
        value_fn=lambda health: health.memory_rss_mb,
    ),
    LocalAsrSensorEntityDescription(
        key="utterances",
        translation_key="utterances",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda health: health.utterances_total,
    ),
    LocalAsrSensorEntityDescription(
        key="errors",
        translation_key="errors",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda health: health.errors_total,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LocalAsrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors, unavailable while the operations API does not answer (also at start);
    the GPU's once the server reports a GPU."""
    coordinator = entry.runtime_data.coordinator
    added: set[str] = set()

    @callback
    def add_new_sensors() -> None:
        health: Health | None = coordinator.data
        new = [
            description
            for description in SENSORS
            if description.key not in added
            and (
                description.exists_fn is None
                or (health is not None and description.exists_fn(health))
            )
        ]
        added.update(description.key for description in new)
        if new:
            async_add_entities(LocalAsrSensor(coordinator, description) for description in new)

    add_new_sensors()
    entry.async_on_unload(coordinator.async_add_listener(add_new_sensors))


class LocalAsrSensor(LocalAsrEntity, SensorEntity):
    """One figure from the server's health report."""

    entity_description: LocalAsrSensorEntityDescription

    def __init__(
        self, coordinator: LocalAsrCoordinator, description: LocalAsrSensorEntityDescription
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)
