"""Seeded protocol fuzzing: raw Wyoming frames, well-formed and not, of many kinds.

Each frame is bytes to write on a connection. The kinds cover what the reader and the handler
must refuse without a traceback or a hang: bad JSON, deep nesting, wrong types, lengths over the
bound or over what is sent, truncation, binary noise, events out of order, impossible audio
formats, wrong languages. A run is reproducible from its seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

FORMATS = ({"rate": 16000, "width": 2, "channels": 1}, {"rate": 48000, "width": 4, "channels": 2})
EVENT_TYPES = (
    "describe",
    "transcribe",
    "audio-start",
    "audio-chunk",
    "audio-stop",
    "ping",
    "select-program",
    "synthesize",
    "",
)


def frame(
    event_type: Any, data: Any = None, payload: bytes = b"", extra: dict[str, Any] | None = None
) -> bytes:
    header: dict[str, Any] = {"type": event_type, "version": "1.10.2", **(extra or {})}
    data_bytes = json.dumps(data).encode() if data is not None else b""
    if data_bytes:
        header["data_length"] = len(data_bytes)
    if payload:
        header["payload_length"] = len(payload)
    return json.dumps(header).encode() + b"\n" + data_bytes + payload


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return rng.randint(-(2**63), 2**63)
    if choice == 1:
        return rng.random() * 10 ** rng.randint(-5, 20)
    if choice == 2:
        return "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(12)))
    if choice == 3:
        return rng.choice([None, True, False, "", "en", "xx-YY", -1, 0])
    if choice == 4:
        return rng.choice([float("inf"), 1e308, 16000, 2, 1])
    if choice == 5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(rng.randrange(9)): _random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _chunk(rng: random.Random) -> bytes:
    fmt = rng.choice(FORMATS)
    return frame("audio-chunk", fmt, rng.randbytes(rng.choice([0, 1, 3, 2048, 8192])))


def _utterance(rng: random.Random) -> bytes:
    fmt = rng.choice(FORMATS)
    chunks = b"".join(frame("audio-chunk", fmt, rng.randbytes(2048)) for _ in range(3))
    return frame("audio-start", fmt) + chunks + frame("audio-stop")


Kind = Callable[[random.Random], bytes]
KINDS: dict[str, Kind] = {
    "valid-describe": lambda rng: frame("describe"),
    "valid-ping": lambda rng: frame("ping", {"text": "x"}),
    "valid-utterance": _utterance,
    "random-type": lambda rng: frame(rng.choice(EVENT_TYPES), _random_value(rng)),
    "random-data": lambda rng: frame(rng.choice(EVENT_TYPES[:5]), {"x": _random_value(rng)}),
    "type-not-text": lambda rng: frame(_random_value(rng)),
    "audio-start-bad-format": lambda rng: frame(
        "audio-start", {k: _random_value(rng) for k in ("rate", "width", "channels")}
    ),
    "chunk-random": _chunk,
    "stop-without-start": lambda rng: frame("audio-stop"),
    "transcribe-language": lambda rng: frame(
        "transcribe", {"language": rng.choice([5, "xx-YY", ["en"], None, "en", {"a": 1}])}
    ),
    "bad-json-header": lambda rng: b'{"type": "describe"' + rng.randbytes(5) + b"\n",
    "header-not-object": lambda rng: json.dumps(_random_value(rng)).encode() + b"\n",
    "deep-header": lambda rng: b"[" * 20_000 + b"]" * 20_000 + b"\n",
    "deep-data": lambda rng: _deep_data(),
    "bad-json-data": lambda rng: b'{"type":"transcribe","data_length":5}\n' + b"{{{{{",
    "negative-length": lambda rng: frame("audio-chunk", extra={"payload_length": -5}),
    "length-not-int": lambda rng: frame("audio-chunk", extra={"data_length": "12"}),
    "length-over-bound": lambda rng: frame("audio-chunk", extra={"payload_length": 1 << 40}),
    "announces-more": lambda rng: (
        frame("audio-chunk", FORMATS[0], extra={"payload_length": 5000}) + rng.randbytes(100)
    ),
    "binary-noise": lambda rng: rng.randbytes(rng.randrange(1, 600)) + b"\n",
    "long-header": lambda rng: b'{"type":"' + b"a" * 70_000 + b'"}\n',
    "blank-lines": lambda rng: b"\n" * rng.randrange(1, 20),
}
# Frames after which the server cannot follow the stream and closes the connection.
FATAL = {"negative-length", "length-not-int", "length-over-bound", "announces-more", "long-header"}


def _deep_data() -> bytes:
    data = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
    return json.dumps({"type": "transcribe", "data_length": len(data)}).encode() + b"\n" + data


def fuzz_connections(
    seed: int, events: int, per_connection: int = 12
) -> list[list[tuple[str, bytes]]]:
    """`events` fuzz frames in connections of up to `per_connection` frames (a connection
    ends after a frame the server cannot follow); the same seed gives the same frames."""
    rng = random.Random(seed)
    names = sorted(KINDS)
    connections: list[list[tuple[str, bytes]]] = []
    current: list[tuple[str, bytes]] = []
    for _ in range(events):
        name = rng.choice(names)
        current.append((name, KINDS[name](rng)))
        if name in FATAL or len(current) >= per_connection:
            connections.append(current)
            current = []
    if current:
        connections.append(current)
    return connections
