"""`wyoming-local-asr corpus build real|commands|all|noisy OUT_DIR`: evaluation corpora from
Debian's pocketsphinx-testdata recordings and Home Assistant commands spoken by TTS voices."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..evaluation.corpus import CorpusError
from ..evaluation.noise import NOISE_KINDS
from ..evaluation.real_corpus import DEFAULT_DATA_DIR, build_real_corpus
from ..evaluation.synth import DEFAULT_VOICES, VOICES, SynthesisError

KINDS = ("real", "commands", "all", "noisy", "home")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("corpus", help="build evaluation corpora")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="real: pocketsphinx-testdata; commands: synthesized Home Assistant commands; "
        "all: both in OUT_DIR/real and OUT_DIR/commands; noisy: a noisy copy of --source; "
        "home: the sample home's commands and natural requests, split into tuning and test "
        "halves (OUT_DIR/{tune,test}/{templates,natural}, OUT_DIR/home.yaml)",
    )
    build.add_argument("kind", choices=KINDS)
    build.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    build.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="testdata directory")
    build.add_argument(
        "--voices",
        default=",".join(DEFAULT_VOICES),
        help=f"comma-separated TTS voices ({', '.join(VOICES)})",
    )
    build.add_argument("--per-intent", type=int, default=2, help="sentences per intent (2)")
    build.add_argument(
        "--per-split", type=int, default=150, help="home: template sentences per half (150)"
    )
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--source", type=Path, help="noisy: the corpus to add noise to")
    build.add_argument("--snr", type=float, default=10.0, help="noisy: SNR in dB (10)")
    build.add_argument("--noise-kind", choices=NOISE_KINDS, default="white")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        for line in _build(args):
            print(line)
    except (CorpusError, SynthesisError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _build(args: argparse.Namespace) -> list[str]:
    lines = []
    out: Path = args.out_dir
    if args.kind == "noisy":
        from ..evaluation.noisy_corpus import build_noisy_corpus

        if args.source is None:
            raise ValueError("corpus build noisy needs --source CORPUS_DIR")
        clips = build_noisy_corpus(args.source, out, args.snr, args.noise_kind, args.seed)
        return [f"noisy ({args.noise_kind}, {args.snr:g} dB): {len(clips)} clips in {out}"]
    if args.kind == "home":
        from ..evaluation.home_corpus import build_home_corpus

        voices = [name.strip() for name in args.voices.split(",") if name.strip()]
        corpora = build_home_corpus(out, voices, args.per_split, args.seed)
        return [f"home {key}: {len(clips)} clips in {out / key}" for key, clips in corpora.items()]
    if args.kind in ("real", "all"):
        target = out / "real" if args.kind == "all" else out
        clips = build_real_corpus(target, args.data)
        lines.append(f"real: {len(clips)} clips in {target}")
    if args.kind in ("commands", "all"):
        from ..evaluation.commands_corpus import build_commands_corpus

        target = out / "commands" if args.kind == "all" else out
        voices = [name.strip() for name in args.voices.split(",") if name.strip()]
        clips = build_commands_corpus(target, voices, args.per_intent, args.seed)
        lines.append(f"commands: {len(clips)} clips ({len(voices)} voices) in {target}")
    return lines
