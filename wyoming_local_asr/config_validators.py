"""Validators of setting values: each takes the typed value of a config file or the text of
an environment variable / command-line flag, and returns the value `Settings` holds."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import voluptuous as vol

from .ops.roles import ROLES_SCHEMA
from .vocabulary.characters import refusal

DEFAULT_OPS_PORT = 10301
DEVICES = ("auto", "cpu", "cuda", "tensorrt")
PRECISIONS = ("int8", "fp32")
RECOGNIZERS = ("local", "ray")


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise vol.Invalid(f"expected a whole number from {low} to {high}")
        return value

    return validate


def _number(low: float, high: float, *, low_open: bool = False) -> Callable[[Any], float]:
    def validate(value: Any) -> float:
        try:
            number = float(value) if not isinstance(value, bool) else float("nan")
        except (TypeError, ValueError):
            number = float("nan")
        if not (low < number <= high if low_open else low <= number <= high):
            bracket = "(" if low_open else "["
            raise vol.Invalid(f"expected a number in {bracket}{low:g}, {high:g}]")
        return number

    return validate


def _boolean(value: Any) -> bool:
    try:
        return bool(vol.Boolean()(value))
    except vol.Invalid:
        raise vol.Invalid("expected true/false (also 1/0, yes/no, on/off)") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid("expected a non-empty text")
    return value.strip()


def _websocket_url(value: Any) -> str:
    text = _text(value)
    if urlparse(text).scheme not in ("ws", "wss") or not urlparse(text).netloc:
        raise vol.Invalid("expected a ws:// or wss:// URL")
    return text


def _path(value: Any) -> Path:
    return Path(_text(value)).expanduser()


def _existing_file(value: Any) -> Path:
    path = _path(value)
    if not path.is_file():
        raise vol.Invalid(f"no such file: {path}")
    return path


def _uri(value: Any) -> str:
    text = _text(value)
    parsed = urlparse(text)
    if parsed.scheme == "unix" and (parsed.path or parsed.netloc):
        return text
    if parsed.scheme == "tcp":
        try:
            port = parsed.port
        except ValueError:
            port = None
        if parsed.hostname and port is not None:
            return text
    raise vol.Invalid("expected tcp://HOST:PORT or unix://PATH")


def _host(value: Any) -> str:
    text = _text(value)
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})", text):
            raise vol.Invalid("expected an IP address or host name") from None
    return text.strip("[]")


def _language(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*", text):
        raise vol.Invalid("expected a language code such as 'en' or 'en-US'")
    return text


def _device(value: Any) -> str:
    text = _text(value).lower()
    if text not in DEVICES:
        raise vol.Invalid(f"expected one of {', '.join(DEVICES)}")
    return text


def _precision(value: Any) -> str:
    text = _text(value).lower()
    if text not in PRECISIONS:
        raise vol.Invalid(f"expected one of {', '.join(PRECISIONS)}")
    return text


def _networks(value: Any) -> tuple[str, ...]:
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise vol.Invalid("expected CIDR networks such as 192.168.1.0/24")
    networks: list[str] = []
    for item in items:
        if not str(item).strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise vol.Invalid(f"{item!r} is not a network such as 192.168.1.0/24") from None
    return tuple(networks)


def _phrases(value: Any) -> tuple[str, ...]:
    items = value.split("\n") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise vol.Invalid("expected a list of phrases")
    for item in items:
        refused = refusal(item.strip())
        if refused is not None:
            raise vol.Invalid(f"phrase {item.strip()[:40]!r}: {refused}")
    return tuple(item.strip() for item in items if item.strip())


def _zeroconf(value: Any) -> tuple[bool, str]:
    """`true`/`false`, or a service name (which also turns zeroconf on)."""
    try:
        return _boolean(value), ""
    except vol.Invalid:
        return True, _text(value)


def _ops_port(value: Any) -> int | None:
    """A port number, or true/false for the default port/off."""
    try:
        return DEFAULT_OPS_PORT if _boolean(value) else None
    except vol.Invalid:
        pass
    try:
        return _integer(1, 65535)(value)
    except vol.Invalid:
        raise vol.Invalid("expected a port from 1 to 65535 (or true/false)") from None


def _recognizer(value: Any) -> str:
    text = _text(value)
    if text not in RECOGNIZERS:
        raise vol.Invalid(f"expected one of {', '.join(RECOGNIZERS)}")
    return text


def _ray_address(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"(auto|(ray://)?[A-Za-z0-9.\-\[\]:]+:\d+)", text):
        raise vol.Invalid("expected HOST:PORT (a Ray cluster's GCS), ray://HOST:PORT or auto")
    return text


def _app_name(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", text):
        raise vol.Invalid("expected a Ray Serve application name (letters, digits, _ . -)")
    return text


def _roles(value: Any) -> dict[str, tuple[str, ...]]:
    checked = ROLES_SCHEMA(value)
    return {name: tuple(permissions) for name, permissions in checked.items()}


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "uri": _uri,
    "zeroconf": _zeroconf,
    "zeroconf_name": _text,
    "model": _text,
    "data_dir": _path,
    "language": _language,
    "denoise": _boolean,
    "compare_original": _boolean,
    "denoise_below_snr": _number(0.0, math.inf),
    "vad": _boolean,
    "endpointing": _boolean,
    "vad_aggressiveness": _integer(0, 3),
    "threads": _integer(0, 256),
    "device": _device,
    "precision": _precision,
    "beam": _integer(1, 1024),
    "batch_window_ms": _number(0.0, 1000.0),
    "max_batch": _integer(1, 256),
    "max_utterance_seconds": _number(0.0, 3600.0, low_open=True),
    "partial_interval": _number(0.0, 60.0),
    "frame_timeout": _number(0.0, 3600.0, low_open=True),
    "idle_timeout": _number(0.0, 86400.0),
    "max_connections": _integer(1, 100_000),
    "max_connections_per_address": _integer(1, 100_000),
    "max_connection_audio_mb": _number(0.0, 100_000.0, low_open=True),
    "max_audio_mb": _number(0.0, 100_000.0, low_open=True),
    "shutdown_grace": _number(0.0, 3600.0),
    "vocabulary": _phrases,
    "vocabulary_file": _existing_file,
    "grammar": _boolean,
    "grammar_threshold": _number(-100.0, 100.0),
    "home_assistant_url": _websocket_url,
    "debug": _boolean,
    "ops_port": _ops_port,
    "tls_cert": _existing_file,
    "tls_key": _existing_file,
    "allow_networks": _networks,
    "require_token": _boolean,
    "tokens_file": _path,
    "auth_failure_limit": _integer(0, 1_000_000),
    "auth_failure_window": _number(0.0, 86400.0, low_open=True),
    "ops_host": _host,
    "roles": _roles,
    "recognizer": _recognizer,
    "ray_address": _ray_address,
    "ray_deployment": _app_name,
    "ray_timeout": _number(0.0, 3600.0, low_open=True),
}
# Options only a config file can hold (structured values).
FILE_ONLY = frozenset({"roles"})
