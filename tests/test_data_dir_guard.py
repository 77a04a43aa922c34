"""No test uses the user's data dir (`~/.local/share/wyoming-local-asr`): `conftest.py` points
every test, and every process a test starts, at a private one, and fails a test that writes
to the user's anyway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PRIVATE_DATA_DIR, USER_DATA_DIR, _listing

from wyoming_local_asr.config import Settings


def test_settings_and_child_processes_default_to_a_private_data_dir() -> None:
    assert Settings().data_dir == PRIVATE_DATA_DIR != USER_DATA_DIR
    code = "from wyoming_local_asr.config import Settings; print(Settings().data_dir)"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert Path(child.stdout.strip()) == PRIVATE_DATA_DIR


def test_the_guard_sees_a_new_or_changed_file(tmp_path: Path) -> None:
    before = _listing(tmp_path)
    (tmp_path / "pronunciations.tsv").write_text("word\tw ɝ d\n")
    written = _listing(tmp_path)
    assert written != before
    os.utime(tmp_path / "pronunciations.tsv", ns=(1, 1))
    assert _listing(tmp_path) != written
    assert _listing(tmp_path / "missing") == {}
