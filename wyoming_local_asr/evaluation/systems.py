"""The systems an evaluation can run: our recognizer, or the pocketsphinx baseline, each behind
the server's pipeline, built from the server's `Settings` by the server's own functions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..asr_service import build_engine, load_recognizer_for
from ..config import Settings, validate_layer
from ..pipeline import Pipeline
from ..recognizer import Recognizer
from ..vocabulary.store import read_vocabulary_file

RECOGNIZERS = ("local", "pocketsphinx")
# The settings that change what an evaluation measures (the rest concern serving).
SYSTEM_SETTINGS = (
    "model",
    "data_dir",
    "precision",
    "beam",
    "threads",
    "device",
    "denoise",
    "compare_original",
    "denoise_below_snr",
    "vad",
    "vad_aggressiveness",
    "vocabulary_file",
    "grammar",
    "grammar_threshold",
)


@dataclass(frozen=True)
class SystemSpec:
    """What to evaluate: which recognizer, with which of the server's settings."""

    recognizer: str = "local"
    settings: Settings = field(default_factory=Settings)

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {"recognizer": self.recognizer}
        settings = self.settings
        if self.recognizer == "local":
            described.update(
                model=str(settings.model_dir),
                precision=settings.precision,
                beam=settings.beam,
                threads=settings.onnx_threads,
            )
        if settings.vocabulary_file is not None:
            described.update(vocabulary=str(settings.vocabulary_file), grammar=settings.grammar)
            if settings.grammar:
                described.update(grammar_threshold=settings.grammar_threshold)
        described.update(denoise=settings.denoise, vad=settings.vad)
        if settings.denoise:
            described.update(
                compare_original=settings.compare_original,
                denoise_below_snr=settings.denoise_below_snr,
            )
        return described

    def to_document(self) -> dict[str, Any]:
        """JSON-ready: the recognizer and the system settings that differ from the defaults."""
        defaults = Settings()
        changed = {
            f.name: getattr(self.settings, f.name)
            for f in fields(Settings)
            if f.name in SYSTEM_SETTINGS
            and getattr(self.settings, f.name) != getattr(defaults, f.name)
        }
        return {
            "recognizer": self.recognizer,
            "settings": {
                key: str(value) if isinstance(value, Path) else value
                for key, value in changed.items()
            },
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> SystemSpec:
        values = validate_layer(document.get("settings", {}), "system spec")
        return cls(document.get("recognizer", "local"), Settings(**values))


@dataclass(frozen=True)
class LoadedSystem:
    pipeline: Pipeline
    load_seconds: float


def load_recognizer(spec: SystemSpec) -> Recognizer:
    if spec.recognizer == "pocketsphinx":
        from .baselines import PocketsphinxRecognizer

        return PocketsphinxRecognizer()
    if spec.recognizer == "local":
        vocabulary = spec.settings.vocabulary_file
        home = read_vocabulary_file(vocabulary) if vocabulary is not None else None
        return load_recognizer_for(spec.settings, home)
    raise ValueError(f"unknown recognizer {spec.recognizer!r}; choose {', '.join(RECOGNIZERS)}")


def load_system(spec: SystemSpec) -> LoadedSystem:
    """Load the recognizer (timed) and put it behind the server's pipeline."""
    start = time.perf_counter()
    recognizer = load_recognizer(spec)
    load_seconds = time.perf_counter() - start
    return LoadedSystem(build_engine(spec.settings, recognizer).pipeline, load_seconds)
