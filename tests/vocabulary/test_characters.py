"""Control and format characters are refused in every vocabulary string, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol

from wyoming_local_asr.config import ConfigError, validate_layer
from wyoming_local_asr.ops.config_api import CONFIG_CHANGES_SCHEMA
from wyoming_local_asr.vocabulary.characters import control_character
from wyoming_local_asr.vocabulary.home import parse_vocabulary

REFUSED = ["\x00", "\x07", "\t", "\n", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\u202e",
           "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200e", "\ufeff",
           "\u2028", "\ue000"]  # fmt: skip


def _documents(bad: str) -> list[tuple[dict[str, Any], str]]:
    """Documents with `bad` in one string each, and the field the error must name."""
    return [
        ({"entities": [{"name": f"Kitchen{bad} Light"}]}, "entities.0.name"),
        ({"entities": [f"Desk {bad}lamp"]}, "entities.0.name"),
        ({"entities": [{"name": "Lamp", "aliases": ["ok", f"x{bad}y"]}]}, "entities.0.aliases.1"),
        ({"entities": [{"name": "Lamp", "area": f"Study{bad}"}]}, "entities.0.area"),
        ({"entities": [{"name": "Lamp", "domain": f"light{bad}"}]}, "entities.0.domain"),
        ({"areas": [{"name": f"{bad}Study"}]}, "areas.0.name"),
        ({"areas": [{"name": "Study", "floor": f"Up{bad}stairs"}]}, "areas.0.floor"),
        ({"floors": [{"name": "Up", "aliases": [f"first{bad} floor"]}]}, "floors.0.aliases.0"),
        ({"sentences": ["movie time", f"party {bad}time"]}, "sentences.1"),
        ({"phrases": [f"espresso{bad} machine"]}, "phrases.0"),
    ]


@pytest.mark.parametrize("bad", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_every_vocabulary_string_refuses_control_characters(bad: str) -> None:
    for document, field in _documents(bad):
        with pytest.raises(ConfigError) as raised:
            parse_vocabulary(document)
        assert f"vocabulary.{field}" in str(raised.value), document
        if field != "entities.0.domain":
            assert f"U+{ord(bad):04X}" in str(raised.value)


def test_ordinary_text_still_passes() -> None:
    home = parse_vocabulary(
        {
            "entities": [{"name": "Café Lights", "aliases": ["Nanoleaf (wall)"], "area": "Den"}],
            "sentences": ["it's movie time, please"],
            "phrases": ["espresso  machine"],
        }
    )
    assert home.phrases == ("espresso machine",)
    assert control_character("Zoë's lamp — on") is None


@pytest.mark.parametrize("bad", ["\x00", "\u202e", "\u2066"])
def test_runtime_phrases_refuse_control_characters(bad: str) -> None:
    with pytest.raises(vol.Invalid) as raised:
        CONFIG_CHANGES_SCHEMA({"vocabulary": ["fine", f"bad{bad}phrase"]})
    assert "vocabulary" in str(raised.value.path) and f"U+{ord(bad):04X}" in str(raised.value)
    with pytest.raises(ConfigError, match=f"--vocabulary.*U\\+{ord(bad):04X}"):
        validate_layer({"vocabulary": ["fine", f"bad{bad}phrase"]}, "config file x.yaml")
