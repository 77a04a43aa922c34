"""Access roles and their permissions; configurable under `roles:` in the config file.

```yaml
roles:
  operator: [model:read, model:write, transcribe]   # a new role
  user: [model:read]                                # narrows a built-in role
```
Roles named in the file replace the built-in role of that name; the others stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

MODEL_READ = "model:read"
MODEL_WRITE = "model:write"
CONFIG_UPDATE = "config:update"
TRANSCRIBE = "transcribe"
PERMISSIONS = frozenset({MODEL_READ, MODEL_WRITE, CONFIG_UPDATE, TRANSCRIBE})

DEFAULT_ROLES: Mapping[str, frozenset[str]] = {
    "admin": frozenset({MODEL_READ, MODEL_WRITE, CONFIG_UPDATE, TRANSCRIBE}),
    "user": frozenset({MODEL_READ, TRANSCRIBE}),
}

ROLE_NAME = vol.All(str, vol.Match(r"^[a-z][a-z0-9_-]{0,31}$", msg="role names are a-z0-9_-"))
ROLES_SCHEMA = vol.Schema({ROLE_NAME: [vol.In(sorted(PERMISSIONS))]})


class Roles:
    """Role name -> permissions."""

    def __init__(self, roles: Mapping[str, frozenset[str]]) -> None:
        self._roles = dict(roles)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> Roles:
        """Built-in roles overlaid with the config file's `roles` (vol.Invalid if malformed)."""
        roles = dict(DEFAULT_ROLES)
        if isinstance(config, Mapping):  # Settings keeps permissions as tuples
            config = {
                name: list(value) if isinstance(value, tuple) else value
                for name, value in config.items()
            }
        for name, permissions in ROLES_SCHEMA(config if config is not None else {}).items():
            roles[name] = frozenset(permissions)
        return cls(roles)

    def permissions(self, role: str) -> frozenset[str]:
        """The role's permissions; none for a role that does not exist."""
        return self._roles.get(role, frozenset())

    def allows(self, role: str, permission: str) -> bool:
        return permission in self.permissions(role)

    def names(self) -> list[str]:
        return sorted(self._roles)

    def __contains__(self, role: object) -> bool:
        return role in self._roles
