"""The runtime settings the operations API may change, and their validation."""

from __future__ import annotations

import voluptuous as vol

from ..vocabulary.characters import refusal

RUNTIME_KEYS = ("language", "beam", "vad_aggressiveness", "denoise", "vocabulary")
MAX_PHRASES = 1000
MAX_PHRASE_LENGTH = 200


def _integer(value: object) -> int:
    """An int that is not a bool (JSON `true` must not pass as 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise vol.Invalid("expected an integer")
    return value


def _speakable(value: str) -> str:
    refused = refusal(value)
    if refused is not None:
        raise vol.Invalid(refused)
    return value


PHRASE = vol.All(str, _speakable, vol.Strip, vol.Length(min=1, max=MAX_PHRASE_LENGTH))
PHRASES = vol.All([PHRASE], vol.Length(max=MAX_PHRASES))

# `PUT /api/config`: any non-empty subset of the runtime settings; unknown keys are refused.
CONFIG_CHANGES_SCHEMA = vol.Schema(
    vol.All(
        {
            vol.Optional("language"): vol.All(
                str, vol.Match(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", msg="a language code")
            ),
            vol.Optional("beam"): vol.All(_integer, vol.Range(min=1, max=1024)),
            vol.Optional("vad_aggressiveness"): vol.All(_integer, vol.Range(min=0, max=3)),
            vol.Optional("denoise"): bool,
            vol.Optional("vocabulary"): PHRASES,
        },
        vol.Length(min=1, msg="name at least one setting"),
    )
)


def describe_invalid(error: vol.Invalid) -> str:
    """One line naming the offending setting, for the HTTP 400 answer."""
    path = ".".join(str(part) for part in error.path)
    return f"{path}: {error.msg}" if path else str(error.msg)
