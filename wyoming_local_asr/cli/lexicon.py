"""`wyoming-local-asr lexicon build|learn`: the packaged English pronunciation lexicon.

`build`: G2P of the whole vocabulary takes about an hour of CPU: it appends to a cache file and
skips words already done, so it can be stopped and resumed; the gzip lexicon is rewritten from
whatever is done every `--write-every` words and at the end (`--finalize` only rewrites it).

`learn`: pronunciation variants from what the acoustic model hears on held-out command
sentences spoken by held-out voices (`evaluation/pronunciation_learning.py`), written to
`data/lexicon_learned_en.tsv`; a few minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import logging
import sys
import tempfile
from pathlib import Path

from ..acoustic.default_model import LEARNED_LEXICON, PACKAGED_LEXICON
from ..build.learned_variants import (
    COMMON_WORDS,
    known_pronunciations,
    write_variants,
)
from ..build.lexicon_build import ordered_words, run_g2p, write_lexicon
from ..build.pocketsphinx_files import frequent_words
from .system_options import add_model_arguments, spec_from_args

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
    build.set_defaults(func=run)
    learn = actions.add_parser(
        "learn", help="learn pronunciation variants from held-out synthesized commands"
    )
    learn.add_argument(
        "--corpus",
        type=Path,
        help="a learning corpus built before (default: synthesize one in a temporary directory)",
    )
    learn.add_argument(
        "--output", type=Path, default=LEARNED_LEXICON, help="the variants file to write"
    )
    add_model_arguments(learn)
    learn.set_defaults(func=run_learn)


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


def run_learn(args: argparse.Namespace) -> int:
    from ..evaluation.corpus import CorpusError
    from ..evaluation.pronunciation_learning import build_learning_corpus, count_heard
    from ..evaluation.synth import SynthesisError
    from ..evaluation.systems import load_system

    with gzip.open(PACKAGED_LEXICON, "rt", encoding="utf-8") as stream:
        known = known_pronunciations(line.rstrip("\n") for line in stream)
    inventory = frozenset(p for variants in known.values() for v in variants for p in v)
    # The server's pipeline (RNNoise, VAD), with the denoised audio only: the greedy phonemes
    # then depend on the acoustic model alone, not on the lexicon being learned.
    spec = spec_from_args(args)
    spec = dataclasses.replace(
        spec, settings=dataclasses.replace(spec.settings, compare_original=False)
    )
    pipeline = load_system(spec).pipeline

    def pronounce(word: str) -> list[str] | None:
        variants = known.get(word)
        return variants[0] if variants else None  # the G2P form comes first

    with tempfile.TemporaryDirectory(prefix="local-asr-learn-") as tmp:
        try:
            corpus = args.corpus
            if corpus is None:
                corpus = Path(tmp)
                _LOGGER.info("synthesized %d clips", build_learning_corpus(corpus))
            counts = count_heard(corpus, pipeline, pronounce, inventory)
        except (CorpusError, SynthesisError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    variants = counts.select(known, common_words=frequent_words(COMMON_WORDS))
    lines = write_variants(args.output, variants)
    _LOGGER.info("wrote %s: %d variants of %d words", args.output, lines, len(variants))
    return 0
