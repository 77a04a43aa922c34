"""What crosses the remote hop, in both directions (no Ray here).

A speech segment goes as 16 kHz mono float32 samples, exactly what the local recognizer gets,
with the key of the home vocabulary the front end expects; the answer is
the `Transcription` the local recognizer returns. A front end publishes its vocabulary (the
home document, runtime phrases and the G2P pronunciations of their new words, which it computed
itself) once; replicas fetch it by key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE

# The key of "no home vocabulary, no runtime phrases": the deployment's base recognizer.
BASE_VOCABULARY = ""


@dataclass(frozen=True)
class SegmentRequest:
    """One speech segment to recognize."""

    pcm: bytes
    vocabulary: str = BASE_VOCABULARY

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 4 / SAMPLE_RATE


@dataclass(frozen=True)
class PublishedVocabulary:
    """A front end's vocabulary as replicas build it."""

    key: str
    # `HomeVocabulary.to_document()`; {} for none.
    document: dict[str, Any] = field(default_factory=dict)
    # Runtime phrases (`Settings.vocabulary`, `PUT /api/config`).
    phrases: tuple[str, ...] = ()
    # word -> space-separated phonemes, for the words the model's lexicon lacks.
    pronunciations: dict[str, str] = field(default_factory=dict)


class VocabularyMissing(LookupError):
    """A replica was asked for a vocabulary the cluster does not hold (it restarted): the
    front end publishes it again."""


def encode_audio(audio: NDArray[np.float32]) -> bytes:
    """16 kHz float samples as little-endian float32: the replica hears exactly what the local
    recognizer would (int16 would halve the bytes, but rounding the denoised audio changed a
    borderline transcript in the tests; 64 kB per second of speech is little)."""
    return bytes(np.asarray(audio, dtype="<f4").tobytes())


def decode_audio(pcm: bytes) -> NDArray[np.float32]:
    if len(pcm) % 4:
        raise ValueError("audio must hold whole float32 samples")
    return np.frombuffer(pcm, dtype="<f4").astype(np.float32)


def vocabulary_key(document: dict[str, Any], phrases: tuple[str, ...]) -> str:
    """Names a vocabulary by its content (the home's version and the phrases)."""
    if not document and not phrases:
        return BASE_VOCABULARY
    text = json.dumps(
        {"home": document.get("version", ""), "phrases": list(phrases)}, ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]
