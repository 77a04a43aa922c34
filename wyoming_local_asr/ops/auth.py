"""Who may do what: a bearer token -> its role -> the permission asked for.

`Authorizer.check_client` is what both ports call: it refuses a client address that failed
too often (`auth_limit.py`) without verifying anything, verifies the token (microseconds, on
the event loop; a legacy scrypt record once in a thread, `token_store.py`), and counts a
wrong token against the address.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
from dataclasses import dataclass
from typing import Any

from .auth_limit import FailureLimiter
from .roles import TRANSCRIBE, Roles
from .token_store import TokenRecord, TokenStore

_LOGGER = logging.getLogger(__name__)

# The Wyoming `error` codes of a refused `transcribe`.
UNAUTHORIZED_CODE = "unauthorized"
LIMITED_CODE = "too-many-auth-failures"


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    # No token, or one that is unknown, revoked or wrong (HTTP 401).
    UNAUTHENTICATED = "unauthenticated"
    # A valid token whose role lacks the permission (HTTP 403).
    FORBIDDEN = "forbidden"
    # The client's address failed too often; nothing was verified (HTTP 429).
    LIMITED = "limited"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    # Safe to log and to show: names the token's id and role, never its value.
    reason: str
    token: TokenRecord | None = None
    # With LIMITED: whole seconds until the address may try again.
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


class Authorizer:
    """Checks tokens against roles, and failed attempts per client address."""

    def __init__(
        self, roles: Roles, tokens: TokenStore, limiter: FailureLimiter | None = None
    ) -> None:
        self.roles = roles
        self.tokens = tokens
        self.limiter = limiter

    def check(self, token: str | None, permission: str) -> Decision:
        """The decision for `token` (blocking only for a legacy record: see `check_client`)."""
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

    async def check_client(
        self, token: str | None, permission: str, *, peer: str | None
    ) -> Decision:
        """`check` for a client at `peer` (None: a unix socket), with the failure limit."""
        limiter = self.limiter
        if limiter is not None:
            wait = limiter.retry_after(peer)
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                return Decision(
                    Outcome.LIMITED,
                    f"too many failed authentications from this address; retry in {seconds} s",
                    retry_after=seconds,
                )
        if self.tokens.is_fast(token):
            decision = self.check(token, permission)
        else:
            decision = await asyncio.to_thread(self.check, token, permission)
        if limiter is not None and token and decision.outcome is Outcome.UNAUTHENTICATED:
            limiter.failed(peer)
        return decision


async def transcribe_refusal(
    authorizer: Authorizer | None, context: Any, *, peer: str | None, name: str
) -> tuple[str, str] | None:
    """Why a Wyoming client at `peer` (logged as `name`) may not transcribe with the token in
    its `transcribe` context, as an `error` (code, message); None when it may."""
    token = context.get("token") if isinstance(context, dict) else None
    if authorizer is None:
        return UNAUTHORIZED_CODE, "a valid token is required to transcribe"
    decision = await authorizer.check_client(
        token if isinstance(token, str) else None, TRANSCRIBE, peer=peer
    )
    if decision.allowed:
        return None
    if decision.outcome is Outcome.LIMITED:
        return LIMITED_CODE, decision.reason
    _LOGGER.warning("Client %s: transcribe refused: %s", name, decision.reason)
    return UNAUTHORIZED_CODE, "a valid token is required to transcribe"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
