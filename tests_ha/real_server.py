"""The real wyoming-local-asr server of this repository, run as a subprocess by the tests."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_socket

REPO = Path(__file__).resolve().parents[1]
# The data dir `tests/conftest.py` builds the default model into.
TEST_DATA_DIR = REPO / ".cache" / "test-data"
MODEL_NAME = "hama-conformer-ctc-en"
STARTUP_TIMEOUT = 180.0


def server_command() -> str:
    command = os.environ.get("LOCAL_ASR_SERVER")
    if not command:
        pytest.skip("LOCAL_ASR_SERVER is not set (path of the wyoming-local-asr command)")
    return command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def sockets_allowed() -> Iterator[None]:
    """Real sockets outside a test (session fixtures), as `socket_enabled` gives a test."""
    blocked = socket.socket is not pytest_socket._true_socket
    pytest_socket.enable_socket()
    try:
        yield
    finally:
        if blocked:
            pytest_socket.disable_socket(allow_unix_socket=True)


def default_model_dir() -> Path:
    """Build the default model once (`model build`), in the cache the server tests share.

    `LOCAL_ASR_TEST_MODEL=<dir>` uses a model directory that is already there instead.
    """
    if given := os.environ.get("LOCAL_ASR_TEST_MODEL"):
        return Path(given)
    with _exclusive(TEST_DATA_DIR / f".{MODEL_NAME}.lock"):
        subprocess.run(
            [server_command(), "model", "--data-dir", str(TEST_DATA_DIR), "build"],
            check=True,
            env=_env(),
        )
    return TEST_DATA_DIR / "models" / MODEL_NAME


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


class RealServer:
    """`wyoming-local-asr serve` on loopback ports; can be stopped and started again."""

    def __init__(self, model_dir: Path, data_dir: Path, *extra: str) -> None:
        self.model_dir = model_dir
        self.data_dir = data_dir
        self.extra = extra
        self.host = "127.0.0.1"
        self.port = free_port()
        self.ops_port = free_port()
        self.log_path = data_dir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.admin_token = ""
        self.user_token = ""

    def create_token(self, role: str) -> str:
        result = subprocess.run(
            [server_command(), "token", "--data-dir", str(self.data_dir), "create", "--role", role],
            check=True,
            capture_output=True,
            env=_env(),
        )
        return result.stdout.decode().strip().splitlines()[-1]

    def revoke_token(self, token: str) -> None:
        token_id = token.split("_")[1]
        subprocess.run(
            [server_command(), "token", "--data-dir", str(self.data_dir), "revoke", token_id],
            check=True,
            capture_output=True,
            env=_env(),
        )

    def start(self) -> None:
        command = [
            server_command(),
            "serve",
            "--uri",
            f"tcp://{self.host}:{self.port}",
            "--ops-port",
            str(self.ops_port),
            "--data-dir",
            str(self.data_dir),
            "--model",
            str(self.model_dir),
            "--no-zeroconf",
            "--threads",
            "1",
            *self.extra,
        ]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=_env()
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log()}")
            try:
                self.get("/api/health")
            except urllib.error.HTTPError as error:
                if error.code != 401:  # with --require-token, reads need a token: it is up
                    raise
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
                continue
            if self._wyoming_open():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"the server did not start within {STARTUP_TIMEOUT:.0f} s:\n{self.log()}"
        )

    def _wyoming_open(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def get(self, path: str, token: str | None = None) -> Any:
        request = urllib.request.Request(f"http://{self.host}:{self.ops_port}{path}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""
