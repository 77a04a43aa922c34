"""A noisy copy of a corpus: every clip mixed with reproducible noise at a fixed SNR."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..audio.noise import NoiseKind, add_noise
from .corpus import Clip, load_corpus, read_audio, write_clip, write_manifest


def clip_seed(name: str, seed: int = 0) -> int:
    """A per-clip noise seed that does not depend on the clip's position in the corpus."""
    return zlib.crc32(name.encode("utf-8")) ^ seed


def noisy(
    samples: NDArray[np.float32], name: str, snr_db: float, kind: NoiseKind = "white", seed: int = 0
) -> NDArray[np.float32]:
    """`samples` with `kind` noise at `snr_db`, the same noise every time for the same clip."""
    if not np.any(samples):
        return samples
    return np.clip(add_noise(samples, snr_db, clip_seed(name, seed), kind=kind), -1.0, 1.0)


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
