"""An evaluation corpus on disk: `NAME.wav` (or `NAME.raw`) + `NAME.txt` pairs in one directory.

`.wav` files may have any rate, width and channel count the pipeline accepts; `.raw` files are
16-bit little-endian 16 kHz mono PCM. `NAME.txt` holds the reference transcript. This is the
layout `wyoming-bench` reads too. A builder may add `corpus.json` describing the clips' sources.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..audio.convert import AudioFormat, decode_pcm
from ..audio.resample import resample
from ..recognizer import SAMPLE_RATE

AUDIO_SUFFIXES = (".wav", ".raw")
MANIFEST = "corpus.json"
RAW_FORMAT = AudioFormat(rate=SAMPLE_RATE, width=2, channels=1)


class CorpusError(ValueError):
    """A corpus directory or audio file that cannot be used."""


@dataclass(frozen=True)
class Clip:
    """One utterance of a corpus."""

    name: str
    audio_path: Path
    reference: str


@dataclass(frozen=True)
class PcmAudio:
    """Audio as stored in a file: interleaved PCM and its layout."""

    pcm: bytes
    format: AudioFormat

    @property
    def seconds(self) -> float:
        return self.format.seconds(len(self.pcm))

    def to_float_16k(self) -> NDArray[np.float32]:
        """Mono float32 samples in [-1, 1] at 16 kHz."""
        samples = decode_pcm(self.pcm, self.format)
        if self.format.rate != SAMPLE_RATE:
            samples = np.clip(resample(samples, self.format.rate, SAMPLE_RATE), -1.0, 1.0)
        return samples


def read_audio(path: Path) -> PcmAudio:
    """Read a `.wav` file (PCM of any layout) or a `.raw` file (16-bit 16 kHz mono)."""
    if path.suffix.lower() == ".raw":
        return PcmAudio(path.read_bytes(), RAW_FORMAT)
    try:
        with wave.open(str(path), "rb") as wav:
            audio_format = AudioFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
            return PcmAudio(wav.readframes(wav.getnframes()), audio_format)
    except (wave.Error, EOFError) as error:
        raise CorpusError(f"{path}: not a PCM WAV file ({error})") from error


def float_to_int16(samples: NDArray[np.float32]) -> NDArray[np.int16]:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def write_wav(path: Path, samples: NDArray[np.float32]) -> None:
    """Write 16 kHz mono float samples as a 16-bit PCM WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(float_to_int16(samples).astype("<i2").tobytes())


def write_clip(directory: Path, name: str, samples: NDArray[np.float32], reference: str) -> Clip:
    """Write `NAME.wav` (16 kHz mono 16-bit) and `NAME.txt` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    audio_path = directory / f"{name}.wav"
    write_wav(audio_path, samples)
    (directory / f"{name}.txt").write_text(reference.strip() + "\n", encoding="utf-8")
    return Clip(name, audio_path, reference.strip())


def load_corpus(directory: Path) -> list[Clip]:
    """The clips of a corpus directory, sorted by name. Audio without a transcript is skipped."""
    if not directory.is_dir():
        raise CorpusError(f"{directory}: no such corpus directory")
    clips = []
    for audio_path in sorted(directory.iterdir()):
        if audio_path.suffix.lower() not in AUDIO_SUFFIXES:
            continue
        text_path = audio_path.with_suffix(".txt")
        if text_path.is_file():
            reference = text_path.read_text(encoding="utf-8").strip()
            clips.append(Clip(audio_path.stem, audio_path, reference))
    if not clips:
        raise CorpusError(f"{directory}: no NAME.wav + NAME.txt pairs")
    return clips


def write_manifest(directory: Path, kind: str, entries: Sequence[dict[str, Any]]) -> Path:
    """Record where each clip came from (`corpus.json`), so a corpus can be rebuilt and cited."""
    path = directory / MANIFEST
    document = {"kind": kind, "clips": list(entries)}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
