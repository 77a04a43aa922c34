"""Fixtures for the evaluation tests: Debian's pocketsphinx-testdata and a tiny real corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wyoming_local_asr.evaluation.real_corpus import DEFAULT_DATA_DIR, build_real_corpus

TINY = ("goforward", "tidigits_dhd-2934z", "cards_001", "librivox_austen-0880")


@pytest.fixture(scope="session")
def testdata_dir() -> Path:
    if not (DEFAULT_DATA_DIR / "goforward.raw").is_file():
        pytest.skip("Debian package pocketsphinx-testdata is not installed")
    return DEFAULT_DATA_DIR


@pytest.fixture(scope="session")
def real_corpus(testdata_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real")
    build_real_corpus(out, testdata_dir)
    return out


@pytest.fixture(scope="session")
def tiny_corpus(real_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four real clips: a command, digits, a card name and a sentence of a LibriVox reading."""
    out = tmp_path_factory.mktemp("tiny")
    for name in TINY:
        for suffix in (".wav", ".txt"):
            shutil.copy(real_corpus / f"{name}{suffix}", out / f"{name}{suffix}")
    return out
