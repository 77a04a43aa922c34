"""The systems an evaluation can run: our recognizer (int8 or fp32) or the pocketsphinx baseline,
each behind the server's `Pipeline` with denoise and VAD switched as asked."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..audio.denoise import Denoiser
from ..audio.vad import Endpointer
from ..pipeline import Pipeline
from ..recognizer import Recognizer

RECOGNIZERS = ("local", "pocketsphinx")


@dataclass(frozen=True)
class SystemSpec:
    """What to evaluate. `model_dir` is needed for the local recognizer only."""

    recognizer: str = "local"
    model_dir: Path | None = None
    quantized: bool = True
    beam: int | None = None
    threads: int = 1
    device: str = "auto"
    denoise: bool = True
    compare_original: bool = True
    vad: bool = True
    vad_aggressiveness: int = 2

    def describe(self) -> dict[str, object]:
        settings: dict[str, object] = {"recognizer": self.recognizer}
        if self.recognizer == "local":
            settings.update(
                model=str(self.model_dir),
                precision="int8" if self.quantized else "fp32",
                beam=self.beam if self.beam is not None else "default",
                threads=self.threads,
            )
        settings.update(denoise=self.denoise, vad=self.vad)
        if self.denoise:
            settings.update(compare_original=self.compare_original)
        return settings


@dataclass(frozen=True)
class LoadedSystem:
    pipeline: Pipeline
    load_seconds: float


def load_recognizer(spec: SystemSpec) -> Recognizer:
    if spec.recognizer == "pocketsphinx":
        from .baselines import PocketsphinxRecognizer

        return PocketsphinxRecognizer()
    if spec.recognizer == "local":
        if spec.model_dir is None:
            raise ValueError("the local recognizer needs a model directory")
        from ..ctc_recognizer import load_recognizer as load_ctc

        return load_ctc(
            spec.model_dir,
            quantized=spec.quantized,
            beam=spec.beam,
            threads=spec.threads,
            device=spec.device,
        )
    raise ValueError(f"unknown recognizer {spec.recognizer!r}; choose {', '.join(RECOGNIZERS)}")


def load_system(spec: SystemSpec) -> LoadedSystem:
    """Load the recognizer (timed) and put it behind a pipeline."""
    start = time.perf_counter()
    recognizer = load_recognizer(spec)
    load_seconds = time.perf_counter() - start
    pipeline = Pipeline(
        recognizer,
        denoiser=Denoiser() if spec.denoise else None,
        endpointer=Endpointer(aggressiveness=spec.vad_aggressiveness) if spec.vad else None,
        compare_original=spec.compare_original,
    )
    return LoadedSystem(pipeline, load_seconds)
