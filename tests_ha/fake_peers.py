"""Local stand-ins for a server, for the config-flow cases the real server cannot stage
(a foreign Wyoming service, a wrong port). Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from wyoming.event import async_read_event, async_write_event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info

LOCAL_ASR_SERVER_ID = "5f0c2a56-7d1e-4bb4-9a3e-1d1a4c6e2b10"
ADMIN_TOKEN = "lasr_admin0001_secret-admin"
USER_TOKEN = "lasr_user00001_secret-user"


def asr_info(program_name: str) -> Info:
    attribution = Attribution(name="test", url="https://example.invalid")
    model = AsrModel(
        name="hama-conformer-ctc-en",
        attribution=attribution,
        installed=True,
        description="test",
        version="1",
        languages=["en"],
    )
    program = AsrProgram(
        name=program_name,
        attribution=attribution,
        installed=True,
        description="test",
        version="0.1.0",
        models=[model],
    )
    return Info(asr=[program])


class FakeWyoming:
    """Answers `describe` with an `info` naming `program_name`."""

    def __init__(self, program_name: str) -> None:
        self.info = asr_info(program_name)
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while (event := await async_read_event(reader)) is not None:
                if Describe.is_type(event.type):
                    await async_write_event(self.info.event(), writer)
        writer.close()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class FakeOps:
    """`/api/info` of an operations API that knows an admin and a user token."""

    def __init__(self, server_id: str = LOCAL_ASR_SERVER_ID, require_token: bool = False) -> None:
        self.server_id = server_id
        self.require_token = require_token
        self.port = 0
        self._runner: web.AppRunner | None = None

    def _role(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return {f"Bearer {ADMIN_TOKEN}": "admin", f"Bearer {USER_TOKEN}": "user"}.get(header)

    async def info(self, request: web.Request) -> web.Response:
        if self.require_token and self._role(request) is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        body: dict[str, Any] = {
            "server_id": self.server_id,
            "name": "wyoming-local-asr",
            "version": "0.1.0",
            "models": [{"name": "hama-conformer-ctc-en", "version": "1", "active": True}],
            "languages": ["en"],
            "require_token": self.require_token,
        }
        return web.json_response(body)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/info", self.info)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@contextlib.asynccontextmanager
async def running(*peers: FakeWyoming | FakeOps) -> AsyncIterator[None]:
    for peer in peers:
        await peer.start()
    try:
        yield
    finally:
        for peer in peers:
            await peer.stop()
