"""Zeroconf on loopback: the announced service is found by a browser, with the real port."""

from __future__ import annotations

import asyncio

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from wyoming_local_asr.server.discovery import SERVICE_TYPE, ZeroconfAnnouncer, default_service_name

LOOPBACK = ["127.0.0.1"]


async def browse_for(name: str) -> AsyncServiceInfo | None:
    """Browse `_wyoming._tcp.local.` on loopback until `name` shows up (or time runs out)."""
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            found.put_nowait(name)

    browser_zc = AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(browser_zc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        async with asyncio.timeout(10):
            while (seen := await found.get()) != name:
                pass
        info = AsyncServiceInfo(SERVICE_TYPE, seen)
        if await info.async_request(browser_zc.zeroconf, 3000):
            return info
        return None
    finally:
        await browser.async_cancel()
        await browser_zc.async_close()


async def test_announced_service_is_found_with_its_port() -> None:
    announcer = ZeroconfAnnouncer(
        43217, "local-asr-test-discovery", address="127.0.0.1", interfaces=LOOPBACK
    )
    await announcer.start()
    try:
        info = await browse_for(announcer.service_name)
    finally:
        await announcer.stop()
    assert info is not None
    assert info.port == 43217
    assert info.parsed_addresses() == ["127.0.0.1"]


async def test_txt_record_carries_the_server_id_and_ops_port() -> None:
    announcer = ZeroconfAnnouncer(
        43219,
        "local-asr-test-properties",
        address="127.0.0.1",
        interfaces=LOOPBACK,
        properties={"server_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "ops_port": "10301"},
    )
    await announcer.start()
    try:
        info = await browse_for(announcer.service_name)
    finally:
        await announcer.stop()
    assert info is not None
    assert info.decoded_properties == {
        "server_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "ops_port": "10301",
    }


async def test_unregistered_on_stop() -> None:
    announcer = ZeroconfAnnouncer(
        43218, "local-asr-test-goodbye", address="127.0.0.1", interfaces=LOOPBACK
    )
    await announcer.start()
    await announcer.stop()
    zc = AsyncZeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    try:
        info = AsyncServiceInfo(SERVICE_TYPE, announcer.service_name)
        assert not await info.async_request(zc.zeroconf, 1500)
    finally:
        await zc.async_close()


def test_default_name_is_a_dns_label() -> None:
    name = default_service_name()
    assert name.startswith("local-asr-")
    assert len(name.encode()) <= 63
    assert all(c.isalnum() or c == "-" for c in name)
