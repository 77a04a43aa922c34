"""One benchmark configuration in its own process, so that its peak memory is its own.

Run as `python -m wyoming_local_asr.evaluation.bench_worker SPEC_JSON CORPUS_DIR`; prints one
JSON document: load time, resident memory before/after loading and at peak, and the
evaluation summary of the corpus (after one warm-up utterance).
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

from ..ops.system import read_process_memory
from .corpus import load_corpus
from .report import summary_dict
from .run import NoiseSettings, evaluate, evaluate_clip
from .systems import SystemSpec, load_system


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Resident set size now, in MiB (Linux `/proc`; falls back to the peak elsewhere)."""
    rss = read_process_memory().rss_mb
    return rss if rss is not None else peak_rss_mb()


def spec_to_json(spec: SystemSpec) -> str:
    return json.dumps(spec.to_document())


def spec_from_json(text: str) -> SystemSpec:
    return SystemSpec.from_document(json.loads(text))


def measure(spec: SystemSpec, corpus: Path, noise_snr: float | None = None) -> dict[str, Any]:
    clips = load_corpus(corpus)
    rss_start = current_rss_mb()
    system = load_system(spec)
    rss_loaded = current_rss_mb()
    evaluate_clip(system.pipeline, clips[0], None)  # warm-up: first-run allocations
    noise = NoiseSettings(noise_snr) if noise_snr is not None else None
    evaluation = evaluate(system.pipeline, clips, noise=noise, show_progress=False)
    return {
        "spec": json.loads(spec_to_json(spec)),
        "system": evaluation.system,
        "load_seconds": round(system.load_seconds, 4),
        "rss_before_load_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "summary": summary_dict(evaluation.summary),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec = spec_from_json(args[0])
    noise_snr = float(args[2]) if len(args) > 2 else None
    print(json.dumps(measure(spec, Path(args[1]), noise_snr)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
