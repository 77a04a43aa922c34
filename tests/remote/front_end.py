"""Processes of the remote-recognizer tests: `ray deploy` and `serve --recognizer ray` front
ends, run from the installed CLI as a user runs them, with Ray kept on loopback."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error

from wyoming_local_asr.evaluation.ray_cluster import ray_env
from wyoming_local_asr.evaluation.server_bench import free_port

CLI = Path(sys.executable).parent / "wyoming-local-asr"
START_SECONDS = 180.0
CHUNK_BYTES = 2048


def deploy(address: str, model_dir: Path, *options: str) -> str:
    """`wyoming-local-asr ray deploy`; its output."""
    command = [str(CLI), "ray", "deploy", "--ray-address", address, "--model", str(model_dir)]
    command += ["--threads", "1", *options]
    done = subprocess.run(
        command, capture_output=True, text=True, env=ray_env(), timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def make_token(data_dir: Path, role: str = "admin") -> str:
    """A token made by the real `token create` command."""
    done = subprocess.run(
        [str(CLI), "token", "--data-dir", str(data_dir), "create", "--role", role],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def run_driver(address: str, script: str, *args: str) -> str:
    """A short Python driver on the cluster (to kill a replica, to list replicas)."""
    done = subprocess.run(
        [sys.executable, "-c", script, address, *args],
        capture_output=True,
        text=True,
        env=ray_env(),
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return done.stdout


@dataclass
class FrontEnd:
    process: subprocess.Popen[bytes]
    port: int
    ops_port: int
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ops_port}{path}"

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(path), timeout=30) as answer:
            return json.load(answer)

    def get_text(self, path: str) -> str:
        with urllib.request.urlopen(self.url(path), timeout=30) as answer:
            return str(answer.read().decode())

    def put_json(self, path: str, token: str, document: Any) -> Any:
        call = urllib.request.Request(
            self.url(path),
            data=json.dumps(document).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="PUT",
        )
        with urllib.request.urlopen(call, timeout=120) as answer:
            return json.load(answer)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_front_end(address: str, data_dir: Path, *options: str) -> FrontEnd:
    """`serve --recognizer ray` on free loopback ports; returns once its API answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port, ops_port = free_port(), free_port()
    log = data_dir / "front-end.log"
    command = [
        str(CLI), "serve", "--recognizer", "ray", "--ray-address", address,
        "--uri", f"tcp://127.0.0.1:{port}", "--ops-port", str(ops_port),
        "--data-dir", str(data_dir), "--no-zeroconf", "--ray-timeout", "20", *options,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=ray_env())
    front_end = FrontEnd(process, port, ops_port, data_dir, log)
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}:\n{front_end.log_text()}")
        try:
            front_end.get_json("/api/info")
            return front_end
        except (OSError, urllib.error.HTTPError):
            if time.monotonic() > deadline:
                front_end.stop()
                raise RuntimeError(f"serve did not start:\n{front_end.log_text()}") from None
            time.sleep(0.2)


async def transcribe(port: int, pcm: bytes) -> tuple[str, str]:
    """One utterance at full speed as Home Assistant sends it: ("transcript", text) or
    ("error", code)."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for offset in range(0, len(pcm), CHUNK_BYTES):
            chunk = pcm[offset : offset + CHUNK_BYTES]
            await client.write_event(
                AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event()
            )
        await client.write_event(AudioStop().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=60)
            assert event is not None, "the front end closed the connection without an answer"
            if Transcript.is_type(event.type):
                return "transcript", Transcript.from_event(event).text
            if Error.is_type(event.type):
                return "error", str(Error.from_event(event).code)
