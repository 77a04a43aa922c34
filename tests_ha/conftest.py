"""Fixtures of the Home Assistant tests: custom integration on, fake peers, the real server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import custom_components  # noqa: F401  (our integration, before Home Assistant's loader)

from real_server import RealServer, default_model_dir, sockets_allowed

GOFORWARD = Path("/usr/share/pocketsphinx/test/data/goforward.raw")
GOFORWARD_TEXT = "go forward ten meters"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load `custom_components/local_asr`."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format (registry entries and states without times)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return default_model_dir()


@pytest.fixture(scope="session")
def real_server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """One server for the session, with an admin and a user token in its tokens file."""
    with sockets_allowed():
        server = RealServer(model_dir, tmp_path_factory.mktemp("local-asr-server"))
        server.admin_token = server.create_token("admin")
        server.user_token = server.create_token("user")
        server.start()
    yield server
    server.stop()


@pytest.fixture
def goforward() -> bytes:
    if not GOFORWARD.exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    return GOFORWARD.read_bytes()
