"""The server as a client sees it: `wyoming-local-asr serve` in its own process, fed over the
Wyoming protocol in chunks of 1024 samples, as Home Assistant does.

Latency is measured from the client's `audio-stop` to the `transcript`, in two ways:
- full speed: every chunk sent at once (how `wyoming-bench` measures servers);
- real time: each chunk sent when a microphone would have delivered it, so the server can
  convert and denoise while the user is still speaking (what a user waits for).

After all clips the server's memory is read from `/proc/PID/status`: its peak resident set
(`VmHWM`), and of the resident set now the private part (`RssAnon`: what the server allocated)
and the file-backed part (`RssFile`: pages of shared libraries and of the memory-mapped language
model, shared with the page cache and dropped by the kernel when memory is short).
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

from ..ops.system import read_status_mb
from .corpus import Clip, read_audio
from .normalize import normalize
from .run import percentile
from .wer import word_errors

CHUNK_SAMPLES = 1024
_LISTENING = re.compile(r"Wyoming server on 127\.0\.0\.1:(\d+)")
_START_TIMEOUT = 300.0  # seconds; a first start may build the model
_MEMORY_FIELDS = {
    "VmHWM": "peak_rss_mb",
    "VmRSS": "rss_mb",
    "RssAnon": "private_rss_mb",
    "RssFile": "file_rss_mb",
}


@dataclass(frozen=True)
class ServerConfig:
    label: str
    denoise: bool
    # More `serve` options.
    extra: tuple[str, ...] = ()


# The default (RNNoise only below the SNR threshold), RNNoise on every utterance, and none.
SERVER_CONFIGS = (
    ServerConfig("server, denoise on", True),
    ServerConfig("server, denoise always", True, ("--denoise-below-snr", "inf")),
    ServerConfig("server, no denoise", False),
)


class WyomingProcess:
    """A Wyoming server process; its log is read on a thread from the start (the pipe never
    fills up, and a server that hangs silently still meets the start-up deadline)."""

    port: int
    startup_seconds: float

    def __init__(
        self, command: list[str], env: dict[str, str], *, nofile: int | None = None
    ) -> None:
        """`nofile`: the process's RLIMIT_NOFILE (for descriptor exhaustion tests)."""
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
        )
        if nofile is not None:
            # At once: the interpreter has not started importing yet, and the server reads its
            # limit only once the model is loaded, seconds later.
            resource.prlimit(self.process.pid, resource.RLIMIT_NOFILE, (nofile, nofile))
        self.log: list[str] = []
        self._exited = threading.Event()
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        for line in self.process.stderr or []:
            self.log.append(line)
            self._line(line)
        self._exited.set()

    def _line(self, line: str) -> None:
        """Called for every log line."""

    def memory_mb(self) -> dict[str, float]:
        """Resident memory at its peak and now (private and file-backed), in MiB (Linux)."""
        fields = read_status_mb(_MEMORY_FIELDS, pid=str(self.process.pid))
        return {_MEMORY_FIELDS[key]: round(value, 1) for key, value in fields.items()}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _failed(self, what: str) -> RuntimeError:
        self.stop()
        return RuntimeError(f"{what}:\n" + "".join(self.log[-20:]))


class ServerProcess(WyomingProcess):
    """`wyoming-local-asr serve` on a free loopback port (read from its log)."""

    def __init__(
        self,
        model_dir: Path,
        denoise: bool,
        threads: int = 1,
        start_timeout: float = _START_TIMEOUT,
        extra: tuple[str, ...] = (),
        *,
        nofile: int | None = None,
    ) -> None:
        # A bench never uses the user's data dir: a private one unless the caller gives one.
        self._own_data_dir: tempfile.TemporaryDirectory[str] | None = None
        if "--data-dir" not in extra:
            self._own_data_dir = tempfile.TemporaryDirectory(prefix="local-asr-bench-")
            extra = (*extra, "--data-dir", self._own_data_dir.name)
        command = [
            sys.executable,
            "-m",
            "wyoming_local_asr",
            "serve",
            "--uri",
            "tcp://127.0.0.1:0",
            "--model",
            str(model_dir),
            "--threads",
            str(threads),
            "--denoise" if denoise else "--no-denoise",
            *extra,
        ]
        self._listening = threading.Event()
        self._port: int | None = None
        super().__init__(command, {**os.environ, "OMP_NUM_THREADS": str(threads)}, nofile=nofile)
        self._listening.wait(start_timeout)
        if self._port is None:
            raise self._failed("the server did not start")
        self.port = self._port
        self.startup_seconds = time.perf_counter() - self.started

    def stop(self) -> None:
        super().stop()
        if self._own_data_dir is not None:
            self._own_data_dir.cleanup()

    def _line(self, line: str) -> None:
        if self._port is None and (match := _LISTENING.search(line)):
            self._port = int(match.group(1))
            self._listening.set()

    def _read_log(self) -> None:
        super()._read_log()
        self._listening.set()  # the server exited: stop waiting


