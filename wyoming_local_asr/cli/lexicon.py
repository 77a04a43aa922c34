"""`wyoming-local-asr lexicon build`: (re)generate the packaged English pronunciation lexicon.

G2P of the whole vocabulary takes about an hour of CPU: it appends to a cache file and skips
words already done, so it can be stopped and resumed; the gzip lexicon is rewritten from
whatever is done every `--write-every` words and at the end (`--finalize` only rewrites it).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..decode.lexicon_build import PACKAGED_LEXICON, ordered_words, run_g2p, write_lexicon

_LOGGER = logging.getLogger(__name__)
DEFAULT_CACHE = Path("data") / "lexicon_g2p_en.tsv"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("lexicon", help="build the pronunciation lexicon")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="G2P the LM vocabulary (resumable), write the gzip")
    build.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"G2P cache file ({DEFAULT_CACHE})"
    )
    build.add_argument(
        "--output", type=Path, default=PACKAGED_LEXICON, help="the gzip lexicon to write"
    )
    build.add_argument("--limit", type=int, help="G2P at most this many new words")
    build.add_argument(
        "--write-every", type=int, default=5000, help="rewrite the gzip after this many words"
    )
    build.add_argument(
        "--finalize", action="store_true", help="no G2P: write the gzip from the cache"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    words = ordered_words()
    remaining = 0 if args.finalize else args.limit
    while remaining is None or remaining > 0:
        chunk = args.write_every if remaining is None else min(remaining, args.write_every)
        done = run_g2p(words, args.cache, limit=chunk)
        if remaining is not None:
            remaining -= done
        if done == 0:
            break
        _report(write_lexicon(words, args.cache, args.output), args.output)
    _report(write_lexicon(words, args.cache, args.output), args.output)
    return 0


def _report(stats: dict[str, int], output: Path) -> None:
    summary = ", ".join(f"{key} {value}" for key, value in stats.items())
    _LOGGER.info("wrote %s: %s", output, summary)
