"""The home vocabulary's build, off the request path: checked and kept at once, built later.

`submit` (from `PUT /api/vocabulary` or the Home Assistant follower) parses the document
(ConfigError if bad), bounds the G2P work it asks for (`TooMuchWork`: more words new to the
model than `max_new_words`), keeps it in the store and returns. A background task then
pronounces the new words in a separate low-priority G2P process (`pronunciations.py`) and
builds the recognizer for the new home, which `install` swaps in atomically. One build runs at
a time: a newer vocabulary cancels an older build (the words it pronounced stay in the cache),
and `close` cancels it at shutdown, killing the G2P process at once. Until a build is done,
utterances run on the vocabulary in use (`active`); `summary()["build"]` tells which is which.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ..config import ConfigError
from .home import HomeVocabulary, parse_vocabulary
from .pronunciations import PronunciationCache, home_words, phrase_words, pronounce
from .store import VocabularyStore

_LOGGER = logging.getLogger(__name__)

READY = "ready"
BUILDING = "building"
FAILED = "failed"


class TooMuchWork(ConfigError):
    """A vocabulary that asks for more G2P than one update may (HTTP 413)."""


class VocabularyBuilder:
    def __init__(
        self,
        *,
        active: HomeVocabulary,
        cache: PronunciationCache,
        known: Callable[[], Callable[[str], bool]],
        install: Callable[[HomeVocabulary], Awaitable[None]],
        max_new_words: int,
        store: VocabularyStore | None = None,
    ) -> None:
        # The vocabulary utterances run with, and the newest one accepted (and kept).
        self.active = active
        self.stored = active
        self.state = READY
        self.error = ""
        self.words_to_pronounce = 0
        self._cache = cache
        self._known = known
        self._install = install
        self._max_new_words = max_new_words
        self._store = store
        self._task: asyncio.Task[None] | None = None
        self._phrase_tasks: set[asyncio.Future[None]] = set()
        self._submit_lock = asyncio.Lock()

    async def submit(self, document: Mapping[str, Any], *, bounded: bool = True) -> None:
        """Check and keep `document`, and start building it; returns before the build.
        `bounded=False` (the vocabulary kept from the last run, or `--vocabulary-file`, at
        start) lifts the bound on new words."""
        home, new_words = await asyncio.to_thread(self._check, document, bounded)
        async with self._submit_lock:
            if home.version == self.stored.version and self.state != FAILED:
                return
            await self._cancel()
            self.stored = home
            if self._store is not None:
                await asyncio.to_thread(self._store.save, home)
            if home.version == self.active.version:
                self.state, self.error = READY, ""
                return
            self.state, self.error = BUILDING, ""
            self.words_to_pronounce = len(new_words)
            self._task = asyncio.create_task(self._build(home, new_words))

    async def pronounce_phrases(self, phrases: Iterable[str]) -> None:
        """Pronounce the new words of runtime `phrases` (`PUT /api/config`'s `vocabulary`)
        in the G2P process, with the same bound, before a recognizer is built with them."""
        new_words = self._cache.missing(phrase_words(phrases), self._known())
        self._bound(len(new_words))
        task = asyncio.ensure_future(pronounce(new_words, self._cache))
        self._phrase_tasks.add(task)  # so that `close` stops it too
        try:
            await task
        finally:
            self._phrase_tasks.discard(task)

    async def wait(self) -> None:
        """Until the build under way (if any) has ended."""
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

    async def close(self) -> None:
        """Cancel the build under way (shutdown): the G2P process is killed at once."""
        await self._cancel()
        for task in list(self._phrase_tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def summary(self) -> dict[str, Any]:
        """The kept vocabulary's version and counts, and the build's state."""
        build: dict[str, Any] = {"state": self.state, "active_version": self.active.version}
        if self.state == BUILDING:
            build["words_to_pronounce"] = self.words_to_pronounce
        if self.state == FAILED:
            build["error"] = self.error
        return {"version": self.stored.version, **self.stored.counts(), "build": build}

    def _check(
        self, document: Mapping[str, Any], bounded: bool
    ) -> tuple[HomeVocabulary, list[str]]:
        home = parse_vocabulary(document)
        new_words = self._cache.missing(home_words(home), self._known())
        if bounded:
            self._bound(len(new_words))
        return home, new_words

    def _bound(self, count: int) -> None:
        if count > self._max_new_words:
            raise TooMuchWork(
                f"vocabulary: {count} words are new to the model and need pronouncing, at "
                f"most {self._max_new_words} per update (send the rest in a later update: "
                "pronounced words are kept)"
            )

    async def _build(self, home: HomeVocabulary, new_words: list[str]) -> None:
        try:
            if new_words:
                _LOGGER.info(
                    "Vocabulary %s: pronouncing %d new words", home.version, len(new_words)
                )
                await pronounce(new_words, self._cache, self._progress(len(new_words)))
            await self._install(home)
        except asyncio.CancelledError:
            _LOGGER.info("Vocabulary %s: build cancelled", home.version)
            raise
        except Exception as error:  # reported through the API; the old vocabulary stays
            _LOGGER.warning("Vocabulary %s: build failed: %s", home.version, error)
            self.state, self.error = FAILED, str(error) or type(error).__name__
            return
        self.active = home
        self.state, self.words_to_pronounce = READY, 0
        _LOGGER.info("Vocabulary %s in use: %s", home.version, home.counts())

    def _progress(self, total: int) -> Callable[[int], None]:
        def progress(done: int) -> None:
            self.words_to_pronounce = total - done

        return progress

    async def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
