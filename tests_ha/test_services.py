"""Actions against the real server: the role mapping decides who may call them."""

from __future__ import annotations

import pytest
from custom_components.local_asr.const import CONF_USER_ROLES, DOMAIN
from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized

from ha_helpers import setup_entry
from real_server import RealServer

pytestmark = [pytest.mark.real_server, pytest.mark.usefixtures("socket_enabled")]


async def _users(hass: HomeAssistant) -> tuple[User, User, User]:
    admin = await hass.auth.async_create_user("Ada", group_ids=["system-admin"])
    member = await hass.auth.async_create_user("Gus", group_ids=["system-users"])
    unmapped = await hass.auth.async_create_user("Owen", group_ids=["system-admin"])
    return admin, member, unmapped


async def test_mapped_admin_may_set_vocabulary_and_reload(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    admin, member, _ = await _users(hass)
    entry = await setup_entry(
        hass,
        real_server,
        token=real_server.admin_token,
        options={CONF_USER_ROLES: {admin.id: "admin", member.id: "user"}},
    )
    answer = await hass.services.async_call(
        DOMAIN,
        "set_vocabulary",
        {"config_entry_id": entry.entry_id, "phrases": ["espresso machine", "kitchen lights"]},
        blocking=True,
        context=Context(user_id=admin.id),
        return_response=True,
    )
    assert answer == {"phrases": 2}

    answer = await hass.services.async_call(
        DOMAIN,
        "reload_model",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        context=Context(user_id=admin.id),
        return_response=True,
    )
    info = real_server.get("/api/info")
    active = next(model for model in info["models"] if model["active"])
    assert answer == {"model": active["name"], "version": active["version"]}


async def test_non_admin_users_are_refused(hass: HomeAssistant, real_server: RealServer) -> None:
    admin, member, unmapped = await _users(hass)
    entry = await setup_entry(
        hass,
        real_server,
        token=real_server.admin_token,
        options={CONF_USER_ROLES: {admin.id: "admin", member.id: "user"}},
    )
    for user in (member, unmapped):
        for service, data in (
            ("reload_model", {}),
            ("set_vocabulary", {"phrases": ["garage door"]}),
        ):
            with pytest.raises(Unauthorized):
                await hass.services.async_call(
                    DOMAIN,
                    service,
                    {"config_entry_id": entry.entry_id, **data},
                    blocking=True,
                    context=Context(user_id=user.id),
                )
    # Non-admin users keep read access: the sensors are there for everyone.
    assert hass.states.async_all("sensor")


async def test_user_token_cannot_change_the_server(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    """A mapped admin with an entry whose token has the server's `user` role is refused."""
    admin, _, _ = await _users(hass)
    entry = await setup_entry(
        hass,
        real_server,
        token=real_server.user_token,
        options={CONF_USER_ROLES: {admin.id: "admin"}},
    )
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "set_vocabulary",
            {"config_entry_id": entry.entry_id, "phrases": ["garage door"]},
            blocking=True,
            context=Context(user_id=admin.id),
        )


async def test_unknown_entry_is_a_validation_error(
    hass: HomeAssistant, real_server: RealServer
) -> None:
    await setup_entry(hass, real_server)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "reload_model", {"config_entry_id": "nope"}, blocking=True
        )
