"""Real recordings from Debian's pocketsphinx-testdata, as 16 kHz mono float32."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

DATA = Path("/usr/share/pocketsphinx/test/data")


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
    return read_raw(DATA / "goforward.raw")


@pytest.fixture(scope="session")
def librivox() -> list[NDArray[np.float32]]:
    """Five LibriVox readings of Sense and Sensibility, 3-8 s each."""
    return [read_wav(path) for path in sorted((DATA / "librivox").glob("*.wav"))]
