"""Failed authentications per client address: past a limit in a window, refuse unverified.

Both ports use one `FailureLimiter` (through `Authorizer`): the operations API answers a
refused attempt with HTTP 429 and `Retry-After`, the Wyoming port with an `error` event
`too-many-auth-failures`. The table holds at most `max_addresses` addresses (the oldest
entry is dropped first), so an attacker cannot grow it without bound. IPv6 clients are
counted per /64, the block one host usually holds; IPv4 clients seen on an IPv6 socket as
themselves; unix-socket clients together as "local".
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)


@dataclass
class _Entry:
    started: float
    failures: int = 0
    logged: bool = False


@dataclass(frozen=True)
class LimiterCounts:
    """Totals since start, for the Prometheus exposition."""

    failures_total: int
    refused_total: int
    blocked_addresses: int


class FailureLimiter:
    """Counts failed authentications per address in fixed windows of `window_s` seconds;
    `max_failures` 0 turns the limit off (failures are still counted)."""

    def __init__(
        self,
        *,
        max_failures: int,
        window_s: float,
        max_addresses: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_addresses = max_addresses
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()  # a dict update, never held across any other work
        self._failures_total = 0
        self._refused_total = 0

    def retry_after(self, peer: str | None) -> float | None:
        """Seconds until `peer` may try again, or None when it may try now. A refusal counts."""
        if self.max_failures <= 0:
            return None
        key = client_key(peer)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.failures < self.max_failures:
                return None
            remaining = entry.started + self.window_s - now
            if remaining <= 0:
                del self._entries[key]
                return None
            self._refused_total += 1
            return remaining

    def failed(self, peer: str | None) -> None:
        """Count one failed authentication of `peer`; logs once per window when the limit is hit."""
        key = client_key(peer)
        now = self._clock()
        with self._lock:
            self._failures_total += 1
            entry = self._entries.get(key)
            if entry is None or now - entry.started >= self.window_s:
                entry = _Entry(started=now)
                self._entries[key] = entry
            self._entries.move_to_end(key)
            entry.failures += 1
            reached = 0 < self.max_failures <= entry.failures and not entry.logged
            if reached:
                entry.logged = True
            while len(self._entries) > self.max_addresses:
                self._entries.popitem(last=False)
        if reached:
            _LOGGER.warning(
                "Client %s: %d failed authentications within %gs; refusing its attempts for "
                "the rest of the window",
                key,
                entry.failures,
                self.window_s,
            )

    def counts(self) -> LimiterCounts:
        now = self._clock()
        with self._lock:
            blocked = sum(
                1
                for entry in self._entries.values()
                if 0 < self.max_failures <= entry.failures and now - entry.started < self.window_s
            )
            return LimiterCounts(self._failures_total, self._refused_total, blocked)

    def __len__(self) -> int:
        return len(self._entries)


def client_key(peer: str | None) -> str:
    """The address a limit applies to: IPv4 as is, IPv6 per /64, unix sockets as "local"."""
    if peer is None:
        return "local"
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return peer
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
