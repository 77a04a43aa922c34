"""The cluster's copy of the home vocabulary: one small detached Ray actor per application.

A front end publishes there when its vocabulary changes (`PUT /api/vocabulary`, the Home
Assistant follower, `PUT /api/config`'s phrases); every replica reads it by key, so one front
end's update reaches all of them: a request names the key it expects, a replica whose
recognizer has another builds that one first, and replicas also follow the newest key in the
background so that the first request after an update seldom waits. The actor holds no state
that cannot be published again: after a cluster restart it is empty, a replica answers
`VocabularyMissing` and the front end publishes once more.
"""

from __future__ import annotations

from typing import Any

import ray

from .wire import PublishedVocabulary

NAMESPACE = "wyoming-local-asr"
# Vocabularies kept (several front ends of different homes may share one deployment).
KEPT = 8


class VocabularyBoard:
    def __init__(self) -> None:
        self._entries: dict[str, PublishedVocabulary] = {}
        self._latest = ""

    def publish(self, entry: PublishedVocabulary) -> None:
        self._entries.pop(entry.key, None)
        self._entries[entry.key] = entry
        while len(self._entries) > KEPT:
            del self._entries[next(iter(self._entries))]
        self._latest = entry.key

    def get(self, key: str) -> PublishedVocabulary | None:
        return self._entries.get(key)

    def latest(self) -> str:
        return self._latest


def board_name(app_name: str) -> str:
    return f"{app_name}-vocabulary"


def board(app_name: str) -> Any:
    """The application's board (an actor handle), created on first use; survives the driver."""
    actor = ray.remote(num_cpus=0, max_restarts=-1)(VocabularyBoard)
    return actor.options(
        name=board_name(app_name), namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote()
