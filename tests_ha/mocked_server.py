"""A server that exists only in memory: the integration's two clients (the operations API and
the Wyoming side) patched to answer from a `MockedServer`. For the unit tests and the entity
snapshots; the tests against the real server stay beside them."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from unittest.mock import patch

from custom_components.local_asr.const import CONF_OPS_PORT, DOMAIN, REQUEST_TIMEOUT
from custom_components.local_asr.ops_client import (
    OpsAuthError,
    OpsClient,
    OpsConnectionError,
    OpsError,
    OpsForbiddenError,
)
from custom_components.local_asr.wyoming_client import (
    TranscribeResult,
    WyomingConnectionError,
)
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from wyoming.info import Info

from fake_peers import LOCAL_ASR_SERVER_ID, asr_info

HEALTH: dict[str, Any] = {
    "status": "ok",
    "model": {"name": "hama-conformer-ctc-en", "version": "1"},
    "version": "0.1.0",
    "uptime_s": 12.5,
    "utterances": {
        "total": 3,
        "errors": 1,
        "rtf": {"last": 0.042, "p50": 0.04, "p95": 0.061},
        "latency_ms": {"last": 180.0, "p50": 170.0, "p95": 240.0},
        "audio_seconds_total": 9.1,
        "stage_seconds": {},
    },
    "system": {
        "cpu_temperature_c": 51.5,
        "gpu": None,
        "memory_rss_mb": 412.3,
        "memory_peak_mb": 420.0,
        "load_1m": 0.3,
    },
    "warnings": [],
    "vocabulary": {"version": None},
}
SERVER_INFO: dict[str, Any] = {
    "server_id": LOCAL_ASR_SERVER_ID,
    "name": "wyoming-local-asr",
    "version": "0.1.0",
    "models": [{"name": "hama-conformer-ctc-en", "version": "1", "active": True}],
    "languages": ["en"],
    "require_token": False,
}


@dataclass
class MockedServer:
    """What the mocked server answers; change a field and the next request sees it."""

    health: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(HEALTH))
    info: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(SERVER_INFO))
    token_role: str | None = "admin"
    wyoming_info: Info = field(default_factory=lambda: asr_info("wyoming-local-asr"))
    transcript: str = "turn on the kitchen lights"
    ops_down: bool = False
    wyoming_down: bool = False
    # `PUT /api/vocabulary` answers 403 (the token's role lacks config:update) while set.
    vocabulary_forbidden: bool = False
    # Every write (`PUT`, `POST`) answers 401 while set (a token revoked meanwhile).
    writes_unauthorized: bool = False
    # While set and not yet released, `GET /api/health` waits for it.
    health_gate: asyncio.Event | None = None
    health_reads: int = 0
    vocabulary_puts: list[dict[str, Any]] = field(default_factory=list)
    # The timeout (seconds) the client gave its last request, per path.
    timeouts: dict[str, float] = field(default_factory=dict)

    def set_audio_processing(self, **fields: bool) -> None:
        """The `info` answer with these `AsrProgram` audio-processing fields."""
        program = replace(self.wyoming_info.asr[0], **fields)
        self.wyoming_info = Info(asr=[program])

    def _ops(self) -> None:
        if self.ops_down:
            raise OpsConnectionError("GET /api/health: Cannot connect to host")

    async def ops_request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        seconds: float = REQUEST_TIMEOUT,
    ) -> dict[str, Any]:
        """`OpsClient._request` (patched on the class with this bound method: no client)."""
        self._ops()
        self.timeouts[path] = seconds
        if (method, path) == ("GET", "/api/info"):
            return copy.deepcopy(self.info)
        if (method, path) == ("GET", "/api/health"):
            self.health_reads += 1
            if self.health_gate is not None:
                await self.health_gate.wait()
            self._ops()
            return copy.deepcopy(self.health)
        if (method, path) == ("GET", "/api/token"):
            if self.token_role is None:
                raise OpsAuthError("GET /api/token: the server rejected the token")
            return {"role": self.token_role, "permissions": None}
        if method != "GET" and self.writes_unauthorized:
            raise OpsAuthError(f"{method} {path}: the server rejected the token")
        if (method, path) == ("PUT", "/api/vocabulary"):
            if self.vocabulary_forbidden:
                raise OpsForbiddenError("PUT /api/vocabulary: the token lacks config:update")
            assert body is not None
            self.vocabulary_puts.append(body)
            version = f"v{len(self.vocabulary_puts)}"
            self.health["vocabulary"] = {"version": version}
            return {"version": version}
        if (method, path) == ("POST", "/api/model/reload"):
            return {"model": {"name": "hama-conformer-ctc-en", "version": "1"}}
        raise OpsError(f"{method} {path}: HTTP 404")

    async def describe(self, host: str, port: int) -> Info:
        if self.wyoming_down:
            raise WyomingConnectionError("Connect call failed")
        return self.wyoming_info

    async def transcribe(
        self,
        host: str,
        port: int,
        language: str,
        stream: AsyncIterable[bytes],
        token: str | None = None,
    ) -> TranscribeResult:
        if self.wyoming_down:
            raise WyomingConnectionError("Connect call failed")
        async for _chunk in stream:
            pass
        return TranscribeResult(self.transcript, language)


@contextmanager
def patched(server: MockedServer) -> Iterator[MockedServer]:
    """Route the integration's clients to `server`."""
    with ExitStack() as stack:
        stack.enter_context(patch.object(OpsClient, "_request", server.ops_request))
        for module in ("", ".config_flow", ".stt"):
            stack.enter_context(
                patch(f"custom_components.local_asr{module}.async_describe", server.describe)
            )
        stack.enter_context(
            patch("custom_components.local_asr.stt.async_transcribe", server.transcribe)
        )
        yield server


def mock_entry(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Local ASR (10.0.0.2)",
        unique_id=LOCAL_ASR_SERVER_ID,
        data={
            CONF_HOST: "10.0.0.2",
            CONF_PORT: 10300,
            CONF_OPS_PORT: 10301,
            CONF_TOKEN: "lasr_admin0001_secret-admin",
        },
        options=options,
        entry_id="01JLOCALASR0000000000000000",
    )
    entry.add_to_hass(hass)
    return entry
