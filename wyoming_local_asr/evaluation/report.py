"""An evaluation as JSON, as a text summary, and as a per-clip table of reference vs hypothesis."""

from __future__ import annotations

from typing import Any

from .run import ClipResult, Evaluation, Summary
from .wer import ErrorCounts, align, render_alignment


def _counts(counts: ErrorCounts) -> dict[str, int]:
    return {
        "substitutions": counts.substitutions,
        "deletions": counts.deletions,
        "insertions": counts.insertions,
        "reference_length": counts.reference_length,
    }


def summary_dict(summary: Summary) -> dict[str, Any]:
    return {
        "clips": summary.clips,
        "wer": round(summary.wer, 5),
        "cer": round(summary.cer, 5),
        "sentence_accuracy": round(summary.sentence_accuracy, 5),
        "rtf": round(summary.rtf, 6),
        "latency_median_s": round(summary.latency_median, 5),
        "latency_p95_s": round(summary.latency_p95, 5),
        "audio_seconds": round(summary.audio_seconds, 3),
        "processing_seconds": round(summary.processing_seconds, 4),
        "stage_rtf": {stage: round(value, 6) for stage, value in summary.stage_rtf.items()},
        "words": _counts(summary.words),
        "chars": _counts(summary.chars),
        "original_kept": summary.original_kept,
        "from_grammar": summary.from_grammar,
    }


def clip_dict(clip: ClipResult) -> dict[str, Any]:
    return {
        "name": clip.name,
        "reference": clip.reference,
        "hypothesis": clip.hypothesis,
        "raw_hypothesis": clip.raw_hypothesis,
        "wer": round(clip.words.rate, 5),
        "cer": round(clip.chars.rate, 5),
        "word_errors": clip.words.errors,
        "audio_seconds": round(clip.audio_seconds, 3),
        "latency_s": round(clip.latency, 5),
        "timings": {stage: round(value, 6) for stage, value in clip.timings.items()},
        "phonemes": clip.phonemes,
        "original_kept": clip.original_kept,
        "from_grammar": clip.from_grammar,
    }


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    """Everything about a run, for `--json` and for comparing runs."""
    return {
        "corpus": evaluation.corpus,
        "system": evaluation.system,
        "settings": evaluation.settings,
        "summary": summary_dict(evaluation.summary),
        "groups": {name: summary_dict(group) for name, group in evaluation.groups().items()},
        "clips": [clip_dict(clip) for clip in evaluation.clips],
    }


def format_summary(evaluation: Evaluation) -> str:
    s = evaluation.summary
    stages = ", ".join(f"{stage} {value:.4f}" for stage, value in s.stage_rtf.items())
    settings = ", ".join(f"{key}={value}" for key, value in evaluation.settings.items())
    lines = [
        f"system:   {evaluation.system}" + (f" ({settings})" if settings else ""),
        f"corpus:   {evaluation.corpus} ({s.clips} clips, {s.audio_seconds:.1f} s of audio, "
        f"{s.words.reference_length} words)",
        f"WER:      {100 * s.wer:.2f}%  (S {s.words.substitutions}, D {s.words.deletions}, "
        f"I {s.words.insertions})",
        f"CER:      {100 * s.cer:.2f}%",
        f"sentence accuracy: {100 * s.sentence_accuracy:.1f}%",
        f"RTF:      {s.rtf:.4f}" + (f"  (per stage: {stages})" if stages else ""),
        f"latency:  median {1000 * s.latency_median:.1f} ms, p95 {1000 * s.latency_p95:.1f} ms",
    ]
    if evaluation.settings.get("compare_original"):
        lines.append(
            f"kept the original (not denoised) audio's transcript: {s.original_kept} clips"
        )
    if evaluation.settings.get("vocabulary"):
        lines.append(
            f"from the home grammar (fast path): {s.from_grammar} of {s.clips} clips (on speech "
            "that is not a command of the home, each one is a false acceptance)"
        )
    groups = evaluation.groups()
    if len(groups) > 1:
        width = max(len(name) for name in groups)
        lines.append("by group:")
        for name, group in groups.items():
            lines.append(
                f"  {name:<{width}}  WER {100 * group.wer:5.1f}%  "
                f"({group.clips} clips, {group.words.reference_length} words)  "
                f"sentences {100 * group.sentence_accuracy:5.1f}%"
            )
    return "\n".join(lines)


def format_clip_table(evaluation: Evaluation, errors_only: bool = False) -> str:
    """Per clip: name, WER, latency, then the reference, the hypothesis and their alignment."""
    width = max((len(clip.name) for clip in evaluation.clips), default=4)
    header = f"{'clip':<{width}}  {'WER':>6}  {'latency':>8}"
    lines = [header, "-" * len(header)]
    for clip in evaluation.clips:
        if errors_only and clip.correct:
            continue
        lines.append(
            f"{clip.name:<{width}}  {100 * clip.words.rate:5.1f}%  {1000 * clip.latency:6.1f}ms"
        )
        lines.append(f"    ref: {clip.reference}")
        lines.append(f"    hyp: {clip.hypothesis}")
        if not clip.correct:
            steps = align(clip.reference.split(), clip.hypothesis.split())
            lines.append(f"    diff: {render_alignment(steps)}")
    return "\n".join(lines)
