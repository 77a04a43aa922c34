"""Who may change the server from Home Assistant: users mapped to server roles."""

from __future__ import annotations

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser

from .const import CONF_USER_ROLES, ROLE_PERMISSIONS
from .coordinator import LocalAsrConfigEntry


def user_role(entry: LocalAsrConfigEntry, user_id: str) -> str | None:
    """The server role the options map this Home Assistant user to."""
    roles: dict[str, str] = entry.options.get(CONF_USER_ROLES, {})
    return roles.get(user_id)


def role_allows(role: str | None, permission: str) -> bool:
    return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())


async def async_check_permission(
    hass: HomeAssistant, entry: LocalAsrConfigEntry, context: Context, permission: str
) -> None:
    """Raise `Unauthorized` unless both the caller and the entry's token may do this.

    Calls without a user (automations, scripts started by Home Assistant itself) act with
    the entry's token alone; a user must be mapped to a role that holds the permission.
    """
    if context.user_id is not None:
        if await hass.auth.async_get_user(context.user_id) is None:
            raise UnknownUser(context=context, permission=permission)
        if not role_allows(user_role(entry, context.user_id), permission):
            raise Unauthorized(
                context=context, config_entry_id=entry.entry_id, permission=permission
            )
    token = entry.runtime_data.token
    if token is not None:
        allowed = (
            permission in token.permissions
            if token.permissions is not None
            else role_allows(token.role, permission)
        )
        if not allowed:
            raise Unauthorized(
                context=context, config_entry_id=entry.entry_id, permission=permission
            )
