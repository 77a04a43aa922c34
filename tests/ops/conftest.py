"""Fixtures: fake sysfs/procfs trees that mirror real boards; a self-signed certificate."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wyoming_local_asr.evaluation.server_bench import free_port

# `type` and `temp` of /sys/class/thermal/thermal_zone<N> on a Raspberry Pi 5 (Bookworm).
PI5_ZONES = [("cpu-thermal", "52650")]
# A Jetson AGX Orin on JetPack 5 (L4T 35): the CV zones read -256 °C when the engines idle.
JETSON_ORIN_ZONES = [
    ("CPU-therm", "48500"),
    ("GPU-therm", "46312"),
    ("CV0-therm", "-256000"),
    ("CV1-therm", "-256000"),
    ("CV2-therm", "-256000"),
    ("SOC0-therm", "45968"),
    ("SOC1-therm", "47093"),
    ("SOC2-therm", "45031"),
    ("tj-therm", "48500"),
]


def build_thermal(root: Path, zones: list[tuple[str, str]]) -> Path:
    base = root / "sys" / "class" / "thermal"
    base.mkdir(parents=True, exist_ok=True)
    for index, (zone_type, temp) in enumerate(zones):
        zone = base / f"thermal_zone{index}"
        zone.mkdir()
        (zone / "type").write_text(zone_type + "\n")
        (zone / "temp").write_text(temp + "\n")
        (zone / "mode").write_text("enabled\n")
    # Real trees also hold cooling devices (the Pi 5's fan), which are not zones.
    fan = base / "cooling_device0"
    fan.mkdir()
    (fan / "type").write_text("pwm-fan\n")
    (fan / "cur_state").write_text("1\n")
    return root


def build_proc(root: Path, rss_kb: int, peak_kb: int, load: str) -> Path:
    status = root / "proc" / "self" / "status"
    status.parent.mkdir(parents=True, exist_ok=True)
    status.write_text(
        "Name:\tpython3\n"
        "State:\tS (sleeping)\n"
        f"VmPeak:\t 2000000 kB\n"
        f"VmHWM:\t{peak_kb:>8} kB\n"
        f"VmRSS:\t{rss_kb:>8} kB\n"
        "Threads:\t7\n"
    )
    (root / "proc" / "loadavg").write_text(f"{load} 0.50 0.40 2/345 6789\n")
    return root


@pytest.fixture
def pi5_root(tmp_path: Path) -> Path:
    return build_thermal(tmp_path, PI5_ZONES)


@pytest.fixture
def jetson_root(tmp_path: Path) -> Path:
    return build_thermal(tmp_path, JETSON_ORIN_ZONES)


@pytest.fixture
def thermal_root(tmp_path: Path) -> Callable[[list[tuple[str, str]]], Path]:
    """Builds a tree with the given (type, millidegrees) zones."""
    return lambda zones: build_thermal(tmp_path, zones)


@pytest.fixture
def proc_root(tmp_path: Path) -> Callable[[int, int, str], Path]:
    """Adds /proc/self/status and /proc/loadavg (rss kB, peak kB, load) to the tree."""
    return lambda rss_kb, peak_kb, load: build_proc(tmp_path, rss_kb, peak_kb, load)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost, made now."""
    directory = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = directory / "cert.pem"
    key_file = directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


# --- the real server, started through the installed console script

CLI = Path(sys.executable).parent / "wyoming-local-asr"
_STARTUP_DEADLINE_S = 300.0


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    wyoming_port: int
    ops_port: int
    data_dir: Path
    log: Path
    ssl_context: ssl.SSLContext | None = None

    def url(self, path: str) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.ops_port}{path}"

    def get_json(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.url(path), headers=headers)
        with urllib.request.urlopen(request, timeout=30, context=self.ssl_context) as response:
            return json.load(response)

    def get_text(self, path: str) -> str:
        with urllib.request.urlopen(self.url(path), timeout=30, context=self.ssl_context) as answer:
            return str(answer.read().decode())

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


def cli_token(data_dir: Path, role: str) -> str:
    """A token made by the real `token create` command."""
    done = subprocess.run(
        [str(CLI), "token", "--data-dir", str(data_dir), "create", "--role", role],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def launch_server(
    model_dir: Path, data_dir: Path, *extra: str, ssl_context: ssl.SSLContext | None = None
) -> ServerProcess:
    """`wyoming-local-asr serve` on free loopback ports; returns once the API answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    wyoming_port, ops_port = free_port(), free_port()
    log = data_dir / "server.log"
    command = [
        str(CLI),
        "serve",
        "--uri",
        f"tcp://127.0.0.1:{wyoming_port}",
        "--ops-port",
        str(ops_port),
        "--data-dir",
        str(data_dir),
        "--model",
        str(model_dir),
        "--threads",
        "1",
        *extra,
    ]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=environment
        )
    server = ServerProcess(process, wyoming_port, ops_port, data_dir, log, ssl_context)
    deadline = time.monotonic() + _STARTUP_DEADLINE_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{server.log_tail()}")
        try:
            server.get_json("/api/info")
            return server
        except urllib.error.HTTPError:
            return server  # answering (e.g. 401 with --require-token) is running
        except OSError:
            if time.monotonic() > deadline:
                stop_server(server)
                pytest.fail(f"serve did not answer in time:\n{server.log_tail()}")
            time.sleep(0.2)


def stop_server(server: ServerProcess) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def launch(default_model_dir: Path) -> Iterator[Callable[..., ServerProcess]]:
    """`launch(data_dir, *options, ssl_context=...)` starts a server; all stop after the test."""
    started: list[ServerProcess] = []

    def start(
        data_dir: Path, *extra: str, ssl_context: ssl.SSLContext | None = None
    ) -> ServerProcess:
        server = launch_server(default_model_dir, data_dir, *extra, ssl_context=ssl_context)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture(scope="module")
def server(
    default_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One plain server (no TLS, no required token) for a test module; utterances limited to
    30 s (the default allows long dictation) so that a test can go over the limit quickly."""
    running = launch_server(
        default_model_dir, tmp_path_factory.mktemp("serve"), "--max-utterance-seconds", "30"
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def make_token() -> Callable[[Path, str], str]:
    """`make_token(data_dir, role)`: a token from the real `token create` command."""
    return cli_token
