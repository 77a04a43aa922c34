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
        """Replace the home's vocabulary (`vocabulary/home.py` describes the document; a bad
        one raises ConfigError) once its recognizer is built; returns its version and counts."""
        ...

    def vocabulary_document(self) -> dict[str, Any]:
        """The home's vocabulary document with its version."""
        ...

    def vocabulary_summary(self) -> dict[str, Any]:
        """The home vocabulary's version and how many entries of each kind it holds (cheap:
        the health report carries it)."""
        ...
