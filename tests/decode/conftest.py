"""Fixtures for the decoder tests: the default token table and real log-probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

TESTDATA = Path("/usr/share/pocketsphinx/test/data")


def _read_raw(path: Path) -> NDArray[np.float32]:
    return np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0


@pytest.fixture(scope="session")
def oracle_logprobs() -> dict[str, NDArray[np.float32]]:
    """Per-frame log-probabilities of real clips from hama's own engine (the reference model)."""
    asr = pytest.importorskip("hama.asr")
    if not (TESTDATA / "goforward.raw").exists():
        pytest.skip("pocketsphinx-testdata is not installed")
    model = asr.ASRModel()
    result = {}
    for name in ("goforward.raw", "tidigits/dhd.2934z.raw"):
        audio = _read_raw(TESTDATA / name)
        logprobs, lengths = model.session.run(
            ["log_probs", "out_lengths"],
            {"waveform": audio[None], "waveform_lengths": np.array([len(audio)], np.int64)},
        )
        result[name] = logprobs[0][: int(np.asarray(lengths).reshape(-1)[0])]
    return result
