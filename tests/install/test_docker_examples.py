"""docker/: the standalone image (x86-64, Raspberry Pi 5) built and run for real with podman on
the debootstrap base; the compose file and the Jetson Dockerfile checked for structure (NVIDIA's
base image cannot be fetched here, and no Jetson is available)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from podman_helpers import Container, addon_image_script, podman
from wyoming_probe import wait_for_info

from wyoming_local_asr.acoustic.paths import model_dir
from wyoming_local_asr.audio.rnnoise import PYRNNOISE_REQUIREMENT
from wyoming_local_asr.config import DEFAULT_MODEL

ROOT = Path(__file__).parents[2]
DOCKER = ROOT / "docker"
IMAGE_MODEL = str(model_dir(DEFAULT_MODEL, Path("/usr/share/wyoming-local-asr")))


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _args(dockerfile: Path) -> dict[str, str]:
    return dict(
        arg.split("=", 1) for kind, arg in _instructions(dockerfile) if kind == "ARG" and "=" in arg
    )


def _entrypoint(dockerfile: Path) -> str:
    (entrypoint,) = [args for kind, args in _instructions(dockerfile) if kind == "ENTRYPOINT"]
    return entrypoint


def test_compose_builds_both_images_with_a_data_volume() -> None:
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"local-asr", "local-asr-jetson"}
    for service in services.values():
        build = service["build"]
        assert (DOCKER / build["context"] / build["dockerfile"]).is_file()
        assert "10300:10300" in service["ports"]
        (volume,) = service["volumes"]
        name, target = volume.split(":")
        assert target == "/data" and name in compose["volumes"]
    assert services["local-asr-jetson"]["runtime"] == "nvidia"
    assert services["local-asr-jetson"]["profiles"] == ["jetson"]


def test_the_jetson_image_is_the_standalone_one_with_onnxruntime_gpu() -> None:
    jetson, standalone = DOCKER / "Dockerfile.jetson", DOCKER / "Dockerfile"
    args = _args(jetson)
    assert args["L4T_BASE"].startswith("nvcr.io/nvidia/l4t-jetpack:r")
    assert ("FROM", "${L4T_BASE}") in _instructions(jetson)
    assert args["PYRNNOISE_REQUIREMENT"] == _args(standalone)["PYRNNOISE_REQUIREMENT"]
    assert _args(standalone)["PYRNNOISE_REQUIREMENT"] == PYRNNOISE_REQUIREMENT
    assert args["ONNXRUNTIME_GPU"] == "onnxruntime-gpu"
    runs = " ".join(a for kind, a in _instructions(jetson) if kind == "RUN")
    assert 'ONNXRUNTIME_GPU="${ONNXRUNTIME_GPU}"' in runs
    # The shared recipe replaces onnxruntime and insists on the CUDA provider.
    recipe = (ROOT / "addon" / "install-server.sh").read_text()
    assert "CUDAExecutionProvider" in recipe
    for dockerfile in (jetson, standalone):  # one install recipe for every image
        assert ("COPY", "addon/install-server.sh /usr/src/install-server.sh") in _instructions(
            dockerfile
        )
    # The same command as the standalone image, with the execution provider chosen at start.
    assert _entrypoint(jetson) == _entrypoint(standalone).replace("]", ', "--device", "auto"]')
    assert f'"--model", "{IMAGE_MODEL}"' in _entrypoint(standalone)
    for dockerfile in (jetson, standalone):
        kinds = {kind for kind, _ in _instructions(dockerfile)}
        assert {"HEALTHCHECK", "VOLUME", "EXPOSE"} <= kinds


@pytest.fixture(scope="module")
def standalone_image() -> str:
    base = addon_image_script("--base-only", "amd64")
    image = "localhost/wyoming-local-asr:test"
    podman(
        "build", "--quiet", "--format", "docker",
        "--build-arg", f"BASE={base}",
        "-v", "/usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro",
        "-f", str(DOCKER / "Dockerfile"), "-t", image, str(ROOT),
        timeout=1800,
    )  # fmt: skip
    podman("image", "prune", "--force")
    return image


@pytest.fixture
def volume(standalone_image: str) -> Iterator[str]:
    name = f"local-asr-test-{id(standalone_image):x}"
    podman("volume", "create", name)
    yield name
    podman("volume", "rm", "--force", name, check=False)


def test_the_standalone_image_serves_and_keeps_its_id_in_its_volume(
    standalone_image: str, volume: str
) -> None:
    server_ids = []
    for _ in range(2):  # a container, then a new one on the same volume
        container = Container("-v", f"{volume}:/data", standalone_image)
        try:
            wait_for_info(container.wyoming_port, seconds=120, alive=container.running)
            assert container.healthy()
            server_ids.append(
                podman("run", "--rm", "-v", f"{volume}:/data", "--entrypoint", "cat",
                       standalone_image, "/data/server_id").strip()
            )  # fmt: skip
        finally:
            container.remove()
    assert server_ids[0] and server_ids[0] == server_ids[1]
