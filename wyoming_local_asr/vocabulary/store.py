"""Where a home's vocabulary is kept: `<data dir>/vocabulary.json`, written atomically, so a
restarted server still knows the home; or a YAML/JSON file given at start."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import yaml

from ..config import ConfigError
from .home import HomeVocabulary, parse_vocabulary

_LOGGER = logging.getLogger(__name__)


class VocabularyStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> HomeVocabulary:
        """The kept vocabulary; empty when there is none, or (with one warning) a broken one."""
        if not self.path.is_file():
            return HomeVocabulary()
        try:
            return parse_vocabulary(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            _LOGGER.warning("Ignoring the kept vocabulary %s: %s", self.path, error)
            return HomeVocabulary()

    def save(self, home: HomeVocabulary) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(home.to_document(), indent=1), encoding="utf-8")
        temporary.replace(self.path)


def read_vocabulary_file(path: Path) -> HomeVocabulary:
    """A vocabulary document in YAML or JSON (`serve --vocabulary-file`); ConfigError if bad."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"invalid value for --vocabulary-file: cannot read {path}: {error}"
        ) from None
    try:
        return parse_vocabulary(document or {})
    except ConfigError as error:
        raise ConfigError(f"invalid value for --vocabulary-file ({path}): {error}") from None
