"""The memory budget for utterance audio: what one utterance and all of them together may hold.

Audio is counted as the pipeline holds it, after conversion to 16 kHz mono float32 (a client
that sends 48 kHz / 32-bit / stereo pays the same as one that sends 16 kHz / 16-bit / mono),
times the copies kept (the denoised audio, and the original too with `compare_original`).
Client-format audio waiting for conversion is bounded separately: the handler stops reading a
client whose audio is more than `MAX_PENDING_SECONDS` ahead of the conversion.

The last `RESERVE_SHARE` of the server's budget is kept for addresses that hold no other
audio: clients parking utterances from a few addresses cannot lock out a client from another
one (Home Assistant's, say), which sends one utterance at a time.

When utterances give their audio back, and again once an utterance's pipeline stream is freed,
freed heap is returned to the system: glibc keeps it otherwise, and the process would stay near
its peak after an attack. The second trim is the one that matters after an attack: the stream
of an utterance whose client left is freed only when its last queued piece of work is dropped
(`worker_pool`), often seconds after its audio was given back to the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from ..audio.convert import AudioFormat
from ..config import Settings
from ..memory import release_free_memory
from ..recognizer import SAMPLE_RATE

MB = 1 << 20
# Bytes per second of audio per copy, as the pipeline holds it (float32 at 16 kHz).
HELD_BYTES_PER_SECOND = SAMPLE_RATE * 4
# Seconds of client audio that may wait for conversion before the handler stops reading.
MAX_PENDING_SECONDS = 1.0
# Freed audio after which the heap is trimmed even while other utterances run.
TRIM_AFTER_BYTES = 16 * MB
RESERVE_SHARE = 0.25
TRIM_DELAY = 0.5


def held_copies(settings: Settings) -> int:
    return 2 if settings.denoise and settings.compare_original else 1


def held_bytes(fmt: AudioFormat, client_bytes: int, copies: int) -> int:
    """What `client_bytes` of client audio cost once converted (`copies` kept)."""
    return int(fmt.seconds(client_bytes) * HELD_BYTES_PER_SECOND * copies)


class AudioBudget:
    """The server's audio memory: utterances reserve as audio arrives and release at the end."""

    def __init__(self, *, total_mb: float, per_utterance_mb: float) -> None:
        self.total = int(total_mb * MB)
        self.per_utterance = int(per_utterance_mb * MB)
        self.used = 0
        self.peak = 0
        self._by_address: dict[str, int] = {}
        self._freed_since_trim = 0
        self._trim: asyncio.TimerHandle | None = None

    def refusal(self, held: int, more: int, address: str = "") -> str | None:
        """Why an utterance from `address` holding `held` bytes may not take `more`; None when
        it may."""
        if held + more > self.per_utterance:
            return (
                f"the utterance is over its audio memory budget of {self.per_utterance / MB:g} MB"
            )
        others = self._by_address.get(address, 0) - held  # this address's other utterances
        limit = self.total if others <= 0 else int(self.total * (1 - RESERVE_SHARE))
        if self.used + more > limit:
            return f"the server's audio memory budget of {self.total / MB:g} MB is spent"
        return None

    def reserve(self, more: int, address: str = "") -> None:
        self.used += more
        self._by_address[address] = self._by_address.get(address, 0) + more
        self.peak = max(self.peak, self.used)

    def release(self, amount: int, address: str = "") -> None:
        """Give back what an utterance held; call from the event loop."""
        self.used = max(0, self.used - amount)
        left = self._by_address.get(address, 0) - amount
        if left > 0:
            self._by_address[address] = left
        else:
            self._by_address.pop(address, None)
        self._freed_since_trim += amount
        if self._freed_since_trim >= TRIM_AFTER_BYTES or (
            self.used == 0 and self._freed_since_trim >= MB
        ):
            self._trim_soon()

    def watch(self, stream: object) -> None:
        """Trim the heap a moment after `stream` is freed (an utterance's pipeline stream: its
        audio, resampler and denoiser), on whichever thread frees it. Call from the event loop."""
        loop = asyncio.get_running_loop()

        def freed() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to trim for
                loop.call_soon_threadsafe(self._trim_soon)

        weakref.finalize(stream, freed)

    def _trim_soon(self) -> None:
        if self._trim is None:
            # A moment later: the utterance's last references (a piece still on a worker
            # thread, the handler's locals, the connection's task) are gone by then.
            self._trim = asyncio.get_running_loop().call_later(TRIM_DELAY, self._trim_heap)

    def _trim_heap(self) -> None:
        self._trim = None
        self._freed_since_trim = 0
        release_free_memory()
