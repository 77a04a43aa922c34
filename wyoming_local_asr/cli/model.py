"""`wyoming-local-asr model list|verify|build|card|compare-quantization`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..acoustic.card import render_markdown
from ..acoustic.default_model import is_current
from ..acoustic.errors import ModelError
from ..acoustic.paths import CARD_JSON, CARD_MARKDOWN, model_dir
from ..acoustic.registry import (
    card_from_manifest,
    installed_models,
    load_manifest,
    resolve_model,
    verify_model,
)
from ..build.default_model import build_default_model, ensure_default_model
from ..config import DEFAULT_MODEL, default_data_dir


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("model", help="list, verify and build acoustic models")
    parser.add_argument("--data-dir", type=Path, help=f"data directory ({default_data_dir()})")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="known models (manifest) and installed ones")
    verify = actions.add_parser("verify", help="checksums, loading, tokens vs output width")
    verify.add_argument("model", nargs="?", default=DEFAULT_MODEL, help="name or directory")
    build = actions.add_parser("build", help="build the default model from the hama package")
    build.add_argument("--force", action="store_true", help="rebuild even if it is up to date")
    card = actions.add_parser("card", help="write card.json for a downloaded manifest model")
    card.add_argument("name", help="the model's name in the manifest")
    card.add_argument("directory", type=Path, help="the dir holding its downloaded files")
    actions.add_parser(
        "compare-quantization",
        help="measure dynamic vs static int8 against fp32 on the real test clips",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _ACTIONS[args.action](args)
    except ModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _list(args: argparse.Namespace) -> int:
    installed = installed_models(args.data_dir)
    print(f"{'name':40} {'frontend':12} {'license':22} status")
    for entry in load_manifest():
        if entry.name in installed:
            status = f"installed: {installed[entry.name]}"
        else:
            status = "not built" if entry.how == "build" else "download (see models/README.md)"
        print(f"{entry.name:40} {entry.frontend:12} {entry.license:22} {status}")
    known = {e.name for e in load_manifest()}
    for name, path in installed.items():
        if name not in known:
            print(f"{name:40} {'':12} {'':22} installed: {path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    report = verify_model(resolve_model(args.model, args.data_dir))
    for passed, message in report.checks:
        print(f"{'ok  ' if passed else 'FAIL'} {message}")
    print(f"{report.model_dir}: {'verified' if report.ok else 'NOT usable'}")
    return 0 if report.ok else 1


def _build(args: argparse.Namespace) -> int:
    target = model_dir(DEFAULT_MODEL, args.data_dir)
    if args.force:
        build_default_model(target)
    elif is_current(target):
        print(f"{target} is up to date (use --force to rebuild)")
        return 0
    else:
        ensure_default_model(args.data_dir)
    print(f"built {target}")
    return 0


def _card(args: argparse.Namespace) -> int:
    entries = {e.name: e for e in load_manifest()}
    if args.name not in entries:
        raise ModelError(f"{args.name!r} is not in the manifest (see `model list`)")
    card = card_from_manifest(entries[args.name], args.directory)
    (args.directory / CARD_JSON).write_text(card.to_json(), encoding="utf-8")
    (args.directory / CARD_MARKDOWN).write_text(render_markdown(card), encoding="utf-8")
    print(f"wrote {args.directory / CARD_JSON}; check it with `model verify {args.directory}`")
    return 0


def _compare_quantization(args: argparse.Namespace) -> int:
    from ..build.quantization_study import print_study

    return print_study()


_ACTIONS = {
    "list": _list,
    "verify": _verify,
    "build": _build,
    "card": _card,
    "compare-quantization": _compare_quantization,
}
