"""Fixtures of the server tests: real audio and an in-process server (see server_helpers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from server_helpers import GOFORWARD, TEST_SETTINGS, ServerFactory, WordClockRecognizer

from wyoming_local_asr.asr_service import AsrService
from wyoming_local_asr.server.handler import ConnectionPolicy
from wyoming_local_asr.server.wyoming_server import WyomingServer


@pytest.fixture
def goforward() -> bytes:
    return GOFORWARD.read_bytes()


@pytest.fixture
async def start_server() -> AsyncIterator[ServerFactory]:
    """`await start_server(**settings_changes)`: a running server on a free loopback port."""
    servers: list[WyomingServer] = []

    async def start(
        recognizer: Any = None,
        loader: Any = None,
        server_options: dict[str, Any] | None = None,
        **changes: Any,
    ) -> WyomingServer:
        settings = replace(TEST_SETTINGS, **changes)
        service = AsrService(settings, recognizer or WordClockRecognizer(), loader=loader)
        server = WyomingServer(service, settings.uri, ConnectionPolicy(**(server_options or {})))
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()
        server.service.shutdown()
