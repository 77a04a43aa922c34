"""`wyoming-local-asr ray deploy`: start (or update) the recognizer as a Ray Serve application
on a running Ray cluster; `serve --recognizer ray` front ends then send it their speech
(`remote/`, `docs/scaling.md`). `ray delete` removes it."""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

from ..app import StartupError
from ..config import (
    DEFAULT_RAY_BATCH_SIZE,
    DEFAULT_RAY_BATCH_WAIT_S,
    DEFAULT_RAY_CPUS_PER_REPLICA,
    DEFAULT_RAY_MAX_ONGOING,
    DEFAULT_RAY_REPLICAS,
    ConfigError,
)
from ..remote import ray_missing
from .options import add_settings_arguments, settings_from_args
from .serve import failed, prepared_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ray", help="run the recognizer on a Ray cluster (Ray Serve)", description=__doc__
    )
    commands = parser.add_subparsers(dest="ray_command", metavar="ACTION", required=True)
    deploy = commands.add_parser(
        "deploy",
        help="start or update the recognizer application",
        description="Start (or update in place) the recognizer as a Ray Serve application on "
        "the Ray cluster at --ray-address. The model and vocabulary files come from --data-dir "
        "as for `serve` (the default model is built there first when missing); every node "
        "that runs a replica needs the same data dir.",
    )
    add_settings_arguments(deploy, ("model", "ray"))
    group = deploy.add_argument_group("deployment")
    group.add_argument("--replicas", type=_positive_int, default=DEFAULT_RAY_REPLICAS)
    group.add_argument(
        "--cpus-per-replica", type=_positive_float, default=DEFAULT_RAY_CPUS_PER_REPLICA
    )
    group.add_argument("--gpus-per-replica", type=_fraction, default=0.0)
    _batch_arguments(group)
    group.add_argument(
        "--batching",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="batch segments across callers (default: on with --gpus-per-replica, off on CPU "
        "replicas, where it measured slower: docs/scaling.md)",
    )
    group.add_argument(
        "--max-ongoing-requests",
        type=_positive_int,
        default=DEFAULT_RAY_MAX_ONGOING,
        help=f"requests one replica takes at once (default {DEFAULT_RAY_MAX_ONGOING})",
    )
    deploy.set_defaults(func=run_deploy)
    bench = commands.add_parser(
        "bench",
        help="measure local against Ray Serve (batching on and off) for 1-32 clients",
        description="Start a local Ray cluster, deploy the recognizer with batching on and "
        "then off, and measure throughput and p95 latency against the local recognizer for "
        "concurrent clients (evaluation/ray_bench.py); writes a JSON report and a PNG plot.",
    )
    add_settings_arguments(bench, ("model",))
    bench.add_argument("--clients", default="1,2,4,8,16,32", help="levels (default 1..32)")
    bench.add_argument("--runs", type=_positive_int, default=3)
    bench.add_argument("--per-client", type=_positive_int, default=4, help="utterances each")
    bench.add_argument("--replicas", type=_positive_int, default=2)
    _batch_arguments(bench)
    bench.add_argument("--output", type=Path, default=Path("ray-bench.json"), metavar="JSON")
    bench.set_defaults(func=run_bench)
    delete = commands.add_parser("delete", help="remove the recognizer application")
    add_settings_arguments(delete, ("ray",))
    delete.set_defaults(func=run_delete)


def _batch_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=DEFAULT_RAY_BATCH_SIZE,
        help=f"most speech segments per batch (default {DEFAULT_RAY_BATCH_SIZE})",
    )
    parser.add_argument(
        "--batch-wait",
        type=_fraction,
        default=DEFAULT_RAY_BATCH_WAIT_S,
        metavar="S",
        help=f"seconds a batch waits for more segments (default {DEFAULT_RAY_BATCH_WAIT_S:g})",
    )


def run_deploy(args: argparse.Namespace) -> int:
    try:
        settings = prepared_settings(args)
        _require_ray("`ray deploy`")
    except (ConfigError, StartupError) as error:
        return failed(error)
    import ray

    from ..remote.deployment import DeploymentOptions, deploy
    from ..remote.vocabulary_board import NAMESPACE

    threads = settings.threads or max(1, int(args.cpus_per_replica))
    settings = replace(settings, threads=threads)
    options = DeploymentOptions(
        app_name=settings.ray_deployment,
        replicas=args.replicas,
        cpus_per_replica=args.cpus_per_replica,
        gpus_per_replica=args.gpus_per_replica,
        batch_size=args.batch_size,
        batch_wait_s=args.batch_wait,
        batching=args.gpus_per_replica > 0 if args.batching is None else args.batching,
        max_ongoing_requests=args.max_ongoing_requests,
    )
    try:
        ray.init(
            address=settings.ray_address or "auto",
            namespace=NAMESPACE,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
        deploy(settings, options)
    except (ConnectionError, RuntimeError) as error:
        return failed(StartupError(error), "cannot deploy: ")
    print(
        f"Deployed {options.app_name}: {options.replicas} replicas of model {settings.model} "
        f"({options.cpus_per_replica:g} CPUs, {options.gpus_per_replica:g} GPUs each; batching "
        f"{'on, ' + str(options.batch_size) + ' per batch' if options.batching else 'off'})"
    )
    return 0


def run_bench(args: argparse.Namespace) -> int:
    try:
        levels = tuple(_positive_int(level) for level in args.clients.split(","))
        settings = prepared_settings(args)
        _require_ray("`ray bench`")
    except (ConfigError, StartupError, ValueError, argparse.ArgumentTypeError) as error:
        return failed(error)
    from ..evaluation.ray_bench import run_bench as bench
    from ..evaluation.ray_bench import write_report

    report = bench(
        settings,
        levels=levels,
        runs=args.runs,
        per_client=args.per_client,
        replicas=args.replicas,
        batch_size=args.batch_size,
        batch_wait_s=args.batch_wait,
    )
    picture = write_report(report, args.output)
    print(f"Wrote {args.output}" + (f" and {picture}" if picture else ""))
    for system, rows in report["results"].items():
        cells = ", ".join(
            f"{row['clients']}: {row['utterances_per_s']:.1f}/s "
            f"p95 {1000 * row['latency_p95_s']:.0f} ms"
            for row in rows
        )
        print(f"{system}: {cells}")
    hop = report["hop"]
    print(
        f"remote hop overhead (median, 1 client): {1000 * hop['remote_overhead_median_s']:.1f} ms"
    )
    return 0


def run_delete(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        _require_ray("`ray delete`")
    except (ConfigError, StartupError) as error:
        return failed(error)
    import ray
    from ray import serve

    ray.init(address=settings.ray_address or "auto", logging_level=logging.WARNING)
    serve.delete(settings.ray_deployment)
    print(f"Deleted {settings.ray_deployment}")
    return 0


def _require_ray(command: str) -> None:
    missing = ray_missing(command)
    if missing:
        raise StartupError(missing)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("expected a number above 0")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError("expected a number from 0 to 64")
    return value
