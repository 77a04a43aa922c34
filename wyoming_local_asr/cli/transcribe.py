"""`wyoming-local-asr transcribe FILE...`: print the words of each file (.wav, or .raw as 16-bit
16 kHz mono), optionally with the greedy phonemes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..evaluation.corpus import CorpusError, read_audio
from ..evaluation.systems import load_system
from .system_options import add_system_arguments, spec_from_args


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("transcribe", help="print the words of audio files")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".wav or .raw")
    parser.add_argument("--phonemes", action="store_true", help="also print greedy phonemes")
    parser.add_argument("--timings", action="store_true", help="also print stage timings")
    add_system_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    system = load_system(spec_from_args(args))
    status = 0
    for path in args.files:
        try:
            audio = read_audio(path)
        except (CorpusError, OSError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            status = 1
            continue
        result = system.pipeline.run(audio.pcm, audio.format)
        prefix = f"{path}: " if len(args.files) > 1 else ""
        print(f"{prefix}{result.text}")
        if args.phonemes:
            print(f"  phonemes: {result.phonemes}")
        if args.timings:
            stages = ", ".join(f"{stage} {1000 * s:.1f} ms" for stage, s in result.timings.items())
            print(f"  {result.audio_seconds:.2f} s of audio; {stages}")
    return status
