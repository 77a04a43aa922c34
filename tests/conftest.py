"""Fixtures shared by every test area."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from wyoming_local_asr.model.build import ensure_default_model
from wyoming_local_asr.model.paths import DEFAULT_MODEL_NAME

# The data dir (`--data-dir`) the test suites share; the Home Assistant tests use it too.
TEST_DATA_DIR = Path(__file__).parents[1] / ".cache" / "test-data"


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialize builds between pytest processes that share the cache (xdist, parallel runs)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """The default model, built once into `.cache/test-data/` and reused while it is current."""
    with _exclusive(TEST_DATA_DIR / f".{DEFAULT_MODEL_NAME}.lock"):
        return ensure_default_model(TEST_DATA_DIR, progress=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With LOCAL_ASR_STRICT=1 (as `scripts/test` sets), a skipped test fails: CI installs
    every package and Debian speech package the tests need, so a skip there hides a problem."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if (
        os.environ.get("LOCAL_ASR_STRICT") == "1"
        and report.skipped
        and not hasattr(report, "wasxfail")
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped, which strict mode does not allow: {report.longrepr}"
