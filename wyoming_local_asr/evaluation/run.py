"""Evaluate a recognizer on a corpus through the same `Pipeline` the server uses.

Every clip's PCM goes through `Pipeline.run` exactly as a client's audio would (format
conversion, optional denoise and VAD, recognizer). References and hypotheses are normalized the
same way (`normalize.py`) before scoring.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..pipeline import Pipeline
from ..progress import Progress
from .corpus import RAW_FORMAT, Clip, PcmAudio, float_to_int16, read_audio
from .noise import NoiseKind
from .noisy_corpus import noisy
from .normalize import normalize
from .wer import ErrorCounts, char_errors, word_errors


@dataclass(frozen=True)
class NoiseSettings:
    snr_db: float
    kind: NoiseKind = "white"
    seed: int = 0


@dataclass(frozen=True)
class ClipResult:
    """One clip: what was said, what was heard, what it cost."""

    name: str
    reference: str  # normalized
    hypothesis: str  # normalized
    raw_hypothesis: str  # as the recognizer wrote it
    audio_seconds: float
    latency: float  # wall-clock seconds of Pipeline.run
    timings: dict[str, float]
    words: ErrorCounts
    chars: ErrorCounts
    phonemes: str = ""
    original_kept: bool = False  # the transcript of the audio without denoising won
    from_grammar: bool = False  # the home grammar's fast path gave the words

    @property
    def correct(self) -> bool:
        return self.words.errors == 0


@dataclass(frozen=True)
class Summary:
    """Corpus-level figures."""

    clips: int
    words: ErrorCounts
    chars: ErrorCounts
    sentence_accuracy: float
    audio_seconds: float
    processing_seconds: float
    latency_median: float
    latency_p95: float
    # Seconds per second of audio, per pipeline/recognizer stage.
    stage_rtf: dict[str, float] = field(default_factory=dict)
    # Clips whose transcript came from the audio without denoising (`compare_original`).
    original_kept: int = 0
    from_grammar: int = 0

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate

    @property
    def rtf(self) -> float:
        return self.processing_seconds / self.audio_seconds if self.audio_seconds else 0.0


@dataclass(frozen=True)
class Evaluation:
    """The result of one evaluation run."""

    corpus: str
    system: str
    settings: dict[str, object]
    clips: list[ClipResult]
    summary: Summary

    def groups(self) -> dict[str, Summary]:
        """Summaries per clip group (the name up to its last "_": a voice, a source)."""
        grouped: dict[str, list[ClipResult]] = {}
        for clip in self.clips:
            grouped.setdefault(group_of(clip.name), []).append(clip)
        return {name: summarize(clips) for name, clips in sorted(grouped.items())}


def group_of(name: str) -> str:
    """`festival_slt_012` -> `festival_slt`, `cards_001` -> `cards`, `goforward` -> itself."""
    return name.rsplit("_", 1)[0] if "_" in name else name


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (`fraction` in [0, 1]); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def clip_input(clip: Clip, noise: NoiseSettings | None) -> PcmAudio:
    """The PCM a client would send for this clip, with noise mixed in when asked."""
    audio = read_audio(clip.audio_path)
    if noise is None:
        return audio
    samples = noisy(audio.to_float_16k(), clip.name, noise.snr_db, noise.kind, noise.seed)
    return PcmAudio(float_to_int16(samples).astype("<i2").tobytes(), RAW_FORMAT)


def evaluate_clip(pipeline: Pipeline, clip: Clip, noise: NoiseSettings | None) -> ClipResult:
    audio = clip_input(clip, noise)
    start = time.perf_counter()
    result = pipeline.run(audio.pcm, audio.format)
    latency = time.perf_counter() - start
    reference = normalize(clip.reference)
    hypothesis = normalize(result.text)
    return ClipResult(
        name=clip.name,
        reference=reference,
        hypothesis=hypothesis,
        raw_hypothesis=result.text,
        audio_seconds=audio.seconds,
        latency=latency,
        timings=dict(result.timings),
        words=word_errors(reference, hypothesis),
        chars=char_errors(reference, hypothesis),
        phonemes=result.phonemes,
        original_kept=result.original_kept,
        from_grammar=result.source == "grammar",
    )


def summarize(results: Sequence[ClipResult]) -> Summary:
    words = sum((r.words for r in results), ErrorCounts())
    chars = sum((r.chars for r in results), ErrorCounts())
    audio_seconds = sum(r.audio_seconds for r in results)
    latencies = [r.latency for r in results]
    stage_totals: dict[str, float] = {}
    for result in results:
        for stage, seconds in result.timings.items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
    return Summary(
        clips=len(results),
        words=words,
        chars=chars,
        sentence_accuracy=(sum(r.correct for r in results) / len(results)) if results else 0.0,
        audio_seconds=audio_seconds,
        processing_seconds=sum(latencies),
        latency_median=statistics.median(latencies) if latencies else 0.0,
        latency_p95=percentile(latencies, 0.95),
        stage_rtf={
            stage: total / audio_seconds if audio_seconds else 0.0
            for stage, total in stage_totals.items()
        },
        original_kept=sum(r.original_kept for r in results),
        from_grammar=sum(r.from_grammar for r in results),
    )


def evaluate(
    pipeline: Pipeline,
    clips: Sequence[Clip],
    *,
    corpus: str = "",
    noise: NoiseSettings | None = None,
    settings: dict[str, object] | None = None,
    show_progress: bool = True,
) -> Evaluation:
    """Run every clip through `pipeline` and score the transcripts."""
    results: list[ClipResult] = []
    if show_progress:
        with Progress("eval", total=len(clips)) as progress:
            for clip in clips:
                results.append(evaluate_clip(pipeline, clip, noise))
                progress.advance(note=clip.name)
    else:
        results = [evaluate_clip(pipeline, clip, noise) for clip in clips]
    all_settings: dict[str, object] = dict(settings or {})
    if noise is not None:
        all_settings.update(noise_snr_db=noise.snr_db, noise_kind=noise.kind, noise_seed=noise.seed)
    return Evaluation(
        corpus=corpus,
        system=pipeline.recognizer.info.name,
        settings=all_settings,
        clips=results,
        summary=summarize(results),
    )
