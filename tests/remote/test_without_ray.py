"""The package needs Ray only for `--recognizer ray` and `ray deploy`: without it, `serve`
serves, and those two say in one line how to install it. Also the parts of the remote path
that need no cluster: the wire format, the settings, the front end's remote-call figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.config import ConfigError, load_settings
from wyoming_local_asr.evaluation.server_bench import free_port
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.prometheus import render
from wyoming_local_asr.ops.remote_calls import RemoteCalls
from wyoming_local_asr.ops.system import SystemStatus
from wyoming_local_asr.remote.wire import (
    BASE_VOCABULARY,
    decode_audio,
    encode_audio,
    vocabulary_key,
)

NO_SYSTEM = SystemStatus(None, None, None, None, None)
INSTALL_LINE = "pip install 'wyoming-local-asr[ray]'"

# Runs the CLI as if Ray were not installed (`import ray` raises ModuleNotFoundError), stops a
# server once it is ready, then prints whether any Ray module was loaded.
WITHOUT_RAY = """
import logging, os, signal, sys
sys.modules["ray"] = None
from wyoming_local_asr.cli import main

class StopWhenReady(logging.Handler):
    def emit(self, record):
        if record.getMessage() == "Ready":
            os.kill(os.getpid(), signal.SIGTERM)

logging.getLogger("wyoming_local_asr.app").addHandler(StopWhenReady())
code = main(sys.argv[1:])
loaded = sorted(name for name in sys.modules if name.startswith("ray") and sys.modules[name])
print("ray modules:", loaded)
sys.exit(code)
"""


def run_without_ray(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_RAY, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_serve_runs_without_ray(*, default_model_dir: Path, tmp_path: Path) -> None:
    done = run_without_ray(
        "serve", "--model", str(default_model_dir), "--data-dir", str(tmp_path),
        "--uri", f"tcp://127.0.0.1:{free_port()}", "--threads", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ray modules: []" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--recognizer", "ray", "--uri", "tcp://127.0.0.1:0"),
        ("ray", "deploy", "--model", "."),
    ],
    ids=["serve", "ray-deploy"],
)
def test_the_ray_commands_name_the_extra_without_ray(
    *, args: tuple[str, ...], tmp_path: Path
) -> None:
    done = run_without_ray(*args, "--data-dir", str(tmp_path))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, done.stderr
    assert errors[0] == f"wyoming-local-asr: error: {errors[0].split('error: ', 1)[1]}"
    assert INSTALL_LINE in errors[0]
    assert "Traceback" not in done.stderr


def test_the_recognizer_settings_are_checked() -> None:
    settings = load_settings(
        {"recognizer": "ray", "ray_address": "10.0.0.5:6379", "ray_timeout": "5"}, environ={}
    )
    assert (settings.recognizer, settings.ray_address, settings.ray_timeout) == (
        "ray", "10.0.0.5:6379", 5.0,
    )  # fmt: skip
    for values in (
        {"recognizer": "cloud"},
        {"ray_address": "no port"},
        {"ray_deployment": "white space"},
        {"ray_timeout": "0"},
    ):
        with pytest.raises(ConfigError, match="invalid value for --"):
            load_settings(values, environ={})


def test_segments_cross_bit_for_bit() -> None:
    audio = np.linspace(-1.2, 1.2, 16_001, dtype=np.float32)
    pcm = encode_audio(audio)
    assert len(pcm) == 4 * len(audio)
    assert np.array_equal(decode_audio(pcm), audio)
    with pytest.raises(ValueError, match="whole float32 samples"):
        decode_audio(b"\x00\x01\x02")


def test_vocabulary_keys_name_the_content() -> None:
    assert vocabulary_key({}, ()) == BASE_VOCABULARY
    home = {"version": "abc", "entities": []}
    assert vocabulary_key(home, ()) == vocabulary_key(dict(home), ())
    assert vocabulary_key(home, ()) != vocabulary_key(home, ("kitchen lights",))
    assert vocabulary_key(home, ()) != vocabulary_key({"version": "abd"}, ())


def test_remote_calls_in_health_and_metrics() -> None:
    calls = RemoteCalls("ray", "127.0.0.1:6379", "asr")
    assert calls.health()["reachable"] is False
    calls.set_reachable(True)
    calls.record("ok", 0.03)
    calls.record("ok", 0.2)
    calls.record("timeout")
    calls.retried()
    calls.set_reachable(False, "connection refused")
    health = calls.health()
    assert health["calls"] == {"ok": 2, "error": 0, "timeout": 1, "unreachable": 0}
    assert (health["reachable"], health["error"], health["retries"]) == (
        False, "connection refused", 1,
    )  # fmt: skip
    text = render(None, Metrics().snapshot(), NO_SYSTEM, remote=calls.snapshot())
    labels = 'kind="ray",application="asr"'
    assert f"wyoming_local_asr_remote_up{{{labels}}} 0" in text
    assert f'wyoming_local_asr_remote_calls_total{{{labels},outcome="timeout"}} 1' in text
    assert "wyoming_local_asr_remote_retries_total 1" in text
    assert 'wyoming_local_asr_remote_latency_seconds_bucket{le="0.05"} 1' in text
    assert "wyoming_local_asr_remote_latency_seconds_count 2" in text
    assert "remote" not in render(None, Metrics().snapshot(), NO_SYSTEM)
