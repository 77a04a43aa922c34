"""A home's vocabulary: its entities, areas, floors, custom sentences and extra phrases.

The document (`PUT /api/vocabulary`, `serve --vocabulary FILE`, `<data dir>/vocabulary.json`):

    {"entities": [{"name": "Nanoleaf Panels", "aliases": ["wall lights"], "domain": "light",
                   "area": "Study"}],
     "areas": [{"name": "Study", "aliases": [], "floor": "Upstairs"}],
     "floors": [{"name": "Upstairs", "aliases": ["first floor"]}],
     "sentences": ["movie time"],
     "phrases": ["espresso machine"]}

Every key is optional. A phrase is an entity name of unknown domain (the older `{"phrases":
[...]}` form). `version` is a digest of the content, so a client can tell whether the server
holds the vocabulary it sent. Limits (`LIMITS`) bound what one home may send.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import ConfigError
from .characters import refusal

# The most a vocabulary may hold; larger documents are refused whole (HTTP 413 / 400).
LIMITS = {"entities": 2000, "areas": 300, "floors": 50, "sentences": 1000, "phrases": 1000}
MAX_ALIASES = 20
MAX_NAME_LENGTH = 100
MAX_SENTENCE_LENGTH = 200
# Names must be speakable by an English model: Latin letters, digits and simple punctuation.
_SPEAKABLE = re.compile(r"^[A-Za-z0-9À-ɏ' .,&+/()_:-]+$")
_DOMAIN = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...] = ()
    domain: str = ""  # empty: unknown (a phrase)
    area: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Area:
    name: str
    aliases: tuple[str, ...] = ()
    floor: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Floor:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class HomeVocabulary:
    entities: tuple[Entity, ...] = ()
    areas: tuple[Area, ...] = ()
    floors: tuple[Floor, ...] = ()
    sentences: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    version: str = field(init=False, default="")

    def __post_init__(self) -> None:
        text = json.dumps(self._content(), sort_keys=True, ensure_ascii=False)
        object.__setattr__(self, "version", hashlib.sha256(text.encode()).hexdigest()[:16])

    @property
    def empty(self) -> bool:
        return not (self.entities or self.areas or self.floors or self.sentences or self.phrases)

    def all_entities(self) -> Iterator[Entity]:
        """The entities, then every phrase as an entity of unknown domain."""
        yield from self.entities
        for phrase in self.phrases:
            yield Entity(phrase)

    def _content(self) -> dict[str, Any]:
        return {
            "entities": [
                {"name": e.name, "aliases": list(e.aliases), "domain": e.domain, "area": e.area}
                for e in self.entities
            ],
            "areas": [
                {"name": a.name, "aliases": list(a.aliases), "floor": a.floor} for a in self.areas
            ],
            "floors": [{"name": f.name, "aliases": list(f.aliases)} for f in self.floors],
            "sentences": list(self.sentences),
            "phrases": list(self.phrases),
        }

    def to_document(self) -> dict[str, Any]:
        return {**self._content(), "version": self.version}

    def counts(self) -> dict[str, int]:
        return {key: len(getattr(self, key)) for key in LIMITS}


def parse_vocabulary(document: Any) -> HomeVocabulary:
    """Check a vocabulary document; ConfigError names the first bad value in one line."""
    if not isinstance(document, Mapping):
        raise ConfigError(
            "vocabulary: expected an object with entities, areas, floors, sentences, phrases"
        )
    # `version` and `build` are what `GET /api/vocabulary` adds: a client may send them back.
    unknown = sorted(set(document) - set(LIMITS) - {"version", "build"})
    if unknown:
        raise ConfigError(f"vocabulary: unknown key {unknown[0]!r}")
    for key, limit in LIMITS.items():
        items = document.get(key, [])
        if not isinstance(items, list):
            raise ConfigError(f"vocabulary.{key}: expected a list")
        if len(items) > limit:
            raise ConfigError(f"vocabulary.{key}: {len(items)} entries, at most {limit}")
    return HomeVocabulary(
        entities=tuple(
            _entity(item, f"entities.{i}") for i, item in enumerate(document.get("entities", []))
        ),
        areas=tuple(_area(item, f"areas.{i}") for i, item in enumerate(document.get("areas", []))),
        floors=tuple(
            _floor(item, f"floors.{i}") for i, item in enumerate(document.get("floors", []))
        ),
        sentences=tuple(
            _text(item, f"sentences.{i}", MAX_SENTENCE_LENGTH)
            for i, item in enumerate(document.get("sentences", []))
        ),
        phrases=tuple(
            _name(item, f"phrases.{i}") for i, item in enumerate(document.get("phrases", []))
        ),
    )


def _fields(item: Any, where: str, allowed: set[str]) -> Mapping[str, Any]:
    if isinstance(item, str):
        return {"name": item}
    if not isinstance(item, Mapping):
        raise ConfigError(f"vocabulary.{where}: expected an object with a name")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ConfigError(f"vocabulary.{where}: unknown key {unknown[0]!r}")
    return item


def _entity(item: Any, where: str) -> Entity:
    values = _fields(item, where, {"name", "aliases", "domain", "area"})
    domain = values.get("domain") or ""
    if not isinstance(domain, str) or (domain and not _DOMAIN.fullmatch(domain)):
        raise ConfigError(f"vocabulary.{where}.domain: expected a domain such as 'light'")
    return Entity(
        _name(values.get("name"), f"{where}.name"),
        _aliases(values.get("aliases"), where),
        domain,
        _optional_name(values.get("area"), f"{where}.area"),
    )


def _area(item: Any, where: str) -> Area:
    values = _fields(item, where, {"name", "aliases", "floor"})
    return Area(
        _name(values.get("name"), f"{where}.name"),
        _aliases(values.get("aliases"), where),
        _optional_name(values.get("floor"), f"{where}.floor"),
    )


def _floor(item: Any, where: str) -> Floor:
    values = _fields(item, where, {"name", "aliases"})
    return Floor(_name(values.get("name"), f"{where}.name"), _aliases(values.get("aliases"), where))


def _aliases(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_ALIASES:
        raise ConfigError(
            f"vocabulary.{where}.aliases: expected a list of at most {MAX_ALIASES} names"
        )
    return tuple(_name(alias, f"{where}.aliases.{i}") for i, alias in enumerate(value))


def _optional_name(value: Any, where: str) -> str:
    return "" if value in (None, "") else _name(value, where)


def _name(value: Any, where: str) -> str:
    text = _text(value, where, MAX_NAME_LENGTH)
    if not _SPEAKABLE.match(text) or not re.search(r"[A-Za-z]", text):
        raise ConfigError(
            f"vocabulary.{where}: {text[:40]!r} must be written in Latin letters (this model "
            "recognizes English)"
        )
    return text


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"vocabulary.{where}: expected a non-empty text")
    refused = refusal(value)
    if refused is not None:
        raise ConfigError(f"vocabulary.{where}: {refused}")
    text = " ".join(value.split())
    if len(text) > limit:
        raise ConfigError(f"vocabulary.{where}: longer than {limit} characters")
    return text
