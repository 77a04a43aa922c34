"""Polls the server's `/api/health` for the sensors; holds what the entry knows at run time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.device_registry import DeviceInfo
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
    # The server's device, from its Wyoming `info` (known without the operations API).
    device_info: DeviceInfo
    # What the server's `info` asks of the audio (noise suppression, gain, an external VAD).
    audio_processing: AudioProcessing = field(default_factory=AudioProcessing)
    # The home vocabulary last sent by the sync, and the version the server gave it.
    vocabulary: dict[str, Any] = field(default_factory=dict)
    vocabulary_version: str | None = None

    @property
    def server(self) -> ServerInfo | None:
        """`/api/info`; None until the operations API has answered once."""
        return self.coordinator.server

    @property
    def token(self) -> TokenInfo | None:
        """None: no token, a server that cannot tell, or the operations API not read yet."""
        return self.coordinator.token


class LocalAsrCoordinator(DataUpdateCoordinator[Health]):
    """Reads the server's health every `UPDATE_INTERVAL`; who the server is and what our token
    may do at its first answer (the entry sets up without the operations API)."""

    config_entry: LocalAsrConfigEntry

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
        self.server: ServerInfo | None = None
        self.token: TokenInfo | None = None

    async def _async_update_data(self) -> Health:
        with _update_errors():
            if self.server is None:
                # Not `_async_setup`: that runs only in the first refresh, and the operations
                # API may first answer later.
                server = await self.client.info()
                self.token = await self.client.token_info()
                self.server = server
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
