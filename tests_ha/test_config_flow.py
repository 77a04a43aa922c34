"""Config flow: user step, zeroconf, reconfigure, reauth, options (local fake peers; the mocked
server where the options need a set-up entry)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from ipaddress import ip_address

import pytest
from custom_components.local_asr.const import (
    CONF_LANGUAGE,
    CONF_OPS_PORT,
    CONF_ROLE_ADMIN_USERS,
    CONF_ROLE_USER_USERS,
    CONF_USER_ROLES,
    CONF_VOCABULARY_SYNC,
    CONF_ZEROCONF_NAME,
    DOMAIN,
)
from homeassistant import config_entries
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from fake_peers import ADMIN_TOKEN, LOCAL_ASR_SERVER_ID, FakeOps, FakeWyoming, running
from mocked_server import MockedServer, mock_entry, patched

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _user_input(wyoming: FakeWyoming, ops: FakeOps, **extra: object) -> dict[str, object]:
    return {CONF_HOST: "127.0.0.1", CONF_PORT: wyoming.port, CONF_OPS_PORT: ops.port, **extra}


def _zeroconf(port: int) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="local-asr-test.local.",
        name="local-asr-test._wyoming._tcp.local.",
        port=port,
        type="_wyoming._tcp.local.",
        properties={},
    )


async def test_user_step_creates_entry(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops, **{CONF_TOKEN: ADMIN_TOKEN})
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Local ASR (127.0.0.1)"
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: wyoming.port,
        CONF_OPS_PORT: ops.port,
        CONF_TOKEN: ADMIN_TOKEN,
    }
    assert result["result"].unique_id == LOCAL_ASR_SERVER_ID


async def test_user_step_cannot_connect_then_recovers(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        closed = FakeWyoming("wyoming-local-asr")
        async with running(closed):
            closed_port = closed.port
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**_user_input(wyoming, ops), CONF_PORT: closed_port}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "cannot_connect"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_step_ops_port_unreachable(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**_user_input(wyoming, ops), CONF_OPS_PORT: wyoming.port}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect_ops"}


async def test_user_step_foreign_wyoming_service(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("faster-whisper"), FakeOps()
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_local_asr"}


async def test_user_step_invalid_token(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(require_token=True)
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops, **{CONF_TOKEN: "lasr_wrong_token"})
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops, **{CONF_TOKEN: ADMIN_TOKEN})
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == ADMIN_TOKEN


async def test_user_step_already_configured(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    ).add_to_hass(hass)
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_zeroconf_our_server_confirm_creates_entry(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "zeroconf_confirm"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_OPS_PORT: ops.port}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: wyoming.port,
        CONF_OPS_PORT: ops.port,
        CONF_ZEROCONF_NAME: "local-asr-test._wyoming._tcp.local.",
    }
    assert result["result"].unique_id == LOCAL_ASR_SERVER_ID


async def test_zeroconf_foreign_wyoming_service_aborts(hass: HomeAssistant) -> None:
    wyoming = FakeWyoming("piper")
    async with running(wyoming):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_local_asr"


async def test_zeroconf_without_a_port_aborts(hass: HomeAssistant) -> None:
    """An announcement without a port cannot be asked `describe`: not taken as ours."""
    info = dataclasses.replace(_zeroconf(10300), port=None)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_local_asr"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_zeroconf_known_server_updates_address(hass: HomeAssistant) -> None:
    wyoming = FakeWyoming("wyoming-local-asr")
    async with running(wyoming):
        # The default operations port is not ours here: the server id comes from the entry.
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=LOCAL_ASR_SERVER_ID,
            data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
        )
        entry.add_to_hass(hass)
        info = _zeroconf(wyoming.port)
        info.properties["server_id"] = LOCAL_ASR_SERVER_ID
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    assert entry.data[CONF_PORT] == wyoming.port


async def test_reconfigure(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await entry.start_reconfigure_flow(hass)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_HOST: "127.0.0.1", CONF_PORT: wyoming.port, CONF_OPS_PORT: ops.port}


async def test_reconfigure_of_a_discovered_entry_keeps_its_zeroconf_name(
    hass: HomeAssistant,
) -> None:
    """The form has no field for the service name: the entry keeps it (core's wyoming card
    for the server is still recognised as ours after a reconfigure)."""
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={
            CONF_HOST: "10.0.0.2",
            CONF_PORT: 10300,
            CONF_OPS_PORT: 10301,
            CONF_ZEROCONF_NAME: "local-asr-test._wyoming._tcp.local.",
        },
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await entry.start_reconfigure_flow(hass)
        assert CONF_ZEROCONF_NAME not in {str(key) for key in result["data_schema"].schema}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: wyoming.port,
        CONF_OPS_PORT: ops.port,
        CONF_ZEROCONF_NAME: "local-asr-test._wyoming._tcp.local.",
    }


async def test_reconfigure_to_another_server_aborts(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(server_id="another-server")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_server"
    assert entry.data[CONF_HOST] == "10.0.0.2"


async def test_reauth(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(require_token=True)
    async with running(wyoming, ops):
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=LOCAL_ASR_SERVER_ID,
            data={
                CONF_HOST: "127.0.0.1",
                CONF_PORT: wyoming.port,
                CONF_OPS_PORT: ops.port,
                CONF_TOKEN: "lasr_revoked_token",
            },
        )
        entry.add_to_hass(hass)
        result = await entry.start_reauth_flow(hass)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "reauth_confirm"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: "lasr_still_wrong"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: ADMIN_TOKEN}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == ADMIN_TOKEN


async def test_options_flow_maps_users_to_roles(hass: HomeAssistant) -> None:
    admin = await hass.auth.async_create_user("Ada", group_ids=["system-admin"])
    guest = await hass.auth.async_create_user("Gus", group_ids=["system-users"])
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_LANGUAGE: "en",
            CONF_VOCABULARY_SYNC: True,
            CONF_ROLE_ADMIN_USERS: [admin.id],
            CONF_ROLE_USER_USERS: [guest.id],
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_LANGUAGE: "en",
        CONF_VOCABULARY_SYNC: True,
        CONF_USER_ROLES: {admin.id: "admin", guest.id: "user"},
    }


async def test_options_flow_still_offers_a_stored_language_the_server_lacks(
    hass: HomeAssistant,
) -> None:
    """The server offers only English; the entry's stored language (German) stays offered and
    preselected, so opening the options does not lose it."""
    with patched(MockedServer()):
        entry = mock_entry(hass, **{CONF_LANGUAGE: "de"})
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.runtime_data.languages == ["en"]
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.FORM
        key = next(key for key in result["data_schema"].schema if key == CONF_LANGUAGE)
        assert key.default() == "de"
        assert result["data_schema"].schema[key].config["options"] == ["en", "de"]
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_LANGUAGE: "de", CONF_VOCABULARY_SYNC: False}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
    assert entry.options == {CONF_LANGUAGE: "de", CONF_VOCABULARY_SYNC: False, CONF_USER_ROLES: {}}


async def test_reconfigure_never_sends_the_token_and_keeps_it_when_left_empty(
    hass: HomeAssistant,
) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(require_token=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={
            CONF_HOST: "10.0.0.2",
            CONF_PORT: 10300,
            CONF_OPS_PORT: 10301,
            CONF_TOKEN: ADMIN_TOKEN,
        },
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await entry.start_reconfigure_flow(hass)
        assert ADMIN_TOKEN not in repr(_form_defaults(result))
        # A failure shows the form again, still without the token.
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**_user_input(wyoming, ops), CONF_PORT: 1}
        )
        assert result["errors"] == {"base": "cannot_connect"}
        assert ADMIN_TOKEN not in repr(_form_defaults(result))
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_TOKEN] == ADMIN_TOKEN
    assert entry.data[CONF_PORT] == wyoming.port


def _form_defaults(result: object) -> list[object]:
    """What a form sends to the browser as defaults and suggested values."""
    schema = result["data_schema"].schema  # type: ignore[index]
    found: list[object] = []
    for key in schema:
        default = key.default() if callable(key.default) else key.default
        found.append((str(key), default, (key.description or {}).get("suggested_value")))
    return found


async def test_reconfigure_error_then_recovers(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**_user_input(wyoming, ops), CONF_OPS_PORT: wyoming.port}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "cannot_connect_ops"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(wyoming, ops)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"


async def test_zeroconf_update_takes_the_operations_port_from_the_txt_record(
    hass: HomeAssistant,
) -> None:
    wyoming = FakeWyoming("wyoming-local-asr")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    async with running(wyoming):
        info = _zeroconf(wyoming.port)
        info.properties.update(server_id=LOCAL_ASR_SERVER_ID, ops_port="10999")
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: wyoming.port,
        CONF_OPS_PORT: 10999,
        CONF_ZEROCONF_NAME: "local-asr-test._wyoming._tcp.local.",
    }


async def test_zeroconf_unreachable_aborts(hass: HomeAssistant) -> None:
    closed = FakeWyoming("wyoming-local-asr")
    async with running(closed):
        port = closed.port
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_zeroconf_confirm_error_then_recovers(hass: HomeAssistant) -> None:
    """A wrong operations port, then a server that needs a token, then the right answers."""
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(require_token=True)
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
        assert result["step_id"] == "zeroconf_confirm"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_OPS_PORT: wyoming.port}
        )
        assert result["errors"] == {"base": "cannot_connect_ops"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_OPS_PORT: ops.port}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_OPS_PORT: ops.port, CONF_TOKEN: ADMIN_TOKEN}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == ADMIN_TOKEN


async def test_zeroconf_confirm_of_a_configured_server_aborts(hass: HomeAssistant) -> None:
    """Without a server id in the TXT record and with a token required, the server is known
    only at confirmation: an existing entry is updated instead of a second one created."""
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(require_token=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={CONF_HOST: "10.0.0.2", CONF_PORT: 10300, CONF_OPS_PORT: 10301},
    )
    entry.add_to_hass(hass)
    async with running(wyoming, ops):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_OPS_PORT: ops.port, CONF_TOKEN: ADMIN_TOKEN}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_OPS_PORT] == ops.port


async def test_reauth_with_a_token_of_another_server_aborts(hass: HomeAssistant) -> None:
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps(server_id="another-server")
    async with running(wyoming, ops):
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=LOCAL_ASR_SERVER_ID,
            data={CONF_HOST: "127.0.0.1", CONF_PORT: wyoming.port, CONF_OPS_PORT: ops.port},
        )
        entry.add_to_hass(hass)
        result = await entry.start_reauth_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: ADMIN_TOKEN}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_server"
    assert CONF_TOKEN not in entry.data


def _core_cards(hass: HomeAssistant) -> list[str]:
    return [
        flow["flow_id"] for flow in hass.config_entries.flow.async_progress_by_handler("wyoming")
    ]


async def test_core_card_for_our_server_goes_when_ours_comes(hass: HomeAssistant) -> None:
    """Core's wyoming card first, ours second: one card is left, ours."""
    # Core's wyoming flow needs its dependencies, as in a running Home Assistant.
    assert await async_setup_component(hass, "homeassistant", {})
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming, ops):
        core = await hass.config_entries.flow.async_init(
            "wyoming",
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=_zeroconf(wyoming.port),
        )
        assert core["type"] is FlowResultType.FORM
        assert _core_cards(hass) == [core["flow_id"]]
        ours = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
        assert ours["type"] is FlowResultType.FORM
        assert _core_cards(hass) == []


