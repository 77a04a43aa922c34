"""Accuracy and speed of an acoustic model, measured on real recordings when they are installed.

Phoneme error rate (PER) compares greedy CTC phoneme sequences (blank and word boundary removed)
of one model against another's; speed is the real-time factor (seconds of compute per second of
audio), the best of a few interleaved passes so that the two models see the same machine load.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE

TESTDATA_DIR = Path("/usr/share/pocketsphinx/test/data")
_RAW_CLIPS = ("goforward.raw", "numbers.raw", "something.raw", "tidigits/dhd.2934z.raw")
_WAV_DIRS = ("librivox", "cards")

AcousticModel = Callable[[NDArray[np.float32]], NDArray[np.float32]]


@dataclass(frozen=True)
class Clip:
    name: str
    audio: NDArray[np.float32]

    @property
    def seconds(self) -> float:
        return float(self.audio.shape[0]) / SAMPLE_RATE


def read_pcm16(path: Path) -> NDArray[np.float32]:
    """A 16 kHz mono 16-bit WAV or headerless `.raw` file as float32 in [-1, 1]."""
    if path.suffix == ".wav":
        with wave.open(str(path), "rb") as reader:
            if (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) != (
                SAMPLE_RATE,
                1,
                2,
            ):
                raise ValueError(f"{path}: expected 16 kHz mono 16-bit audio")
            data = reader.readframes(reader.getnframes())
    else:
        data = path.read_bytes()
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def testdata_clips(root: Path = TESTDATA_DIR) -> list[Clip]:
    """The real recordings of Debian's pocketsphinx-testdata (empty if it is not installed)."""
    clips = [Clip(name, read_pcm16(root / name)) for name in _RAW_CLIPS if (root / name).is_file()]
    for folder in _WAV_DIRS:
        clips += [
            Clip(f"{folder}/{p.name}", read_pcm16(p)) for p in sorted((root / folder).glob("*.wav"))
        ]
    return clips


def greedy_ids(logprobs: NDArray[np.float32], skip: Sequence[int]) -> list[int]:
    """Best path: argmax per frame, repeats merged, `skip` ids (blank, word boundary) dropped."""
    best = logprobs.argmax(axis=-1)
    if best.size == 0:
        return []
    keep = np.ones(best.shape[0], dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return [int(i) for i in best[keep] if int(i) not in skip]


def edit_distance(ref: Sequence[Hashable], hyp: Sequence[Hashable]) -> int:
    """Levenshtein distance of two token sequences (phoneme ids, phoneme symbols)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[-1]


def phoneme_error_rate(refs: Sequence[Sequence[int]], hyps: Sequence[Sequence[int]]) -> float:
    """Total edits over total reference tokens, in percent."""
    total = sum(len(r) for r in refs)
    errors = sum(edit_distance(r, h) for r, h in zip(refs, hyps, strict=True))
    return 100.0 * errors / max(total, 1)


def compare_accuracy(
    reference: AcousticModel, candidate: AcousticModel, clips: Sequence[Clip], skip: Sequence[int]
) -> float:
    """PER (%) of `candidate`'s greedy phonemes against `reference`'s on `clips`."""
    refs = [greedy_ids(reference(c.audio), skip) for c in clips]
    hyps = [greedy_ids(candidate(c.audio), skip) for c in clips]
    return phoneme_error_rate(refs, hyps)


def real_time_factors(
    models: dict[str, AcousticModel], clips: Sequence[Clip], passes: int = 3
) -> dict[str, float]:
    """RTF per model: per clip the fastest of `passes` runs, clip by clip and model by model
    interleaved, so that load from other processes hits every model alike."""
    audio_seconds = sum(c.seconds for c in clips)
    best = {name: [float("inf")] * len(clips) for name in models}
    for model in models.values():  # warm-up: first runs allocate
        model(clips[0].audio)
    for _ in range(passes):
        for index, clip in enumerate(clips):
            for name, model in models.items():
                start = time.perf_counter()
                model(clip.audio)
                best[name][index] = min(best[name][index], time.perf_counter() - start)
    return {name: sum(times) / audio_seconds for name, times in best.items()}


def synthetic_clip(seconds: float = 10.0) -> Clip:
    """A stand-in for speed measurements when no recordings are installed (content-independent)."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = 0.1 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    return Clip("synthetic", (tone + 0.01 * rng.standard_normal(t.shape)).astype(np.float32))
