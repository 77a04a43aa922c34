"""What the operations API needs from the running server (implemented by `server.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..recognizer import ModelInfo


@dataclass(frozen=True)
class ServiceInfo:
    """The server as the operations API describes it."""

    # The loaded model first, then any other installed models.
    models: Sequence[ModelInfo]
    # The Wyoming port, or None when the server listens on a unix socket.
    wyoming_port: int | None
    tls: bool


class ServiceControl(Protocol):
    """The server's side of the operations API."""

    def info(self) -> ServiceInfo: ...

    async def reload_model(self) -> ModelInfo:
        """Load the model again and swap it in without losing in-flight utterances.

        Utterances that started before the swap finish on the old model. Returns the
        newly loaded model's info.
        """
        ...

    async def update_config(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply validated runtime settings; returns the effective values of all of them.

        `changes` holds a subset of the keys in `ops.config_api.RUNTIME_KEYS`: "language"
        (str), "beam" (int), "vad_aggressiveness" (int 0..3), "denoise" (bool),
        "vocabulary" (list of phrases). Raise ConfigError for a value the server cannot use.
        """
        ...

    async def set_vocabulary(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Keep the home's new vocabulary (`vocabulary/home.py` describes the document; a bad
        one raises ConfigError, one asking for too much G2P `vocabulary.builder.TooMuchWork`)
        and start building it in the background; returns `vocabulary_summary()`."""
        ...

    def vocabulary_document(self) -> dict[str, Any]:
        """The newest home vocabulary document kept, with its version."""
        ...

    def vocabulary_summary(self) -> dict[str, Any]:
        """The kept vocabulary's version, how many entries of each kind it holds, and `build`:
        {"state": "ready" | "building" | "failed", "active_version": the version utterances
        use, "words_to_pronounce" while building, "error" when failed} (cheap: the health
        report carries it)."""
        ...
