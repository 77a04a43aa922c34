"""End to end: the real server learns a home through `PUT /api/vocabulary`, keeps it across a
restart, and answers the home's commands spelled its way while other speech is unharmed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from test_serve_ops import clips, request, transcribe, words

from wyoming_local_asr.evaluation.corpus import float_to_int16
from wyoming_local_asr.evaluation.synth import VOICES, synthesize

if TYPE_CHECKING:
    from conftest import ServerProcess

pytestmark = pytest.mark.slow

HOME: dict[str, Any] = {
    "entities": [
        {"name": "Nanoleaf Panels", "domain": "light", "area": "Study"},
        {"name": "Somfy awning", "domain": "cover", "area": "Garden"},
        {"name": "Nuki lock", "domain": "lock", "area": "Garage"},
    ],
    "areas": [{"name": "Study"}, {"name": "Garden"}, {"name": "Garage"}],
    "floors": [{"name": "Upstairs"}],
}
COMMANDS = {
    "turn on the nanoleaf panels": "turn on the Nanoleaf Panels",
    "open the somfy awning": "open the Somfy awning",
    "lock the nuki lock": "lock the Nuki lock",
}


def spoken(text: str) -> bytes:
    samples = synthesize(text, VOICES["festival_slt"])
    return float_to_int16(np.asarray(samples, dtype=np.float32)).tobytes()


def put(server: ServerProcess, token: str, body: bytes) -> tuple[int, Any]:
    call = urllib.request.Request(
        server.url("/api/vocabulary"),
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="PUT",
    )
    try:
        with urllib.request.urlopen(call, timeout=300) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_until_built(server: ServerProcess, timeout: float = 300.0) -> dict[str, Any]:
    """The `build` of `GET /api/vocabulary` once it is no longer building."""
    deadline = time.monotonic() + timeout
    while True:
        build: dict[str, Any] = server.get_json("/api/vocabulary")["build"]
        if build["state"] != "building":
            assert build["state"] == "ready", build
            return build
        assert time.monotonic() < deadline, "the vocabulary build did not end in time"
        time.sleep(0.2)


def made_up_words(count: int) -> list[str]:
    """Words in no lexicon, so that hama's G2P must pronounce each."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [
        f"zorblax{letters[i // 676]}{letters[i // 26 % 26]}{letters[i % 26]}" for i in range(count)
    ]


async def test_a_home_vocabulary_is_learned_kept_and_used(
    launch: Callable[..., ServerProcess],
    make_token: Callable[[Path, str], str],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = launch(data_dir)
    admin = make_token(data_dir, "admin")
    audio = {text: spoken(text) for text in COMMANDS}
    real = clips()["he was not an ill disposed young man"]
    plain_real = words(await transcribe(server.wyoming_port, real))
    before = {
        text: (await transcribe(server.wyoming_port, pcm)).text for text, pcm in audio.items()
    }
    assert list(before.values()) != list(COMMANDS.values())  # without the home: misheard names

    # Bad vocabularies are refused whole; the server goes on.
    assert put(server, admin, b'{"entities": [{"name": ""}]}')[0] == 400
    assert put(server, admin, b'{"areas": [{"name": "\\u53a8\\u623f"}]}')[0] == 400
    assert put(server, admin, b'{"phrases": ["' + b"a" * (2 << 20) + b'"]}')[0] == 413
    assert request(server, "PUT", "/api/vocabulary", None, HOME) == 401

    status, summary = put(server, admin, json.dumps(HOME).encode())
    assert status == 200
    assert summary["entities"] == 3 and summary["areas"] == 3
    assert summary["build"]["state"] == "building"  # answered before the build
    kept = server.get_json("/api/vocabulary")
    assert kept["version"] == summary["version"]
    assert kept["entities"][0]["name"] == "Nanoleaf Panels"
    assert wait_until_built(server)["active_version"] == summary["version"]
    assert server.get_json("/api/health")["vocabulary"]["build"]["state"] == "ready"

    for text, pcm in audio.items():
        assert (await transcribe(server.wyoming_port, pcm)).text == COMMANDS[text]
    assert words(await transcribe(server.wyoming_port, real)) == plain_real

    # A restarted server still knows the home, and pronounces nothing again.
    server.process.terminate()
    server.process.wait(timeout=30)
    restarted = launch(data_dir)
    assert restarted.get_json("/api/vocabulary")["version"] == summary["version"]
    text = next(iter(COMMANDS))
    assert (await transcribe(restarted.wyoming_port, audio[text])).text == COMMANDS[text]
    assert (data_dir / "pronunciations.tsv").read_text().count("nanoleaf\t") == 1


def test_vocabulary_work_is_bounded_and_stops_with_the_server(
    launch: Callable[..., ServerProcess],
    make_token: Callable[[Path, str], str],
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = launch(data_dir)
    admin = make_token(data_dir, "admin")
    # More new words than one update may pronounce: refused whole, before any work.
    extra = made_up_words(1001)
    too_many = {"phrases": [" ".join(extra[i : i + 4]) for i in range(0, len(extra), 4)]}
    status, _ = put(server, admin, json.dumps(too_many).encode())
    assert status == 413
    assert server.get_json("/api/vocabulary")["build"]["state"] == "ready"

    # A large legal vocabulary is answered at once; the server stops at once mid-build.
    words = made_up_words(1000)
    document = {"phrases": [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)]}
    started = time.monotonic()
    status, summary = put(server, admin, json.dumps(document).encode())
    assert status == 200 and time.monotonic() - started < 5
    assert summary["build"] == {
        "state": "building",
        "active_version": summary["build"]["active_version"],
        "words_to_pronounce": 1000,
    }
    deadline = time.monotonic() + 120
    while server.get_json("/api/vocabulary")["build"].get("words_to_pronounce") == 1000:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    stopping = time.monotonic()
    server.process.terminate()
    assert server.process.wait(timeout=30) == 0
    assert time.monotonic() - stopping < 5
    pronounced = (data_dir / "pronunciations.tsv").read_text().splitlines()
    assert 1 <= len(pronounced) < 1000  # kept for the next build

    # The restarted server holds the kept vocabulary; what was pronounced is not redone.
    restarted = launch(data_dir)
    kept = restarted.get_json("/api/vocabulary")
    assert kept["version"] == summary["version"]
    # started on the model alone, the kept vocabulary builds in the background
    assert kept["build"]["state"] == "building"
    assert kept["build"]["active_version"] != summary["version"]
    assert kept["build"]["words_to_pronounce"] <= 1000 - len(pronounced)
