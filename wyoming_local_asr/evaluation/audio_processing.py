"""Which audio-processing declaration serves users better: WER on noisy audio with

- `rnnoise-raw`: the raw microphone, our RNNoise on (what `info` asks for with RNNoise on),
- `ha-ns-agc`: Home Assistant's noise suppression and auto gain (speex, through the same
  `pyspeex-noise` that its `assist_pipeline` pins in 2025.4 and 2026.11, scaled as its
  `MicroVadSpeexEnhancer` scales the pipeline's settings), our RNNoise off (what `info`
  asks for with `--no-denoise`),
- `both`: Home Assistant's processing and then RNNoise (the all-true defaults of before),
- `neither`: raw audio, nothing suppressed,

side by side in one run, on the same clips with the same noise. One recognizer serves all four.

    python -m wyoming_local_asr.evaluation.audio_processing CORPUS_DIR --snr 10 --kind babble

Needs `pyspeex-noise` (the `bench` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..asr_service import build_engine, load_recognizer_for
from ..config import Settings
from .corpus import RAW_FORMAT, Clip, load_corpus
from .noise import NOISE_KINDS
from .normalize import normalize
from .run import NoiseSettings, clip_input
from .wer import ErrorCounts, word_errors

VARIANTS = ("rnnoise-raw", "ha-ns-agc", "both", "neither")
# Home Assistant's strongest settings: noise suppression level (0-4), auto gain target (dBFS).
NOISE_SUPPRESSION_LEVEL = 4
AUTO_GAIN_DBFS = 31
# How `MicroVadSpeexEnhancer` (assist_pipeline/audio_enhancer.py) maps them onto speex: the
# suppression in dB (level * -15) and the gain target (dBFS * 300).
SPEEX_SUPPRESSION_PER_LEVEL = -15
SPEEX_GAIN_PER_DBFS = 300
_FRAME_BYTES = 320  # 10 ms of 16 kHz 16-bit mono: what the processor takes


def ha_enhance(
    pcm: bytes,
    *,
    noise_suppression_level: int = NOISE_SUPPRESSION_LEVEL,
    auto_gain_dbfs: int = AUTO_GAIN_DBFS,
) -> bytes:
    """16 kHz 16-bit mono PCM through Home Assistant's noise suppression and auto gain, 10 ms
    at a time as it feeds them; the length is kept (the last frame zero-padded, cut)."""
    from pyspeex_noise import AudioProcessor

    processor = AudioProcessor(
        auto_gain_dbfs * SPEEX_GAIN_PER_DBFS, noise_suppression_level * SPEEX_SUPPRESSION_PER_LEVEL
    )
    out = bytearray()
    for start in range(0, len(pcm), _FRAME_BYTES):
        frame = pcm[start : start + _FRAME_BYTES]
        padded = frame.ljust(_FRAME_BYTES, b"\0")
        out += processor.Process10ms(padded).audio[: len(frame)]
    return bytes(out)


@dataclass(frozen=True)
class VariantResult:
    variant: str
    words: ErrorCounts
    clips: int

    @property
    def wer(self) -> float:
        return self.words.rate


def compare(
    clips: Sequence[Clip], settings: Settings, noise: NoiseSettings
) -> dict[str, VariantResult]:
    """The four variants' word errors over `clips` with `noise` mixed in."""
    recognizer = load_recognizer_for(settings)
    pipelines = {
        denoise: build_engine(replace(settings, denoise=denoise), recognizer).pipeline
        for denoise in (True, False)
    }
    totals = {variant: ErrorCounts() for variant in VARIANTS}
    for clip in clips:
        raw = clip_input(clip, noise).pcm
        enhanced = ha_enhance(raw)
        reference = normalize(clip.reference)
        for variant, pcm, denoise in (
            ("rnnoise-raw", raw, True),
            ("ha-ns-agc", enhanced, False),
            ("both", enhanced, True),
            ("neither", raw, False),
        ):
            text = pipelines[denoise].run(pcm, RAW_FORMAT).text
            totals[variant] = totals[variant] + word_errors(reference, normalize(text))
    return {
        variant: VariantResult(variant, counts, len(clips)) for variant, counts in totals.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+", metavar="CORPUS_DIR")
    parser.add_argument("--snr", type=float, default=10.0, help="noise SNR in dB (10)")
    parser.add_argument("--kind", choices=NOISE_KINDS, default="babble")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="only the first N clips of each corpus")
    parser.add_argument("--model", help="model name or directory (the default model)")
    parser.add_argument("--data-dir", type=Path, help="data dir holding the model")
    args = parser.parse_args(argv)
    overrides: dict[str, object] = {"threads": 1}
    if args.model:
        overrides["model"] = args.model
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    settings = replace(Settings(), **overrides)  # type: ignore[arg-type]
    noise = NoiseSettings(args.snr, args.kind, args.seed)
    document: dict[str, object] = {"snr_db": args.snr, "kind": args.kind, "corpora": {}}
    for corpus in args.corpus:
        clips = load_corpus(corpus)[: args.limit]
        results = compare(clips, settings, noise)
        document["corpora"][str(corpus)] = {  # type: ignore[index]
            variant: {"wer": round(result.wer, 4), "errors": result.words.errors,
                      "words": result.words.reference_length, "clips": result.clips}
            for variant, result in results.items()
        }  # fmt: skip
        print(f"{corpus} ({len(clips)} clips, {args.kind} noise at {args.snr:g} dB SNR):")
        for variant, result in results.items():
            print(f"  {variant:12s} WER {result.wer:6.1%}  ({result.words.errors} errors)")
    json.dump(document, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
