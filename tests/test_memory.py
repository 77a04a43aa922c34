"""glibc memory settings of the server process (this test machine runs glibc)."""

from __future__ import annotations

import subprocess
import sys


def test_malloc_settings_apply_on_glibc() -> None:
    # In a child process: the arena limit is process-wide and must not leak into other tests.
    code = (
        "from wyoming_local_asr.memory import limit_malloc_arenas, release_free_memory;"
        "print(limit_malloc_arenas(), release_free_memory())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
