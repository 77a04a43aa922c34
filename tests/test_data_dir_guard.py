"""No test uses the user's data dir (`~/.local/share/wyoming-local-asr`): `conftest.py` points
every test, and every process a test starts, at a private one, and fails a test that writes
to the user's anyway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wyoming_local_asr.config import Settings

USER_DATA_DIR = Path.home() / ".local" / "share" / "wyoming-local-asr"


def test_settings_and_child_processes_default_to_a_private_data_dir() -> None:
    private = Path(os.environ["LOCAL_ASR_DATA_DIR"])  # set by conftest.py
    assert Settings().data_dir == private != USER_DATA_DIR
    code = "from wyoming_local_asr.config import Settings; print(Settings().data_dir)"
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert Path(child.stdout.strip()) == private
