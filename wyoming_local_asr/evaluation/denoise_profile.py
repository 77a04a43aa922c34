"""Where the denoise stage's time goes, and the SNR estimate the gate decides on, per clip.

`wyoming-local-asr bench --denoise-profile --corpus DIR [--noise-kind ...]`: for every clip,
clean and with each noise at 10 dB, the seconds of each part of the denoised path, measured
one after the other in one process: the 16 -> 48 kHz resampling (ours, `audio/resample.py`,
and libsoxr, `audio/soxr_resample.py`), RNNoise itself, the 48 -> 16 kHz resampling (both),
the SNR estimate (`audio/snr.py`), the VAD, and the recognizer on the denoised audio and on the
original (the second pass that `compare_original` adds). Also each clip's SNR estimate, so
that the gate's threshold can be chosen on a tuning half (`docs/benchmarks.md`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from ..audio.denoise import Denoiser
from ..audio.resample import StreamResampler
from ..audio.rnnoise import FRAME_SIZE, RNNoiseState
from ..audio.snr import estimate_snr
from ..audio.soxr_resample import SoxrResampler
from ..audio.vad import Endpointer
from ..recognizer import SAMPLE_RATE, Recognizer
from .corpus import load_corpus
from .noise import NoiseKind
from .run import NoiseSettings, clip_input

_T = TypeVar("_T")
PARTS = (
    "upsample_ours",
    "upsample_soxr",
    "rnnoise",
    "downsample_ours",
    "downsample_soxr",
    "snr",
    "vad",
    "recognizer_denoised",
    "recognizer_original",
)


def _timed(times: dict[str, float], part: str, function: Callable[[], _T]) -> _T:
    start = time.perf_counter()
    result = function()
    times[part] = times.get(part, 0.0) + time.perf_counter() - start
    return result


def _resampled(
    resampler: StreamResampler | SoxrResampler, audio: NDArray[np.float32]
) -> NDArray[np.float32]:
    return np.concatenate([resampler.feed(audio), resampler.finish()])


def profile_clip(
    audio: NDArray[np.float32],
    recognizer: Recognizer,
    denoiser: Denoiser,
    endpointer: Endpointer,
    times: dict[str, float],
) -> float | None:
    """Add one clip's seconds per part to `times`; its SNR estimate."""
    up = 48_000  # RNNoise's rate
    _timed(times, "upsample_ours", lambda: _resampled(StreamResampler(SAMPLE_RATE, up), audio))
    high = _timed(times, "upsample_soxr", lambda: _resampled(SoxrResampler(SAMPLE_RATE, up), audio))
    frames = len(high) // FRAME_SIZE
    with RNNoiseState() as state:
        block = (high[: frames * FRAME_SIZE] * np.float32(32768.0)).reshape(frames, FRAME_SIZE)
        cleaned = _timed(times, "rnnoise", lambda: state.process_frames(block)[0].reshape(-1))
    cleaned = cleaned / np.float32(32768.0)
    for part, resampler in (
        ("downsample_ours", StreamResampler(up, SAMPLE_RATE)),
        ("downsample_soxr", SoxrResampler(up, SAMPLE_RATE)),
    ):
        _timed(times, part, lambda: _resampled(resampler, cleaned))  # noqa: B023 - called at once
    snr = _timed(times, "snr", lambda: estimate_snr(audio, endpointer.aggressiveness))
    denoised = denoiser.denoise(audio)
    speech = _timed(times, "vad", lambda: endpointer.find_speech(denoised))
    if speech is not None:
        first, last = int(speech.start * SAMPLE_RATE), int(np.ceil(speech.end * SAMPLE_RATE))
        _timed(times, "recognizer_denoised", lambda: recognizer.transcribe(denoised[first:last]))
        _timed(times, "recognizer_original", lambda: recognizer.transcribe(audio[first:last]))
    return snr


def profile_corpus(
    corpus: Path,
    recognizer: Recognizer,
    kinds: Sequence[NoiseKind | None] = (None, "babble", "white", "pink"),
    snr_db: float = 10.0,
) -> dict[str, Any]:
    """Per condition (clean, then each noise at `snr_db`): real-time factor of each part, and
    each clip's SNR estimate."""
    clips = load_corpus(corpus)
    denoiser, endpointer = Denoiser(), Endpointer()
    recognizer.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32))  # warm-up
    report: dict[str, Any] = {"corpus": str(corpus), "clips": len(clips), "conditions": {}}
    for kind in kinds:
        noise = None if kind is None else NoiseSettings(snr_db, kind)
        times: dict[str, float] = {}
        estimates: dict[str, float | None] = {}
        seconds = 0.0
        for clip in clips:
            audio = clip_input(clip, noise).to_float_16k()
            seconds += len(audio) / SAMPLE_RATE
            estimates[clip.name] = profile_clip(audio, recognizer, denoiser, endpointer, times)
        name = "clean" if kind is None else f"{kind} {snr_db:g} dB"
        report["conditions"][name] = {
            "audio_seconds": round(seconds, 2),
            "rtf": {part: round(times.get(part, 0.0) / seconds, 5) for part in PARTS},
            "snr_estimates": estimates,
        }
    return report


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Denoise stage, real-time factor per part ({report['corpus']}, {report['clips']} clips)",
        "",
        "| condition | " + " | ".join(PARTS) + " |",
        "| --- |" + " ---: |" * len(PARTS),
    ]
    for name, condition in report["conditions"].items():
        cells = " | ".join(f"{condition['rtf'][part]:.4f}" for part in PARTS)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)
