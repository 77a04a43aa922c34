"""Who may do what: a bearer token -> its role -> the permission asked for."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .roles import Roles
from .token_store import TokenRecord, TokenStore


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    # No token, or one that is unknown, revoked or wrong (HTTP 401).
    UNAUTHENTICATED = "unauthenticated"
    # A valid token whose role lacks the permission (HTTP 403).
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    # Safe to log and to show: names the token's id and role, never its value.
    reason: str
    token: TokenRecord | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


class Authorizer:
    """Checks tokens against roles. `check` may take ~0.1 s for a token it has not seen
    since the tokens file last changed (scrypt): call it off the event loop."""

    def __init__(self, roles: Roles, tokens: TokenStore) -> None:
        self.roles = roles
        self.tokens = tokens

    def check(self, token: str | None, permission: str) -> Decision:
        if not token:
            return Decision(Outcome.UNAUTHENTICATED, "no token")
        record = self.tokens.verify(token)
        if record is None:
            return Decision(Outcome.UNAUTHENTICATED, "invalid or revoked token")
        if not self.roles.allows(record.role, permission):
            return Decision(
                Outcome.FORBIDDEN,
                f"token {record.id} (role {record.role}) lacks {permission}",
                record,
            )
        return Decision(
            Outcome.ALLOWED, f"token {record.id} (role {record.role}) has {permission}", record
        )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
