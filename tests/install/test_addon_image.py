"""The add-on's image, built for real with podman from this checkout (`scripts/addon-image`),
run as the Supervisor runs it: `/data` from the host with an `options.json`, the published
Wyoming and operations ports. Home Assistant's base image cannot be pulled here: the base is
Debian trixie from debootstrap with test stand-ins for bashio and with-contenv
(`tests/install/ha_base/`), and the service's `run` script is the container's command instead
of s6-overlay's init."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from podman_helpers import Container, addon_image_script, inspect_image, podman, podman_env
from wyoming_probe import transcribe, wait_for_info

from wyoming_local_asr.evaluation.normalize import normalize

GOFORWARD = Path("/usr/share/pocketsphinx/test/data/goforward.raw")
RUN_SCRIPT = "/etc/s6-overlay/s6-rc.d/local-asr/run"
TOKEN_LINE = re.compile(r"Admin token for the local_asr integration \(shown only now\): (\S+)")
pytestmark = pytest.mark.slow
# The architecture built and run: amd64 in every run; `LOCAL_ASR_ADDON_ARCH=arm64` builds and
# runs the arm64 image under qemu (about 35 min to build, a minute to start, on our machines).
ARCH = os.environ.get("LOCAL_ASR_ADDON_ARCH", "amd64")
# How much longer everything takes under emulation.
SLOWER = 1 if ARCH == "amd64" else 10

OPTIONS = {
    "language": "en",
    "model": "hama-conformer-ctc-en",
    "denoise": True,
    "vad_aggressiveness": 2,
    "beam": 16,
    "threads": 0,
    "device": "auto",
    "partial_interval": 1.0,
    "operations_api": True,
    "new_admin_token": False,
    "require_token": False,
    "zeroconf": False,
    # No Home Assistant behind a Supervisor here.
    "home_vocabulary": False,
    "debug_logging": False,
}


@pytest.fixture(scope="module")
def image() -> str:
    return addon_image_script(ARCH, timeout=1800 * SLOWER)


@pytest.fixture
def start(image: str) -> Iterator[Callable[[Path], Container]]:
    started: list[Container] = []

    def make(data_dir: Path) -> Container:
        container = Container("-v", f"{data_dir}:/data", image, RUN_SCRIPT)
        started.append(container)
        try:
            wait_for_info(container.wyoming_port, seconds=120 * SLOWER, alive=container.running)
        except BaseException:
            print(container.logs())
            raise
        return container

    yield make
    for container in started:
        container.remove()


def test_the_image_carries_the_addon_labels_and_its_healthcheck(image: str) -> None:
    inspected: dict[str, Any] = inspect_image(image)
    assert inspected["Labels"]["io.hass.type"] == "app"
    assert inspected["Labels"]["io.hass.arch"] == "amd64"
    # Kept because the image is built with --format docker (OCI drops HEALTHCHECK).
    assert "nc -w 1 localhost 10300" in " ".join(inspected["Healthcheck"]["Test"])


def test_the_addon_serves_transcribes_and_keeps_its_state_in_data(
    start: Callable[[Path], Container], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "options.json").write_text(json.dumps(OPTIONS))
    first = start(data_dir)

    assert first.healthy()
    assert normalize(transcribe(first.wyoming_port, GOFORWARD.read_bytes())) == normalize(
        "go forward ten meters"
    )
    tokens = TOKEN_LINE.findall(first.logs())
    assert len(tokens) == 1, first.logs()
    token = tokens[0]
    assert first.ops_get("/api/token", token)["role"] == "admin"
    server_id = first.ops_get("/api/info", token)["server_id"]
    assert (data_dir / "server_id").read_text().strip() == server_id

    # A new container (an update, a restore): the same server, the same token, no new token.
    first.remove()
    second = start(data_dir)
    assert second.ops_get("/api/info", token)["server_id"] == server_id
    assert second.ops_get("/api/token", token)["role"] == "admin"
    assert not TOKEN_LINE.findall(second.logs()), second.logs()

    # A lost token: `new_admin_token` revokes it and logs a new one.
    second.remove()
    (data_dir / "options.json").write_text(json.dumps({**OPTIONS, "new_admin_token": True}))
    third = start(data_dir)
    (new_token,) = TOKEN_LINE.findall(third.logs())
    assert third.ops_get("/api/token", new_token)["role"] == "admin"
    with pytest.raises(urllib.error.HTTPError) as rejected:
        third.ops_get("/api/token", token)
    assert rejected.value.code == 401


def test_a_missing_model_stops_the_addon_with_one_line(image: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "options.json").write_text(json.dumps({**OPTIONS, "model": "no-such-model"}))
    result = subprocess.run(
        ["podman", "run", "--rm", "-v", f"{data_dir}:/data", image, RUN_SCRIPT],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=120 * SLOWER,
        check=False,
    )
    assert result.returncode == 1
    assert "No model 'no-such-model': put it in /addon_configs/" in result.stderr


@pytest.mark.parametrize(
    ("service_exit", "signal", "container_exit", "halted"),
    [
        (256, 15, "143", True),  # stopped by SIGTERM: exit 128 + 15 and halt
        (256, 9, "137", False),  # killed otherwise: s6 may restart it
        (1, 0, "1", True),  # failed: keep its code and halt
        (0, 0, "0", False),  # a clean exit: nothing to do
    ],
)
def test_the_finish_script_records_the_exit_code_and_halts(
    image: str, service_exit: int, signal: int, container_exit: str, halted: bool
) -> None:
    # s6-overlay's exit code file and halt command, as its init leaves them for `finish`.
    script = (
        "mkdir -p /run/s6-linux-init-container-results /run/s6/basedir/bin"
        " && echo 0 > /run/s6-linux-init-container-results/exitcode"
        " && printf '#!/bin/sh\\necho halted\\n' > /run/s6/basedir/bin/halt"
        " && chmod +x /run/s6/basedir/bin/halt"
        f" && /etc/s6-overlay/s6-rc.d/local-asr/finish {service_exit} {signal}"
        "; echo exit=$(cat /run/s6-linux-init-container-results/exitcode)"
    )
    output = podman("run", "--rm", image, "bash", "-c", script)
    assert f"exit={container_exit}" in output, output
    assert ("halted" in output) == halted, output
