"""The operations API against hostile input: deep JSON, foreign addresses, where it binds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_http_api import bearer, start_api

from wyoming_local_asr.config import Settings, ops_host
from wyoming_local_asr.ops.access import AllowList

if TYPE_CHECKING:
    from conftest import ServerProcess

JSON_ENDPOINTS = ["/api/config", "/api/vocabulary"]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("depth", [50_000, 100])
async def test_deeply_nested_json_is_400(
    tmp_path: Path, path: str, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, api = await start_api(tmp_path, require_token=False)
    try:
        body = "[" * depth + "]" * depth
        async with api.session.put(
            api.url + path,
            data=body.encode(),
            headers={**bearer(api.admin), "Content-Type": "application/json"},
        ) as response:
            assert response.status == 400
            answer = await response.json()
        assert answer["error"] == "bad_request"
        assert "nests deeper than 32 levels" in answer["message"]
        assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
        assert api.control.config["beam"] == 8 and api.control.vocabulary == []
    finally:
        await api.session.close()
        await server.stop()


async def test_addresses_outside_the_allow_list_are_refused(tmp_path: Path) -> None:
    server, api = await start_api(
        tmp_path, require_token=False, allow_list=AllowList.parse(["10.0.0.0/8"])
    )
    try:
        for path in ("/api/health", "/api/info", "/metrics", "/api/token"):
            async with api.session.get(api.url + path, headers=bearer(api.admin)) as response:
                assert response.status == 403, path
                assert (await response.json())["error"] == "forbidden"
    finally:
        await api.session.close()
        await server.stop()
    server, api = await start_api(
        tmp_path, require_token=False, allow_list=AllowList.parse(["127.0.0.0/8"])
    )
    try:
        async with api.session.get(api.url + "/api/health") as response:
            assert response.status == 200
    finally:
        await api.session.close()
        await server.stop()


def test_the_api_binds_where_the_wyoming_port_binds() -> None:
    settings = Settings()
    assert ops_host(replace(settings, uri="tcp://0.0.0.0:10300")) == "0.0.0.0"
    assert ops_host(replace(settings, uri="tcp://192.168.1.5:10300")) == "192.168.1.5"
    assert ops_host(replace(settings, uri="tcp://[::1]:10300")) == "::1"
    # A unix socket is local only: so is the API, unless told otherwise.
    assert ops_host(replace(settings, uri="unix:///run/asr.sock")) == "127.0.0.1"
    assert ops_host(replace(settings, uri="unix:///run/asr.sock", ops_host="0.0.0.0")) == "0.0.0.0"


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of TCP sockets listening on `port` (from /proc/net/tcp)."""
    found: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


@pytest.mark.slow
def test_serve_with_a_unix_socket_keeps_the_api_on_loopback(
    launch: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = launch(tmp_path, "--uri", f"unix://{tmp_path}/asr.sock")
    assert server.get_json("/api/info")["wyoming_port"] is None
    assert _listening_addresses(server.ops_port) == {"127.0.0.1"}


async def test_vocabulary_with_a_bidi_override_is_400_naming_the_field(tmp_path: Path) -> None:
    server, api = await start_api(tmp_path, require_token=False)
    try:
        document = {"sentences": ["movie time", "evil\u202etxt.exe"]}
        async with api.session.put(
            api.url + "/api/vocabulary", json=document, headers=bearer(api.admin)
        ) as response:
            assert response.status == 400
            message = (await response.json())["message"]
        assert message.startswith("vocabulary.sentences.1:") and "U+202E" in message
        async with api.session.put(
            api.url + "/api/config", json={"vocabulary": ["a\x00b"]}, headers=bearer(api.admin)
        ) as response:
            assert response.status == 400
            assert "U+0000" in (await response.json())["message"]
    finally:
        await api.session.close()
        await server.stop()
