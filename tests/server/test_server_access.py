"""Who may use the Wyoming port: the client network allow-list and the optional token."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import RawClient, ServerFactory, expected_text, final_text, transcribe
from wyoming.asr import Transcribe

from wyoming_local_asr.ops.access import AllowList
from wyoming_local_asr.ops.auth import Authorizer
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
