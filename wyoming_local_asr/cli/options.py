"""Command-line options for the settings in `config.py` (shared by commands that need them).

Options are registered without argparse types or defaults: argparse only collects the text,
`config.load_settings` validates it together with the environment and the config file, so
every invalid value produces the same kind of one-line error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import (
    DEFAULT_MODEL,
    DEFAULT_URI,
    HOME_ASSISTANT_TOKEN_ENV,
    SUPERVISOR_URL,
    Settings,
    load_settings,
)
from ..config_validators import DEFAULT_OPS_PORT, DEVICES, PRECISIONS, RECOGNIZERS, VALIDATORS

_S = argparse.SUPPRESS


GROUPS = ("server", "model", "recognizer", "ray", "audio", "ops")


def add_settings_arguments(
    parser: argparse.ArgumentParser, groups: tuple[str, ...] = GROUPS
) -> None:
    """Register the options of the settings `groups` (the help text shows the defaults)."""
    parser.add_argument("--config", metavar="PATH", default=None, help="YAML/JSON config file")
    for group in groups:
        _GROUPS[group](parser)


def _server_arguments(parser: argparse.ArgumentParser) -> None:
    server = parser.add_argument_group("server")
    server.add_argument("--uri", default=_S, help=f"tcp://HOST:PORT or unix://PATH ({DEFAULT_URI})")
    server.add_argument(
        "--zeroconf",
        nargs="?",
        const=True,
        default=_S,
        metavar="NAME",
        help="announce the server over zeroconf (name: derived from the host)",
    )
    server.add_argument("--no-zeroconf", dest="zeroconf", action="store_false", default=_S)
    server.add_argument(
        "--max-utterance-seconds",
        default=_S,
        metavar="S",
        help=f"default {Settings().max_utterance_seconds:g} (long dictation is recognized in "
        "segments at pauses, in bounded memory)",
    )
    server.add_argument(
        "--partial-interval",
        default=_S,
        metavar="S",
        help="seconds of new audio between streaming partial transcripts, 0 = off (default 1)",
    )
    defaults = Settings()
    for flag, metavar, text in (
        ("--frame-timeout", "S", "seconds an event may take once its header has begun"),
        ("--idle-timeout", "S", "seconds without an event before a connection closes, 0 = never"),
        ("--max-connections", "N", "open Wyoming connections in total"),
        ("--max-connections-per-address", "N", "open Wyoming connections from one address"),
        ("--max-connection-audio-mb", "MB", "audio one utterance may buffer (16 kHz mono)"),
        ("--max-audio-mb", "MB", "audio all utterances together may buffer"),
        ("--shutdown-grace", "S", "seconds SIGTERM waits for utterances whose audio is complete"),
    ):
        default = getattr(defaults, flag[2:].replace("-", "_"))
        server.add_argument(flag, default=_S, metavar=metavar, help=f"{text} (default {default:g})")
    server.add_argument("--debug", action=argparse.BooleanOptionalAction, default=_S)
    server.add_argument(
        "--home-assistant-url",
        default=_S,
        metavar="URL",
        help="read the home's vocabulary from this Home Assistant websocket API and follow its "
        f"changes (the add-on: {SUPERVISOR_URL}); the token comes from ${HOME_ASSISTANT_TOKEN_ENV} "
        "or the add-on's $SUPERVISOR_TOKEN",
    )


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    model = parser.add_argument_group("model")
    model.add_argument("--model", default=_S, help=f"name or directory ({DEFAULT_MODEL})")
    model.add_argument("--data-dir", default=_S, metavar="DIR", help=f"({defaults.data_dir})")
    model.add_argument("--language", default=_S, help="default en")
    model.add_argument("--device", default=_S, help=f"{'|'.join(DEVICES)} (default auto)")
    model.add_argument("--threads", default=_S, metavar="N", help="0 = from the cores")
    model.add_argument(
        "--precision", default=_S, help=f"{'|'.join(PRECISIONS)} (default {defaults.precision})"
    )
    model.add_argument("--beam", default=_S, metavar="N", help=f"beam width ({defaults.beam})")
    model.add_argument(
        "--batch-window-ms",
        default=_S,
        metavar="MS",
        help="with --max-batch: how long a batch waits for more utterances "
        f"(default {defaults.batch_window_ms:g})",
    )
    model.add_argument(
        "--max-batch",
        default=_S,
        metavar="N",
        help="utterances reaching the acoustic model at once share one padded run, up to N "
        f"(fp32 only; default {defaults.max_batch} = off)",
    )
    model.add_argument(
        "--vocabulary-file",
        default=_S,
        metavar="FILE",
        help="the home's vocabulary (YAML/JSON: entities, areas, floors, sentences, phrases)",
    )
    model.add_argument(
        "--grammar",
        action=argparse.BooleanOptionalAction,
        default=_S,
        help="decode the home's own commands with its grammar too (default on)",
    )
    model.add_argument(
        "--grammar-threshold",
        default=_S,
        metavar="NATS",
        help=f"how far below the open words a grammar sentence may score (acoustics and "
        f"language model, as the open search scores) and still win "
        f"(default {defaults.grammar_threshold:g})",
    )


def _recognizer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument_group("recognizer").add_argument(
        "--recognizer",
        default=_S,
        help=f"{'|'.join(RECOGNIZERS)}: ray sends each speech segment to the Ray Serve "
        "application of `wyoming-local-asr ray deploy` (default local)",
    )


def _ray_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    remote = parser.add_argument_group("Ray cluster (docs/scaling.md)")
    remote.add_argument(
        "--ray-address",
        default=_S,
        metavar="HOST:PORT",
        help="the Ray cluster (its GCS address; default auto: $RAY_ADDRESS or a local one)",
    )
    remote.add_argument(
        "--ray-deployment",
        default=_S,
        metavar="NAME",
        help=f"the Serve application's name (default {defaults.ray_deployment})",
    )
    remote.add_argument(
        "--ray-timeout",
        default=_S,
        metavar="S",
        help=f"seconds one remote recognition may take in all, retries included "
        f"(default {defaults.ray_timeout:g})",
    )


def _audio_arguments(parser: argparse.ArgumentParser) -> None:
    audio = parser.add_argument_group("audio")
    audio.add_argument("--denoise", action=argparse.BooleanOptionalAction, default=_S)
    audio.add_argument(
        "--compare-original",
        action=argparse.BooleanOptionalAction,
        default=_S,
        help="with --denoise: also recognize the audio without denoising and keep the "
        "transcript scored higher (default on)",
    )
    audio.add_argument(
        "--denoise-below-snr",
        default=_S,
        metavar="DB",
        help="with --denoise: denoise only audio whose SNR, estimated from the VAD's speech and "
        f"non-speech frames, is below DB; inf = always (default {Settings().denoise_below_snr:g})",
    )
    audio.add_argument("--vad", action=argparse.BooleanOptionalAction, default=_S)
    audio.add_argument("--vad-aggressiveness", default=_S, metavar="0..3", help="default 2")
    audio.add_argument(
        "--endpointing",
        action=argparse.BooleanOptionalAction,
        default=_S,
        help="with --vad: end a command after enough trailing silence (per transcribe's "
        "vad_sensitivity) and answer at once; info then says requires_external_vad: false "
        f"(default {'on' if Settings().endpointing else 'off'})",
    )


def _ops_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    ops = parser.add_argument_group("operations and access")
    ops.add_argument(
        "--ops-port",
        nargs="?",
        const=str(DEFAULT_OPS_PORT),
        default=_S,
        metavar="PORT",
        help=f"serve the HTTP operations API (off by default; {DEFAULT_OPS_PORT} if no PORT)",
    )
    ops.add_argument(
        "--ops-host",
        default=_S,
        metavar="ADDRESS",
        help="address of the operations API (default: the Wyoming port's; 127.0.0.1 with a "
        "unix:// URI)",
    )
    ops.add_argument("--tls-cert", default=_S, metavar="PATH", help="serve TLS 1.3 only")
    ops.add_argument("--tls-key", default=_S, metavar="PATH")
    ops.add_argument(
        "--allow-network",
        dest="allow_networks",
        action="append",
        default=_S,
        metavar="CIDR",
        help="client network allowed on the Wyoming port (repeatable; default: all)",
    )
    ops.add_argument("--require-token", action=argparse.BooleanOptionalAction, default=_S)
    ops.add_argument("--tokens-file", default=_S, metavar="PATH", help="(<data-dir>/tokens.json)")
    ops.add_argument(
        "--auth-failure-limit",
        default=_S,
        metavar="N",
        help="wrong tokens per client address and window before its attempts are refused "
        f"unverified (default {defaults.auth_failure_limit}; 0: no limit)",
    )
    ops.add_argument(
        "--auth-failure-window",
        default=_S,
        metavar="SECONDS",
        help=f"the window of --auth-failure-limit (default {defaults.auth_failure_window:g})",
    )


_GROUPS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "server": _server_arguments,
    "model": _model_arguments,
    "recognizer": _recognizer_arguments,
    "ray": _ray_arguments,
    "audio": _audio_arguments,
    "ops": _ops_arguments,
}


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from parsed options, the environment and the config file (ConfigError if bad)."""
    cli: dict[str, Any] = {key: value for key, value in vars(args).items() if key in VALIDATORS}
    config = getattr(args, "config", None)
    return load_settings(cli, config_path=Path(config) if config else None)