async def test_core_card_that_comes_after_ours_goes_too(hass: HomeAssistant) -> None:
    # Core's wyoming flow needs its dependencies, as in a running Home Assistant.
    assert await async_setup_component(hass, "homeassistant", {})
    wyoming, ops = FakeWyoming("wyoming-local-asr"), FakeOps()
    async with running(wyoming, ops):
        ours = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=_zeroconf(wyoming.port)
        )
        assert ours["type"] is FlowResultType.FORM
        await hass.config_entries.flow.async_init(
            "wyoming",
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=_zeroconf(wyoming.port),
        )
        # Discoveries are announced at most once a second.
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
        await hass.async_block_till_done()
        assert _core_cards(hass) == []
        # Another Wyoming service's card stays.
        piper = FakeWyoming("piper")
        async with running(piper):
            other = dataclasses.replace(_zeroconf(piper.port), name="piper._wyoming._tcp.local.")
            await hass.config_entries.flow.async_init(
                "wyoming", context={"source": config_entries.SOURCE_ZEROCONF}, data=other
            )
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=4))
            await hass.async_block_till_done()
            assert len(_core_cards(hass)) == 1


async def test_core_card_for_a_configured_server_goes(hass: HomeAssistant) -> None:
    # Core's wyoming flow needs its dependencies, as in a running Home Assistant.
    assert await async_setup_component(hass, "homeassistant", {})
    wyoming = FakeWyoming("wyoming-local-asr")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=LOCAL_ASR_SERVER_ID,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: 10300,
            CONF_OPS_PORT: 10301,
            CONF_ZEROCONF_NAME: "local-asr-test._wyoming._tcp.local.",
        },
    )
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, DOMAIN, {})
    async with running(wyoming):
        await hass.config_entries.flow.async_init(
            "wyoming",
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=_zeroconf(wyoming.port),
        )
        await hass.async_block_till_done()
    assert _core_cards(hass) == []
