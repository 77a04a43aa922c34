"""A noisy copy of a corpus: every clip mixed with reproducible noise at a fixed SNR.

Babble (several people talking at once, the noise of a television or a busy kitchen) is made
of pocketsphinx-testdata's real recordings: the LibriVox readings, `numbers.raw` and
`something.raw`; never the clip it is mixed into.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .corpus import Clip, load_corpus, read_audio, write_clip, write_manifest
from .noise import NoiseKind, add_noise
from .real_corpus import DEFAULT_DATA_DIR

BABBLE_SOURCES = ("librivox/*.wav", "numbers.raw", "something.raw")


def clip_seed(name: str, seed: int = 0) -> int:
    """A per-clip noise seed that does not depend on the clip's position in the corpus."""
    return zlib.crc32(name.encode("utf-8")) ^ seed


def noisy(
    samples: NDArray[np.float32], name: str, snr_db: float, kind: NoiseKind = "white", seed: int = 0
) -> NDArray[np.float32]:
    """`samples` with `kind` noise at `snr_db`, the same noise every time for the same clip."""
    if not np.any(samples):
        return samples
    speech = babble_talkers(samples) if kind == "babble" else ()
    return np.clip(add_noise(samples, snr_db, clip_seed(name, seed), kind, speech), -1.0, 1.0)


@lru_cache(maxsize=1)
def _babble_recordings() -> tuple[NDArray[np.float32], ...]:
    paths = sorted(p for pattern in BABBLE_SOURCES for p in DEFAULT_DATA_DIR.glob(pattern))
    if not paths:
        raise FileNotFoundError(
            f"babble noise needs the recordings of pocketsphinx-testdata in {DEFAULT_DATA_DIR}"
        )
    return tuple(read_audio(path).to_float_16k() for path in paths)


def babble_talkers(samples: NDArray[np.float32]) -> list[NDArray[np.float32]]:
    """The babble recordings, without `samples` itself when it is one of them."""
    return [
        talker
        for talker in _babble_recordings()
        if not (len(talker) == len(samples) and np.array_equal(talker, samples))
    ]


def build_noisy_corpus(
    source_dir: Path, out_dir: Path, snr_db: float, kind: NoiseKind = "white", seed: int = 0
) -> list[Clip]:
    """Write every clip of `source_dir` with noise added into `out_dir`, same names."""
    clips = []
    entries = []
    for clip in load_corpus(source_dir):
        samples = noisy(read_audio(clip.audio_path).to_float_16k(), clip.name, snr_db, kind, seed)
        clips.append(write_clip(out_dir, clip.name, samples, clip.reference))
        entries.append(
            {"name": clip.name, "source": str(clip.audio_path), "noise": kind, "snr_db": snr_db}
        )
    write_manifest(out_dir, "noisy", entries)
    return clips
