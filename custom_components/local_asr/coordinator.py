"""Polls the server's `/api/health` for the sensors; holds what the entry knows at run time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import DOMAIN, LOGGER, UPDATE_INTERVAL
from .ops_client import Health, OpsAuthError, OpsClient, OpsError, ServerInfo, TokenInfo
from .wyoming_client import AudioProcessing

type LocalAsrConfigEntry = ConfigEntry[LocalAsrData]


@dataclass
class LocalAsrData:
    """The entry's runtime data."""

    coordinator: LocalAsrCoordinator
    client: OpsClient
    languages: list[str]
    # What the server's `info` asks of the audio (noise suppression, gain, an external VAD).
    audio_processing: AudioProcessing = field(default_factory=AudioProcessing)
    # The home vocabulary last sent by the sync, and the version the server gave it.
    vocabulary: dict[str, Any] = field(default_factory=dict)
    vocabulary_version: str | None = None

    @property
    def server(self) -> ServerInfo:
        return self.coordinator.server

    @property
    def token(self) -> TokenInfo | None:
        return self.coordinator.token


class LocalAsrCoordinator(DataUpdateCoordinator[Health]):
    """Reads the server's health every `UPDATE_INTERVAL`."""

    config_entry: LocalAsrConfigEntry
    server: ServerInfo
    token: TokenInfo | None

    def __init__(
        self, hass: HomeAssistant, config_entry: LocalAsrConfigEntry, client: OpsClient
    ) -> None:
        super().__init__(
            hass,
            logger=LOGGER,
            config_entry=config_entry,
            name=f"Local ASR {client.host}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client

    async def _async_setup(self) -> None:
        """Who the server is and what our token may do, once at start."""
        with _update_errors():
            self.server = await self.client.info()
            self.token = await self.client.token_info()

    async def _async_update_data(self) -> Health:
        with _update_errors():
            return await self.client.health()


@contextmanager
def _update_errors() -> Iterator[None]:
    """A rejected token starts reauthentication; any other failure marks the data stale."""
    try:
        yield
    except OpsAuthError as error:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from error
    except OpsError as error:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(error)},
        ) from error
