"""A Ray cluster of this machine for the tests and `ray bench`: `ray start --head --block` in its
own session on loopback, stopped by killing that session's processes (ours only, never
`ray stop`, which would stop every Ray process of the user), and started again on the same
port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .server_bench import free_port

RAY = Path(sys.executable).parent / "ray"
# Ray resolves 127.0.0.1 to the machine's outward address unless it believes it runs without
# clusters (as on macOS): this keeps the head, its workers and our drivers on loopback.
LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_DEDUP_LOGS": "0",
    # A cluster on loopback for this user only: no token, whatever ~/.ray/auth_token holds (Ray
    # turns token auth on when that file exists, and a driver without it is then refused).
    "RAY_AUTH_MODE": "disabled",
    # On a loaded 2-core machine the raylet may take longer to register than Ray's default.
    "RAY_raylet_start_wait_time_s": "180",
    "RAY_agent_register_timeout_ms": "180000",
    "RAY_worker_register_timeout_seconds": "180",
}
START_SECONDS = 150.0
START_ATTEMPTS = 6


def ray_env() -> dict[str, str]:
    return {**os.environ, **LOOPBACK_ENV}


class LocalRayCluster:
    def __init__(self, directory: Path, num_cpus: int = 2) -> None:
        self.directory = directory
        self.num_cpus = num_cpus
        self.port = free_port()
        # Every agent port given: the raylet then waits for fewer port files (for at most 30 s,
        # fixed inside Ray, which a loaded machine can exceed), and no other cluster is hit.
        self.ports = {
            "--dashboard-port": free_port(),
            "--ray-client-server-port": free_port(),
            "--dashboard-agent-grpc-port": free_port(),
            "--dashboard-agent-listen-port": free_port(),
            "--runtime-env-agent-port": free_port(),
            "--metrics-export-port": free_port(),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log = directory / "head.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the head; on a loaded machine its raylet may give up waiting for its agents
        (a fixed 30 s inside Ray 2.60), so a failed start is tried again. Fewer of Ray's own
        processes start at once (no log monitor, no autoscaler: a fixed local cluster needs
        neither), which is what makes the agents slow."""
        for attempt in range(START_ATTEMPTS):
            if self._start_once():
                return
            if attempt == START_ATTEMPTS - 1:
                raise RuntimeError(f"ray start failed {START_ATTEMPTS} times: {self._log_tail()}")

    def _start_once(self) -> bool:
        self.starts += 1
        self.log = self.directory / f"head-{self.starts}.log"
        command = [
            str(RAY), "start", "--head", "--block", f"--num-cpus={self.num_cpus}",
            f"--port={self.port}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
            "--include-log-monitor=false", "--no-monitor", "--disable-usage-stats",
            f"--temp-dir={self.directory / 'ray'}",
        ]  # fmt: skip
        command += [f"{flag}={port}" for flag, port in self.ports.items()]
        with self.log.open("wb") as stream:
            self.process = subprocess.Popen(
                command, stdout=stream, stderr=subprocess.STDOUT, env=ray_env(),
                start_new_session=True,
            )  # fmt: skip
        started, deadline = time.time(), time.monotonic() + START_SECONDS
        while b"Ray runtime started" not in self.log.read_bytes():
            exited = self.process.poll() is not None
            if exited or time.monotonic() > deadline or self._raylet_failed(started):
                self.stop()
                return False
            time.sleep(0.2)
        return True

    def _raylet_failed(self, since: float) -> bool:
        """The raylet of the session being started has died (it logs `Check failed`)."""
        log = self.directory / "ray" / "session_latest" / "logs" / "raylet.out"
        try:
            return log.stat().st_mtime >= since and b"Check failed" in log.read_bytes()
        except OSError:
            return False

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Kill the head's session at once (the harshest stop), and wait until it is gone."""
        process, self.process = self.process, None
        if process is None:
            return
        session = process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session, signal.SIGKILL)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30.0
        while _session_alive(session) and time.monotonic() < deadline:
            time.sleep(0.2)


def _session_alive(session: int) -> bool:
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # fields after the command: state, ppid, pgrp, session, ...
        if len(fields) > 3 and int(fields[3]) == session and fields[0] != "Z":
            return True
    return False
