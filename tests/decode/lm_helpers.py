"""The general LM arrays for the LM tests, built once into `.cache/test-lm/` and reused."""

from __future__ import annotations

import fcntl
from pathlib import Path

from wyoming_local_asr.build.general_lm import tables_from_trigrams
from wyoming_local_asr.build.pocketsphinx_files import english_lm_path
from wyoming_local_asr.build.sphinx_trie import read_sphinx_trie
from wyoming_local_asr.decode.ngram_tables import VOCABULARY_FILE

CACHE = Path(__file__).parents[2] / ".cache" / "test-lm"


def general_lm_dir() -> Path:
    """`<cache>/general`, rebuilt when the source model or the table code is newer."""
    target = CACHE / "general"
    code = [read_sphinx_trie.__code__.co_filename, tables_from_trigrams.__code__.co_filename]
    sources = [english_lm_path(), *map(Path, code)]
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = target / VOCABULARY_FILE
        newest = max(path.stat().st_mtime for path in sources)
        if not marker.exists() or marker.stat().st_mtime < newest:
            tables_from_trigrams(read_sphinx_trie(english_lm_path().read_bytes())).save(target)
    return target
