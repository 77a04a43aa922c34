"""Options shared by `transcribe`, `eval` and `bench`: recognizer, model and pipeline stages."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..acoustic.paths import DEFAULT_MODEL_NAME, default_data_dir, model_dir
from ..evaluation.systems import RECOGNIZERS, SystemSpec


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("recognizer")
    group.add_argument(
        "--model", default=DEFAULT_MODEL_NAME, help=f"name or directory ({DEFAULT_MODEL_NAME})"
    )
    group.add_argument("--data-dir", type=Path, default=None, help="data directory")
    group.add_argument("--fp32", action="store_true", help="use the fp32 model instead of int8")
    group.add_argument("--beam", type=int, default=None, metavar="N", help="decoder beam width")
    group.add_argument("--threads", type=int, default=1, metavar="N", help="threads (1)")
    group.add_argument("--device", default="auto", help="auto|cpu|cuda|tensorrt (auto)")


def add_system_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    group = parser.add_argument_group("pipeline")
    group.add_argument(
        "--recognizer",
        choices=RECOGNIZERS,
        default="local",
        help="our recognizer, or the pocketsphinx en-us baseline (local)",
    )
    group.add_argument("--denoise", action=argparse.BooleanOptionalAction, default=True)
    group.add_argument(
        "--compare-original",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --denoise: also recognize the audio without denoising and keep the "
        "transcript the recognizer scores higher (default: on, as in the server)",
    )
    group.add_argument("--vad", action=argparse.BooleanOptionalAction, default=True)
    group.add_argument("--vad-aggressiveness", type=int, default=2, choices=range(4))


def resolve_model_dir(args: argparse.Namespace) -> Path:
    name: str = args.model
    as_path = Path(name).expanduser()
    if "/" in name or name.startswith(".") or as_path.is_dir():
        return as_path
    return model_dir(name, args.data_dir if args.data_dir is not None else default_data_dir())


def spec_from_args(args: argparse.Namespace) -> SystemSpec:
    recognizer = getattr(args, "recognizer", "local")
    return SystemSpec(
        recognizer=recognizer,
        model_dir=resolve_model_dir(args) if recognizer == "local" else None,
        quantized=not args.fp32,
        beam=args.beam,
        threads=args.threads,
        device=args.device,
        denoise=getattr(args, "denoise", True),
        compare_original=getattr(args, "compare_original", True),
        vad=getattr(args, "vad", True),
        vad_aggressiveness=getattr(args, "vad_aggressiveness", 2),
    )
