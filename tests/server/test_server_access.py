"""Who may use the Wyoming port: the client network allow-list and the optional token."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from server_helpers import RawClient, ServerFactory, expected_text, final_text, transcribe
from wyoming.asr import Transcribe

from wyoming_local_asr.ops.access import AllowList
from wyoming_local_asr.ops.auth import Authorizer
from wyoming_local_asr.ops.auth_limit import FailureLimiter
from wyoming_local_asr.ops.roles import Roles
from wyoming_local_asr.ops.token_store import TokenStore


async def test_client_outside_the_allowed_networks_is_refused(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(
        server_options={"allow_list": AllowList.parse(["192.168.0.0/16", "10.0.0.0/8"])}
    )
    assert server.port is not None
    client = await RawClient.connect(server.port)
    event = await client.read()
    assert event is not None and event.type == "error"
    assert event.data["code"] == "forbidden"
    assert await client.read() is None  # and the connection is closed
    await client.close()


async def test_client_inside_the_allowed_networks_is_served(
    start_server: ServerFactory, goforward: bytes
) -> None:
    server = await start_server(server_options={"allow_list": AllowList.parse(["127.0.0.0/8"])})
    assert server.port is not None
    assert final_text(await transcribe(server.port, goforward)) == expected_text(len(goforward))


@pytest.fixture
def tokens(tmp_path: Path) -> tuple[Authorizer, dict[str, str]]:
    store = TokenStore(tmp_path / "tokens.json")
    roles = Roles.from_config({"guest": ["model:read"]})
    issued = {role: store.create(role)[1] for role in ("admin", "user", "guest")}
    return Authorizer(roles, store), issued


async def test_require_token(
    start_server: ServerFactory,
    goforward: bytes,
    tokens: tuple[Authorizer, dict[str, str]],
) -> None:
    authorizer, issued = tokens
    server = await start_server(server_options={"authorizer": authorizer}, require_token=True)
    assert server.port is not None

    # Home Assistant's own client cannot send a token: refused with an error event.
    for context in (None, {"token": "lasr_0000_nonsense"}, {"token": issued["guest"]}):
        client = await RawClient.connect(server.port)
        request = Transcribe(language="en", context=context).event()
        await client.send(request.type, request.data)
        fmt = {"rate": 16000, "width": 2, "channels": 1}
        await client.send("audio-start", fmt)
        await client.send("audio-chunk", fmt, payload=goforward)
        await client.send("audio-stop")
        event = await client.read()
        assert event is not None and event.type == "error", context
        assert event.data["code"] == "unauthorized"
        assert await client.read() is None  # only that one error, then closed at audio-stop
        await client.close()

    # Audio without any `transcribe` is refused as well.
    client = await RawClient.connect(server.port)
    await client.send("audio-start", {"rate": 16000, "width": 2, "channels": 1})
    event = await client.read()
    assert event is not None and event.data["code"] == "unauthorized"
    await client.close()

    for role in ("user", "admin"):
        request = Transcribe(language="en", context={"token": issued[role]})
        events = await transcribe(server.port, goforward, request=request)
        assert final_text(events) == expected_text(len(goforward))


async def _refusal_code(port: int, token: str) -> str:
    client = await RawClient.connect(port)
    request = Transcribe(language="en", context={"token": token}).event()
    await client.send(request.type, request.data)
    event = await asyncio.wait_for(client.read(), timeout=10)
    await client.close()
    assert event is not None and event.type == "error"
    return str(event.data["code"])


async def test_token_checks_do_not_wait_for_the_recognizer_pool(
    start_server: ServerFactory, tokens: tuple[Authorizer, dict[str, str]]
) -> None:
    authorizer, _ = tokens
    server = await start_server(server_options={"authorizer": authorizer}, require_token=True)
    assert server.port is not None
    release = threading.Event()
    service = server.service
    busy = [
        asyncio.ensure_future(service.run_blocking(release.wait, 30))
        for _ in range(service.workers)
    ]
    try:
        # Every recognizer thread is busy: the wrong token is still answered at once.
        assert await _refusal_code(server.port, "lasr_00000000_wrong") == "unauthorized"
    finally:
        release.set()
        await asyncio.gather(*busy)


async def test_too_many_wrong_tokens_from_one_address(
    start_server: ServerFactory,
    goforward: bytes,
    tokens: tuple[Authorizer, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    authorizer, issued = tokens
    limited = Authorizer(
        authorizer.roles,
        authorizer.tokens,
        FailureLimiter(max_failures=3, window_s=300, max_addresses=16),
    )
    server = await start_server(server_options={"authorizer": limited}, require_token=True)
    assert server.port is not None
    codes = [await _refusal_code(server.port, f"lasr_00000000_wrong{i}") for i in range(5)]
    assert codes == ["unauthorized"] * 3 + ["too-many-auth-failures"] * 2
    # The right token is refused too from this address until the window ends.
    assert await _refusal_code(server.port, issued["user"]) == "too-many-auth-failures"
    assert caplog.text.count("failed authentications within") == 1
