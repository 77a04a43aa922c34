"""A small progress bar for long operations (model build, lexicon build, evaluation)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """Shows `label [#####.....] done/total elapsed` on a terminal, or a line per 10% otherwise.

    Use as a context manager: `with Progress("build", total=5) as p: ...; p.advance()`.
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self._tty = self.stream.isatty()
        self._start = time.monotonic()
        self._last_decile = -1

    def __enter__(self) -> Progress:
        self._draw("")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, steps: int = 1, note: str = "") -> None:
        self.done = min(self.total, self.done + steps)
        self._draw(note)

    def _draw(self, note: str) -> None:
        elapsed = time.monotonic() - self._start
        if self._tty:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "." * (width - filled)
            line = f"\r{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {note}"
            self.stream.write(line[:120].ljust(60))
            self.stream.flush()
            return
        decile = 10 * self.done // self.total
        if decile != self._last_decile:
            self._last_decile = decile
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} ({10 * decile}%) {elapsed:.1f}s {note}\n"
            )
            self.stream.flush()
