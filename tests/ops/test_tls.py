"""TLS 1.3 only: a TLS 1.2 client is refused and a TLS 1.3 client served, on the operations
API and on a raw asyncio server (as the Wyoming port uses the same context)."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from wyoming_local_asr.ops.auth import Authorizer
from wyoming_local_asr.ops.control import ServiceInfo
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.roles import Roles
from wyoming_local_asr.ops.service import OpsServer
from wyoming_local_asr.ops.tls import server_ssl_context
from wyoming_local_asr.ops.token_store import TokenStore
from wyoming_local_asr.recognizer import ModelInfo


@pytest.fixture
async def handshake_errors(caplog: pytest.LogCaptureFixture) -> Callable[[], Awaitable[list[str]]]:
    """Reasons of the server's failed TLS handshakes (asyncio logs them in debug mode)."""
    asyncio.get_running_loop().set_debug(True)
    caplog.set_level(logging.DEBUG, logger="asyncio")

    async def reasons() -> list[str]:
        for _ in range(100):  # the server side may log a moment after the client gave up
            found = [
                str(record.exc_info[1].reason)
                for record in caplog.records
                if record.name == "asyncio"
                and record.exc_info is not None
                and isinstance(record.exc_info[1], ssl.SSLError)
            ]
            if found:
                return found
            await asyncio.sleep(0.01)
        return []

    return reasons


def client_context(cert_file: Path, version: ssl.TLSVersion) -> ssl.SSLContext:
    """A client that trusts our certificate and speaks exactly `version`."""
    context = ssl.create_default_context(cafile=str(cert_file))
    context.minimum_version = version
    context.maximum_version = version
    return context


def test_context_is_tls_1_3_only(certificate: tuple[Path, Path]) -> None:
    context = server_ssl_context(*certificate)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_3
    assert context.options & ssl.OP_NO_COMPRESSION


def test_missing_key_is_an_error(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(OSError):
        server_ssl_context(certificate[0], tmp_path / "missing.pem")


@pytest.fixture
async def echo_port(certificate: tuple[Path, Path]) -> AsyncIterator[int]:
    """A raw asyncio TCP server with our context, echoing one line (like the Wyoming port)."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            cipher = writer.get_extra_info("cipher")
            writer.write(line.strip() + b" " + cipher[1].encode() + b"\n")
            await writer.drain()
        except (ssl.SSLError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=server_ssl_context(*certificate))
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_raw_server_serves_tls_1_3(certificate: tuple[Path, Path], echo_port: int) -> None:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        echo_port,
        ssl=client_context(certificate[0], ssl.TLSVersion.TLSv1_3),
        server_hostname="localhost",
    )
    writer.write(b"hello\n")
    await writer.drain()
    assert await reader.readline() == b"hello TLSv1.3\n"
    writer.close()
    await writer.wait_closed()


async def test_raw_server_refuses_tls_1_2(
    certificate: tuple[Path, Path],
    echo_port: int,
    handshake_errors: Callable[[], Awaitable[list[str]]],
) -> None:
    # The server aborts the handshake, so the client sees a reset or an alert.
    with pytest.raises((ConnectionResetError, ssl.SSLError)):
        await asyncio.open_connection(
            "127.0.0.1",
            echo_port,
            ssl=client_context(certificate[0], ssl.TLSVersion.TLSv1_2),
            server_hostname="localhost",
        )
    assert "UNSUPPORTED_PROTOCOL" in await handshake_errors()


class StaticControl:
    def info(self) -> ServiceInfo:
        model = ModelInfo("m", "1", "d", ["en"], "a", "u", "MIT")
        return ServiceInfo(models=[model], wyoming_port=10300, tls=True)

    async def reload_model(self) -> ModelInfo:
        raise NotImplementedError

    async def update_config(self, changes: object) -> dict[str, object]:
        raise NotImplementedError

    async def set_vocabulary(self, document: object) -> dict[str, object]:
        raise NotImplementedError

    def vocabulary_document(self) -> dict[str, object]:
        raise NotImplementedError

    def vocabulary_summary(self) -> dict[str, object]:
        raise NotImplementedError


@pytest.fixture
async def https_port(certificate: tuple[Path, Path], tmp_path: Path) -> AsyncIterator[int]:
    authorizer = Authorizer(Roles.from_config(None), TokenStore(tmp_path / "tokens.json"))
    server = OpsServer(StaticControl(), Metrics(), authorizer, tmp_path)
    port = await server.start("127.0.0.1", 0, ssl_context=server_ssl_context(*certificate))
    yield port
    await server.stop()


async def test_ops_api_serves_tls_1_3(certificate: tuple[Path, Path], https_port: int) -> None:
    context = client_context(certificate[0], ssl.TLSVersion.TLSv1_3)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"https://127.0.0.1:{https_port}/api/info", ssl=context) as response,
    ):
        assert response.status == 200
        assert (await response.json())["tls"] is True


async def test_ops_api_refuses_tls_1_2(
    certificate: tuple[Path, Path],
    https_port: int,
    handshake_errors: Callable[[], Awaitable[list[str]]],
) -> None:
    context = client_context(certificate[0], ssl.TLSVersion.TLSv1_2)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.get(f"https://127.0.0.1:{https_port}/api/info", ssl=context)
    assert "UNSUPPORTED_PROTOCOL" in await handshake_errors()


async def test_ops_api_refuses_plain_http(https_port: int) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):
            response = await session.get(f"http://127.0.0.1:{https_port}/api/info")
            response.raise_for_status()
