"""`wyoming-local-asr eval CORPUS_DIR`: WER, CER, sentence accuracy, RTF and latency on a corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..evaluation.corpus import CorpusError, load_corpus
from ..evaluation.noise import NOISE_KINDS
from ..evaluation.report import format_clip_table, format_summary, to_json
from ..evaluation.run import NoiseSettings, evaluate
from ..evaluation.systems import load_system
from .system_options import add_system_arguments, spec_from_args


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "eval", help="evaluate on a corpus of NAME.wav + NAME.txt pairs (WER, CER, RTF, latency)"
    )
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--output", type=Path, metavar="FILE", help="also write JSON to FILE")
    parser.add_argument("--noise-snr", type=float, metavar="DB", help="add noise at this SNR")
    parser.add_argument("--noise-kind", choices=NOISE_KINDS, default="white")
    parser.add_argument(
        "--noise-seed", type=int, default=0, help="noise seed (0); each clip mixes its own noise"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N clips")
    parser.add_argument("--errors-only", action="store_true", help="table: only clips with errors")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_system_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        clips = load_corpus(args.corpus)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.limit is not None:
        clips = clips[: args.limit]
    spec = spec_from_args(args)
    system = load_system(spec)
    noise = None
    if args.noise_snr is not None:
        noise = NoiseSettings(args.noise_snr, args.noise_kind, args.noise_seed)
    settings = {**spec.describe(), "load_seconds": round(system.load_seconds, 3)}
    evaluation = evaluate(
        system.pipeline,
        clips,
        corpus=str(args.corpus),
        noise=noise,
        settings=settings,
        show_progress=not args.quiet,
    )
    document = to_json(evaluation)
    if args.output is not None:
        args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(format_clip_table(evaluation, errors_only=args.errors_only))
        print()
        print(format_summary(evaluation))
    return 0
