"""Choosing the denoise gate's threshold: what each threshold would give, from two `eval` runs.

With the gate, a clip whose SNR estimate is at or above the threshold is recognized exactly as
with `--no-denoise`, and one below it exactly as with denoising always on (`--denoise-below-snr
inf`): a command is one segment, and both paths then hear the same samples. So one `eval` run
of each, with each clip's estimate (`bench --denoise-profile`), gives every threshold's word
errors, sentence accuracy and the share of clips denoised, without rerunning the recognizer.

    python -m wyoming_local_asr.evaluation.denoise_sweep PROFILE.json EVAL_DIR PREFIX [DB ...]

reads `EVAL_DIR/PREFIX-CONDITION-{always,none}.json` for each condition in the profile
(`clean`, `babble`, `white`, `pink`; the profile's condition names map to them) and prints a
table per threshold, every condition pooled and each alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLDS = (0.0, 14.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 25.0, float("inf"))


def _condition(name: str) -> str:
    return name.split(maxsplit=1)[0]  # "babble 10 dB" -> "babble"


def _clips(path: Path) -> dict[str, dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {clip["name"]: clip for clip in document["clips"]}


def sweep(
    profile: dict[str, Any], eval_dir: Path, prefix: str, thresholds: tuple[float, ...]
) -> dict[str, dict[float, dict[str, float]]]:
    """Per condition (and "all"): per threshold, WER, sentence accuracy, share denoised."""
    totals: dict[str, dict[float, list[int]]] = {}
    for name, condition in profile["conditions"].items():
        kind = _condition(name)
        always = _clips(eval_dir / f"{prefix}-{kind}-always.json")
        none = _clips(eval_dir / f"{prefix}-{kind}-none.json")
        for threshold in thresholds:
            for group in (kind, "all"):
                row = totals.setdefault(group, {}).setdefault(threshold, [0, 0, 0, 0, 0])
                for clip_name in always:  # the half evaluated (the profile may hold more)
                    snr = condition["snr_estimates"][clip_name]
                    denoised = snr is not None and snr < threshold
                    clip = (always if denoised else none)[clip_name]
                    errors, words = clip["word_errors"], len(clip["reference"].split())
                    row[0] += errors
                    row[1] += words
                    row[2] += errors == 0
                    row[3] += denoised
                    row[4] += 1
    return {
        group: {
            threshold: {
                "wer": e / w if w else 0.0,
                "sentence_accuracy": right / n if n else 0.0,
                "denoised": denoised / n if n else 0.0,
            }
            for threshold, (e, w, right, denoised, n) in rows.items()
        }
        for group, rows in totals.items()
    }


def to_markdown(result: dict[str, dict[float, dict[str, float]]]) -> str:
    groups = [group for group in result if group != "all"] + ["all"]
    lines = [
        "| threshold | " + " | ".join(f"{g}: WER / sentences / denoised" for g in groups) + " |",
        "| --- |" + " ---: |" * len(groups),
    ]
    for threshold in result[groups[0]]:
        cells = []
        for group in groups:
            row = result[group][threshold]
            cells.append(
                f"{100 * row['wer']:.1f}% / {100 * row['sentence_accuracy']:.0f}% / "
                f"{100 * row['denoised']:.0f}%"
            )
        lines.append(f"| {threshold:g} dB | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    profile = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    thresholds = tuple(float(x) for x in argv[3:]) or DEFAULT_THRESHOLDS
    print(to_markdown(sweep(profile, Path(argv[1]), argv[2], thresholds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