class PeerProcess(WyomingProcess):
    """Another engine's Wyoming server on `port`: ready when it answers `describe`."""

    def __init__(
        self, command: list[str], port: int, start_timeout: float = _START_TIMEOUT
    ) -> None:
        super().__init__(command, {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
        self.port = port
        deadline = self.started + start_timeout
        while not asyncio.run(_answers_describe(port)):
            if self.process.poll() is not None:
                raise self._failed("the peer exited at start")
            if time.perf_counter() > deadline:
                raise self._failed("the peer did not start")
            time.sleep(0.1)
        self.startup_seconds = time.perf_counter() - self.started


async def _answers_describe(port: int) -> bool:
    try:
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            event = await asyncio.wait_for(client.read_event(), timeout=5)
            return event is not None and Info.is_type(event.type)
    except (OSError, TimeoutError):
        return False


async def send_clip(port: int, clip: Clip, real_time: bool) -> tuple[str, float]:
    """Transcribe one clip over Wyoming: the text and the seconds from audio-stop to it."""
    audio = read_audio(clip.audio_path)
    fmt = audio.format
    step = CHUNK_SAMPLES * fmt.frame_bytes
    chunk_seconds = CHUNK_SAMPLES / fmt.rate
    async with AsyncTcpClient("127.0.0.1", port) as client:
        # as Home Assistant's pipeline does: `transcribe` with the language, then the audio
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(fmt.rate, fmt.width, fmt.channels).event())
        started = time.perf_counter()
        for index, offset in enumerate(range(0, len(audio.pcm), step)):
            if real_time:  # the moment a microphone would have this chunk
                await asyncio.sleep(max(0.0, started + index * chunk_seconds - time.perf_counter()))
            piece = audio.pcm[offset : offset + step]
            await client.write_event(AudioChunk(fmt.rate, fmt.width, fmt.channels, piece).event())
        await client.write_event(AudioStop().event())
        stopped = time.perf_counter()
        while True:
            event = await asyncio.wait_for(client.read_event(), timeout=120)
            if event is None:
                raise RuntimeError(f"{clip.name}: the server closed the connection")
            if Transcript.is_type(event.type):
                return Transcript.from_event(event).text, time.perf_counter() - stopped


def latency_cell(figures: dict[str, Any]) -> str:
    """ "median / p95 ms" of one pace's figures from `run_clips`, for report tables."""
    return f"{1000 * figures['latency_median_s']:.0f} / {1000 * figures['latency_p95_s']:.0f} ms"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_clips(port: int, clips: list[Clip]) -> dict[str, Any]:
    await send_clip(port, clips[0], real_time=False)  # warm-up
    result: dict[str, Any] = {}
    for pace, real_time in (("full_speed", False), ("real_time", True)):
        latencies: list[float] = []
        errors = words = right = 0
        for clip in clips:
            text, latency = await send_clip(port, clip, real_time)
            latencies.append(latency)
            counts = word_errors(normalize(clip.reference), normalize(text))
            errors += counts.errors
            words += counts.reference_length
            right += counts.errors == 0
        result[pace] = {
            "latency_median_s": percentile(latencies, 0.5),
            "latency_p95_s": percentile(latencies, 0.95),
            "wer": errors / words if words else 0.0,
            "sentence_accuracy": right / len(clips),
        }
    return result


def run_server_config(
    config: ServerConfig, model_dir: Path, clips: list[Clip], threads: int = 1
) -> dict[str, Any]:
    """Start a server, send every clip at full speed and then in real time, read its memory."""
    server = ServerProcess(model_dir, config.denoise, threads, extra=config.extra)
    try:
        document = asyncio.run(run_clips(server.port, clips))
        document.update(server.memory_mb())
    finally:
        server.stop()
    document["label"] = config.label
    return document
