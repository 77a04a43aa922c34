"""End to end: the real server learns a home through `PUT /api/vocabulary`, keeps it across a
restart, and answers the home's commands spelled its way while other speech is unharmed."""

from __future__ import annotations

import json
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
    kept = server.get_json("/api/vocabulary")
    assert kept["version"] == summary["version"]
    assert kept["entities"][0]["name"] == "Nanoleaf Panels"

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
