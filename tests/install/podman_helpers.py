"""podman for the install tests, with the machine settings of `scripts/addon-image`
(runc, cgroupfs, ulimits, storage under .cache/containers)."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ADDON_IMAGE = ROOT / "scripts" / "addon-image"
CNI_LEASES = Path("/var/lib/cni/networks/podman")


def podman_env() -> dict[str, str]:
    """CONTAINERS_CONF and CONTAINERS_STORAGE_CONF as scripts/addon-image sets them."""
    printed = subprocess.run(
        ["bash", "-c", f'ADDON_IMAGE_ENV_ONLY=1 source "{ADDON_IMAGE}" && env -0'],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = dict(item.split("=", 1) for item in printed.split("\0") if "=" in item)
    return {**os.environ, **{k: v for k, v in env.items() if k.startswith("CONTAINERS_")}}


def podman(*args: str, check: bool = True, timeout: float = 120) -> str:
    result = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {result.stderr}")
    return result.stdout


def addon_image_script(*args: str, timeout: float = 1800) -> str:
    """Run scripts/addon-image (needs root: apt-get, debootstrap); the image it names."""
    if os.geteuid() != 0:
        pytest.skip("container builds need root (apt-get, debootstrap, podman)")
    result = subprocess.run(
        [str(ADDON_IMAGE), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    print(result.stderr.strip())  # build time and size
    return result.stdout.strip().splitlines()[-1]


def inspect_image(image: str) -> dict[str, object]:
    (inspected,) = json.loads(podman("image", "inspect", image))
    assert isinstance(inspected, dict)
    return inspected


class Container:
    """One detached container with the Wyoming (10300) and operations (10301) ports published
    on loopback; removed by id."""

    def __init__(self, *run_args: str) -> None:
        from wyoming_local_asr.evaluation.server_bench import free_port

        self.wyoming_port = free_port()
        self.ops_port = free_port()
        self.id = podman(
            "run", "--detach",
            "-p", f"127.0.0.1:{self.wyoming_port}:10300",
            "-p", f"127.0.0.1:{self.ops_port}:10301",
            *run_args,
        ).strip()  # fmt: skip

    def running(self) -> bool:
        state = podman("inspect", "--format", "{{.State.Running}}", self.id, check=False)
        return state.strip() == "true"

    def logs(self) -> str:
        return podman("logs", self.id, check=False)

    def healthy(self) -> bool:
        return (
            subprocess.run(
                ["podman", "healthcheck", "run", self.id],
                env=podman_env(),
                capture_output=True,
                timeout=30,
                check=False,
            ).returncode
            == 0
        )

    def ops_get(self, path: str, token: str) -> dict[str, object]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ops_port}{path}",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            document = json.load(response)
        assert isinstance(document, dict)
        return document

    def remove(self) -> None:
        podman("rm", "--force", "--time", "10", self.id, check=False)
        # podman's CNI plugin can leave this container's address reserved on these machines.
        for lease in CNI_LEASES.glob("*"):
            if lease.is_file() and lease.read_text(errors="replace").startswith(self.id):
                lease.unlink()
