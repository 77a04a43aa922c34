"""`wyoming-local-asr bench [--corpus DIR] [--out DIR]`: speed and memory of our recognizer
(int8, fp32, denoise off) and of pocketsphinx, side by side; writes JSON, Markdown and a PNG."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..acoustic.paths import INT8_FILE
from ..config import MAX_NEW_WORDS_PER_UPDATE, Settings
from ..evaluation.bench import run_bench, to_markdown, write_report
from ..evaluation.corpus import Clip, load_corpus
from ..evaluation.real_corpus import build_real_corpus
from .options import settings_from_args
from .system_options import add_model_arguments


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bench", help="speed and memory: int8 vs fp32, stages, denoise, pocketsphinx baseline"
    )
    parser.add_argument(
        "--corpus", type=Path, help="NAME.wav + NAME.txt pairs (default: the real test clips)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench"), help="report dir (./bench)")
    parser.add_argument(
        "--baseline-only", action="store_true", help="only pocketsphinx (no model needed)"
    )
    parser.add_argument(
        "--grammar-cost",
        action="store_true",
        help="instead: what a large home's grammar costs (build time, memory, closed vs open "
        "decoding time on --corpus); prints JSON",
    )
    parser.add_argument(
        "--vocabulary-load",
        action="store_true",
        help="instead: latency of a real-time client at rest and while the server builds the "
        "largest vocabulary update allowed (every word new to G2P); prints JSON",
    )
    parser.add_argument(
        "--words",
        type=int,
        default=MAX_NEW_WORDS_PER_UPDATE,
        help=f"with --vocabulary-load: new words in the update ({MAX_NEW_WORDS_PER_UPDATE})",
    )
    parser.add_argument(
        "--denoise-profile",
        action="store_true",
        help="instead: the denoise stage's time by part (resamplers ours vs soxr, RNNoise, the "
        "second recognizer pass) and each clip's SNR estimate, clean and at 10 dB; prints JSON "
        "to --out/denoise-profile.json and a table",
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="instead: our server against faster-whisper tiny.en (installed on first use into "
        "<data-dir>/peers), all over Wyoming on loopback; writes peers.{json,md,png} to --out",
    )
    parser.add_argument(
        "--batching",
        action="store_true",
        help="instead: the server's throughput and p95 latency with local micro-batching off "
        "and on (--max-batch, default 8; --batch-window-ms), side by side for --clients; "
        "prints JSON",
    )
    parser.add_argument(
        "--clients",
        default="1,2,4,8,16",
        metavar="N,N,...",
        help="with --peers or --batching: the numbers of concurrent clients (1,2,4,8,16)",
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.grammar_cost:
        import json

        from ..evaluation.grammar_cost import measure_grammar_cost

        print(json.dumps(measure_grammar_cost(settings.model_dir, args.corpus), indent=2))
        return 0
    if args.vocabulary_load:
        import json

        from ..evaluation.vocabulary_load import measure_vocabulary_load

        report = measure_vocabulary_load(
            settings.model_dir, threads=settings.onnx_threads, words=args.words
        )
        print(json.dumps(report, indent=2))
        return 0
    if args.peers:
        return _run_peers(args, settings)
    if args.batching:
        return _run_batching(args, settings)
    if args.denoise_profile:
        return _run_denoise_profile(args, settings)
    model_dir: Path | None = None
    if not args.baseline_only:
        model_dir = settings.model_dir
        if not (model_dir / INT8_FILE).is_file():
            print(
                f"error: no model in {model_dir}; run `wyoming-local-asr model build` first "
                "(or pass --baseline-only)",
                file=sys.stderr,
            )
            return 1
    with tempfile.TemporaryDirectory(prefix="local-asr-bench-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "real"
            build_real_corpus(corpus)
        report = run_bench(corpus, model_dir, threads=settings.onnx_threads)
        if args.corpus is None:
            report["corpus"] = "pocketsphinx-testdata (all transcribed clips)"
    written = write_report(report, args.out)
    print(to_markdown(report))
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


def _clients(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",")]
    except ValueError:
        levels = []
    if not levels or any(not 1 <= n <= 64 for n in levels):
        raise SystemExit(f"error: --clients takes numbers from 1 to 64, comma-separated: {text!r}")
    return levels


@contextmanager
def _corpus_clips(corpus: Path | None) -> Iterator[list[Clip]]:
    """The clips of `corpus`, or (None) of the real test clips, built into a temporary dir."""
    with tempfile.TemporaryDirectory(prefix="local-asr-bench-") as tmp:
        if corpus is None:
            corpus = Path(tmp) / "real"
            build_real_corpus(corpus)
        yield load_corpus(corpus)


def _run_batching(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from ..evaluation.batching_bench import DEFAULT_MAX_BATCH, run_batching_bench

    with _corpus_clips(args.corpus) as clips:
        report = run_batching_bench(
            clips,
            settings.model_dir,
            _clients(args.clients),
            window_ms=settings.batch_window_ms,
            max_batch=settings.max_batch if settings.max_batch > 1 else DEFAULT_MAX_BATCH,
        )
    report["corpus"] = str(args.corpus or "pocketsphinx-testdata (all transcribed clips)")
    print(json.dumps(report, indent=2))
    return 0


def _run_peers(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from ..evaluation.peer_bench import plot, run_peer_bench
    from ..evaluation.peer_bench import to_markdown as peers_markdown

    with _corpus_clips(args.corpus) as clips:
        report = run_peer_bench(
            clips,
            settings.model_dir,
            settings.data_dir / "peers",
            vocabulary=settings.vocabulary_file,
            concurrency=_clients(args.clients),
            threads=settings.onnx_threads,
        )
    report["corpus"] = str(args.corpus or "pocketsphinx-testdata (all transcribed clips)")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown = peers_markdown(report, "wyoming-local-asr " + " ".join(sys.argv[1:]))
    (args.out / "peers.md").write_text(markdown, encoding="utf-8")
    drawn = plot(report, args.out / "peers.png")
    print(markdown)
    print(
        f"wrote {args.out / 'peers.json'}, {args.out / 'peers.md'}"
        + (f", {drawn}" if drawn else "")
    )
    return 0


def _run_denoise_profile(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from ..asr_service import load_recognizer_for
    from ..evaluation.denoise_profile import profile_corpus
    from ..evaluation.denoise_profile import to_markdown as profile_markdown

    recognizer = load_recognizer_for(settings)
    with tempfile.TemporaryDirectory(prefix="local-asr-bench-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "real"
            build_real_corpus(corpus)
        report = profile_corpus(corpus, recognizer)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "denoise-profile.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(profile_markdown(report))
    print(f"wrote {path}")
    return 0
