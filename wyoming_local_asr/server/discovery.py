"""Zeroconf (mDNS) announcement of the Wyoming service, which Home Assistant discovers."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Mapping, Sequence

from zeroconf import InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
# mDNS multicast group: "connecting" a UDP socket to it sends nothing but picks the interface
# (and address) that multicast leaves by.
_MDNS_GROUP = "224.0.0.251"


def default_service_name() -> str:
    """`local-asr-<host>`: unique on the network as host names are, within a DNS label."""
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname().split(".")[0]).strip("-")
    return f"local-asr-{host or 'server'}"[:63]


def primary_address() -> str:
    """The IPv4 address other hosts reach this one by (127.0.0.1 if there is no network)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((_MDNS_GROUP, 5353))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def advertised_address(bind_host: str | None) -> str:
    """The address to announce for a server bound to `bind_host`."""
    if bind_host and bind_host not in {"0.0.0.0", "::", ""}:
        try:
            return socket.gethostbyname(bind_host)
        except OSError:
            pass
    return primary_address()


class ZeroconfAnnouncer:
    """Registers `<name>._wyoming._tcp.local.` on start, unregisters it on stop."""

    def __init__(
        self,
        port: int,
        name: str = "",
        *,
        address: str | None = None,
        interfaces: Sequence[str] | InterfaceChoice = InterfaceChoice.All,
        ip_version: IPVersion = IPVersion.V4Only,
        properties: Mapping[str, str] | None = None,
    ) -> None:
        self.port = port
        # TXT record: lets Home Assistant's `local_asr` integration recognize the server
        # (`server_id`) and find its operations API (`ops_port`) before connecting.
        self.properties = dict(properties or {})
        self.name = name or default_service_name()
        self.address = address or primary_address()
        self._interfaces = interfaces
        self._ip_version = ip_version
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None

    @property
    def service_name(self) -> str:
        return f"{self.name}.{SERVICE_TYPE}"

    async def start(self) -> None:
        interfaces = self._interfaces
        if not isinstance(interfaces, InterfaceChoice):
            interfaces = list(interfaces)
        self._zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=self._ip_version)
        host = re.sub(r"[^A-Za-z0-9-]+", "-", self.name)
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            self.service_name,
            addresses=[socket.inet_aton(self.address)],
            port=self.port,
            properties=self.properties,
            server=f"{host}.local.",
        )
        # The name may be taken by another server: zeroconf then picks a free variant.
        await self._zeroconf.async_register_service(self._info, allow_name_change=True)
        _LOGGER.info("Zeroconf: announced %s at %s:%s", self._info.name, self.address, self.port)

    async def stop(self) -> None:
        if self._zeroconf is None:
            return
        try:
            if self._info is not None:
                await self._zeroconf.async_unregister_service(self._info)
        finally:
            await self._zeroconf.async_close()
            self._zeroconf = None
            self._info = None
