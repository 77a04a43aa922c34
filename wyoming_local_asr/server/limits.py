"""What the Wyoming server counts and bounds per connection: open connections (in total and
per address, kept under the descriptor limit) and the events of clients that misbehave or
leave."""

from __future__ import annotations

import logging
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..config import RESERVED_DESCRIPTORS

_LOGGER = logging.getLogger(__name__)
# A connection that has talked and then sent nothing for this long may be closed for a new one
# at the total limit (one that never talked may be closed at once: see `choose_eviction`).
EVICT_IDLE_SECONDS = 0.1


@dataclass
class ConnectionStats:
    """Counts since start (read by tests and the stress suite)."""

    accepted: int = 0
    refused_over_limit: int = 0
    timed_out: int = 0
    # Clients that left (reset or closed) after `audio-stop`, before their transcript.
    left_after_stop: int = 0
    # Utterances refused because the audio memory budget was spent.
    over_budget: int = 0
    # Utterances refused with `server-stopping` at shutdown.
    stopped: int = 0
    # Idle connections closed to make room at the total limit.
    evicted: int = 0


def descriptor_limit() -> int | None:
    """The process's soft RLIMIT_NOFILE, None when unlimited."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


class ConnectionLimits:
    """Open connections, in total and per address. The total is lowered to leave
    RESERVED_DESCRIPTORS free under RLIMIT_NOFILE (the operations API, model files, logs)."""

    def __init__(self, *, total: int, per_address: int) -> None:
        limit = descriptor_limit()
        if limit is not None and total > limit - RESERVED_DESCRIPTORS:
            lowered = max(1, limit - RESERVED_DESCRIPTORS)
            _LOGGER.info(
                "At most %d connections (descriptor limit %d, %d kept in reserve)",
                lowered,
                limit,
                RESERVED_DESCRIPTORS,
            )
            total = lowered
        self.total = total
        self.per_address = per_address
        self._open: Counter[str] = Counter()
        self._count = 0

    @property
    def full(self) -> bool:
        return self._count >= self.total

    def has_room(self, address: str) -> bool:
        """Under the per-address limit."""
        return self._open[address] < self.per_address

    def acquire(self, address: str) -> str | None:
        """Count a new connection; the reason when it is over a limit (then not counted)."""
        if self._count >= self.total:
            return f"the server has {self._count} connections, its limit"
        if self._open[address] >= self.per_address:
            return f"your address has {self._open[address]} connections, the limit"
        self._open[address] += 1
        self._count += 1
        return None

    def release(self, address: str) -> None:
        self._count -= 1
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]

    def hand_over(self, old: str, new: str) -> None:
        """Give the place of a connection from `old` (being closed) to a new one from `new`
        at once: no other newcomer can take it while the old one closes."""
        self._open[old] -= 1
        if self._open[old] <= 0:
            del self._open[old]
        self._open[new] += 1


@dataclass(frozen=True)
class Occupant:
    """What the eviction policy knows of one open connection."""

    address: str
    # Seconds since its last event (since it connected, when it has sent none).
    idle_seconds: float
    silent: bool  # it has sent no event yet
    busy: bool  # an utterance is open, or being transcribed


def choose_eviction(
    occupants: Sequence[Occupant], min_idle: float = EVICT_IDLE_SECONDS
) -> int | None:
    """Which connection a new client replaces when the server is at its total limit (the
    index in `occupants`); None: no connection may go, the new client is refused.

    - A connection with an utterance open or being transcribed is never closed.
    - Candidates: connections that have sent no event yet (of any age: a working client
      talks as soon as it connects, a flood does not), and connections that have talked but
      sent nothing for `min_idle` (between two events of a working client the gap is
      milliseconds).
    - Among them, silent ones first, then those of the address holding the most connections,
      then the one idle longest. A flood from many addresses, each holding a few fresh silent
      connections, therefore makes room for a client that talks, and the connection of a
      client that has just connected (from an address holding one) goes last.
    """
    held = Counter(o.address for o in occupants)
    best: tuple[bool, int, float] | None = None
    chosen: int | None = None
    for index, o in enumerate(occupants):
        if o.busy or not (o.silent or o.idle_seconds >= min_idle):
            continue
        key = (o.silent, held[o.address], o.idle_seconds)
        if best is None or key > best:
            best, chosen = key, index
    return chosen


class LogOncePerInterval:
    """A warning that may recur thousands of times a second (descriptor exhaustion, clients
    over a limit): logged at most once per `interval` seconds, with the count of the ones
    skipped since."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: float | None = None
        self._skipped = 0

    def warning(self, message: str, *args: object) -> bool:
        """Log unless logged less than `interval` ago; True if it was logged."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self._skipped += 1
            return False
        if self._skipped:
            message += f" ({self._skipped} more since the last report)"
        self.logger.warning(message, *args)
        self._last, self._skipped = now, 0
        return True
