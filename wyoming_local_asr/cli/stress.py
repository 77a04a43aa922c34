"""`wyoming-local-asr stress [--out DIR] [--short] [--scenario NAME]`: the reliability suite
(attacks on a real server on loopback while a well-formed client transcribes); writes
`stress.json` and `stress.md` to --out (see `docs/reliability.md`)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from ..config import ConfigError
from .options import settings_from_args
from .system_options import add_model_arguments


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from ..evaluation.stress import SCENARIOS

    parser = subparsers.add_parser(
        "stress",
        help="reliability suite: fuzzing, disconnects, slowloris, parked audio, descriptor "
        "exhaustion, reload and SIGTERM under load",
    )
    parser.add_argument("--out", type=Path, default=Path("stress"), help="report dir (./stress)")
    parser.add_argument("--short", action="store_true", help="the small CI size")
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        choices=[scenario.name for scenario in SCENARIOS],
        help="only this scenario (repeatable)",
    )
    parser.add_argument("--parked-connections", type=int, help="parked connections per round")
    parser.add_argument("--parked-seconds", type=float, help="audio per parked connection")
    parser.add_argument("--parked-rounds", type=int, help="rounds of the parked attack")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app import StartupError, prepare_model
    from ..evaluation.stress import LONG, SHORT, run_stress, to_markdown, write_report

    try:
        settings = settings_from_args(args)
        prepare_model(settings)
    except (ConfigError, StartupError) as error:
        print(f"wyoming-local-asr: error: {error}", file=sys.stderr)
        return 2
    size = SHORT if args.short else LONG
    if args.parked_connections is not None:
        size = replace(size, parked_connections=args.parked_connections)
    if args.parked_seconds is not None:
        size = replace(size, parked_seconds=args.parked_seconds)
    if args.parked_rounds is not None:
        size = replace(size, parked_rounds=args.parked_rounds)
    report = run_stress(settings.model_dir, size, tuple(args.scenario), args.out)
    write_report(report, args.out)
    print(to_markdown(report))
    print(json.dumps({"report": str(args.out / "stress.md")}))
    return 0
