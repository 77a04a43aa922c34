"""Run the operations API on its own port, next to the Wyoming server."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from aiohttp import web

from .access import AllowList
from .auth import Authorizer
from .control import ServiceControl
from .health import Thresholds
from .http_api import DEFAULT_PORT, OpsApi
from .identity import server_id
from .metrics import Metrics
from .remote_calls import RemoteCalls
from .system import SystemReader

_LOGGER = logging.getLogger(__name__)


class OpsServer:
    """Owns the aiohttp runner of the operations API."""

    def __init__(
        self,
        control: ServiceControl,
        metrics: Metrics,
        authorizer: Authorizer,
        data_dir: Path,
        *,
        require_token: bool = False,
        system: SystemReader | None = None,
        thresholds: Thresholds | None = None,
        allow_list: AllowList | None = None,
        remote: RemoteCalls | None = None,
    ) -> None:
        self.api = OpsApi(
            control,
            metrics,
            authorizer,
            server_id(data_dir),
            system=system,
            thresholds=thresholds,
            require_token=require_token,
            allow_list=allow_list,
            remote=remote,
        )
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> int:
        """Listen on host:port (port 0 picks a free one); returns the bound port."""
        runner = web.AppRunner(self.api.app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        sockets = [address for address in runner.addresses if isinstance(address, tuple)]
        self.port = int(sockets[0][1]) if sockets else port
        scheme = "https" if ssl_context is not None else "http"
        _LOGGER.info("Operations API on %s://%s:%s", scheme, host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
