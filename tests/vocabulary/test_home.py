"""The home vocabulary document: what is accepted, what is refused and why, its version."""

from __future__ import annotations

from typing import Any

import pytest

from wyoming_local_asr.config import ConfigError
from wyoming_local_asr.vocabulary.home import LIMITS, Entity, parse_vocabulary
from wyoming_local_asr.vocabulary.store import VocabularyStore, read_vocabulary_file

HOME: dict[str, Any] = {
    "entities": [
        {"name": "Nanoleaf Panels", "aliases": ["wall lights"], "domain": "light", "area": "Study"}
    ],
    "areas": [{"name": "Study", "aliases": ["office"], "floor": "Upstairs"}],
    "floors": [{"name": "Upstairs"}],
    "sentences": ["[start] movie night"],
    "phrases": ["patio heater"],
}


def test_a_whole_home_is_read() -> None:
    home = parse_vocabulary(HOME)
    assert home.entities[0] == Entity("Nanoleaf Panels", ("wall lights",), "light", "Study")
    assert home.areas[0].names == ("Study", "office")
    assert [e.name for e in home.all_entities()] == ["Nanoleaf Panels", "patio heater"]
    assert home.counts() == {"entities": 1, "areas": 1, "floors": 1, "sentences": 1, "phrases": 1}
    assert parse_vocabulary(home.to_document()) == home  # its own document reads back


def test_the_phrases_only_form_still_works() -> None:
    home = parse_vocabulary({"phrases": ["espresso machine", "  patio   heater "]})
    assert home.phrases == ("espresso machine", "patio heater")
    assert not home.empty and parse_vocabulary({}).empty


def test_the_version_follows_the_content() -> None:
    first = parse_vocabulary(HOME)
    assert parse_vocabulary(HOME).version == first.version
    changed = {**HOME, "phrases": ["patio heater", "hot tub"]}
    assert parse_vocabulary(changed).version != first.version


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected an object"),
        ({"entities": "lamp"}, "vocabulary.entities: expected a list"),
        ({"entities": [{"name": ""}]}, "entities.0.name: expected a non-empty text"),
        ({"entities": [{"name": "lamp", "colour": "red"}]}, "unknown key 'colour'"),
        ({"entities": [{"name": "lamp", "domain": "Light!"}]}, "domain"),
        ({"areas": [{"name": "Küche"}, {"name": "厨房"}]}, "areas.1.name"),
        ({"phrases": ["x" * 101]}, "longer than 100"),
        ({"phrases": ["lamp"] * (LIMITS["phrases"] + 1)}, "at most 1000"),
        ({"entities": [{"name": "lamp", "aliases": ["a"] * 21}]}, "aliases"),
        ({"rooms": []}, "unknown key 'rooms'"),
        ({"sentences": [42]}, "sentences.0"),
    ],
)
def test_a_bad_vocabulary_is_refused_with_one_line(document: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as error:
        parse_vocabulary(document)
    assert "\n" not in str(error.value)


def test_the_store_keeps_the_vocabulary_and_survives_a_broken_file(tmp_path: Any) -> None:
    store = VocabularyStore(tmp_path / "vocabulary.json")
    assert store.load().empty
    home = parse_vocabulary(HOME)
    store.save(home)
    assert VocabularyStore(tmp_path / "vocabulary.json").load() == home
    (tmp_path / "vocabulary.json").write_text("{not json")
    assert store.load().empty


def test_a_vocabulary_file_is_yaml(tmp_path: Any) -> None:
    path = tmp_path / "home.yaml"
    path.write_text("entities:\n  - {name: Hue Go, domain: light}\nphrases: [kettle]\n")
    home = read_vocabulary_file(path)
    assert home.entities[0].name == "Hue Go" and home.phrases == ("kettle",)
    path.write_text("entities: [{name: ''}]\n")
    with pytest.raises(ConfigError, match="--vocabulary-file"):
        read_vocabulary_file(path)
