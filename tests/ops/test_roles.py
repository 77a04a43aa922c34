"""Roles and permissions, built in and from the config file."""

from __future__ import annotations

import pytest
import voluptuous as vol

from wyoming_local_asr.ops.roles import Roles


def test_built_in_roles() -> None:
    roles = Roles.from_config(None)
    assert roles.permissions("admin") == {
        "model:read",
        "model:write",
        "config:update",
        "transcribe",
    }
    assert roles.permissions("user") == {"model:read", "transcribe"}
    assert roles.allows("user", "transcribe")
    assert not roles.allows("user", "model:write")
    assert roles.permissions("nobody") == frozenset()


def test_config_adds_and_overrides_roles() -> None:
    roles = Roles.from_config({"operator": ["model:read", "model:write"], "user": ["model:read"]})
    assert roles.names() == ["admin", "operator", "user"]
    assert roles.allows("operator", "model:write")
    assert not roles.allows("operator", "config:update")
    assert not roles.allows("user", "transcribe")
    assert roles.allows("admin", "config:update")


@pytest.mark.parametrize(
    "config",
    [
        {"operator": ["model:delete"]},
        {"Bad Name": ["model:read"]},
        {"operator": "model:read"},
        ["admin"],
    ],
)
def test_malformed_roles_are_refused(config: object) -> None:
    with pytest.raises(vol.Invalid):
        Roles.from_config(config)  # type: ignore[arg-type]
