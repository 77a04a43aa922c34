"""The server's settings: one `Settings` object, the single source of defaults.

Values come from, highest priority first: command-line options, environment variables
(`LOCAL_ASR_<OPTION>`), a YAML/JSON config file (`--config PATH`), then the defaults below.
Every layer is validated on its own with voluptuous, so an error names the option and where
its value came from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import voluptuous as vol
import yaml

from .config_validators import FILE_ONLY, VALIDATORS

ENV_PREFIX = "LOCAL_ASR_"
DEFAULT_URI = "tcp://0.0.0.0:10300"
DEFAULT_MODEL = "hama-conformer-ctc-en"
# The decoder's beam width (the search reads it from here too: `decode/beam_search.py`).
DEFAULT_BEAM = 64
# The home grammar's fast path: a closed sentence this many nats below the open words (both
# scored by the open search's acoustics and language model) still wins
# (`decode/home_decoder.py`; tuned on the tuning half of the sample home, `docs/benchmarks.md`).
DEFAULT_GRAMMAR_THRESHOLD = 0.25
# Open words that are a sentence of the grammar already, heard at an acoustic log-probability per
# 20 ms frame below this, are checked against the closed search's best (same tuning).
DEFAULT_GRAMMAR_RECHECK_BELOW = -0.08
# RNNoise runs only on segments whose SNR, estimated from the VAD's speech and non-speech frames,
# is below this many dB (`audio/denoise_gate.py`); `inf` denoises every segment, 0 none. Chosen
# on the tuning halves of the clean and 10 dB noisy corpora (`docs/benchmarks.md`, "Denoising
# only when it helps").
DEFAULT_DENOISE_BELOW_SNR = 18.5
# Home Assistant's websocket API as the Supervisor gives it to an add-on, and where the token for
# `--home-assistant-url` is read from (never the command line); an add-on has SUPERVISOR_TOKEN.
SUPERVISOR_URL = "ws://supervisor/core/websocket"
HOME_ASSISTANT_TOKEN_ENV = "LOCAL_ASR_HOME_ASSISTANT_TOKEN"
SUPERVISOR_TOKEN_ENV = "SUPERVISOR_TOKEN"
# Upper bound of a Wyoming event's JSON data or binary payload.
MAX_EVENT_BYTES = 1 << 20
# Failed authentications (wrong tokens, on either port) one client address may make within
# `auth_failure_window` seconds before its attempts are refused unverified (`ops/auth_limit.py`),
# and how many addresses the table tracks at most.
DEFAULT_AUTH_FAILURE_LIMIT = 10
DEFAULT_AUTH_FAILURE_WINDOW = 300.0
AUTH_FAILURE_ADDRESSES = 4096
# The most words new to the model (not in its lexicon, never pronounced before) one vocabulary
# update may ask hama's G2P for (about 20-30 words/s on a Pi-class CPU, in the background);
# more are refused with HTTP 413 (`vocabulary/builder.py`).
MAX_NEW_WORDS_PER_UPDATE = 1000
# Connection bounds (`server/`, `docs/reliability.md`). Home Assistant opens one connection per
# utterance (and a `describe` probe) and sends audio chunks every few tens of milliseconds, so
# a long idle bound costs it nothing; a header or frame, once begun, arrives in milliseconds.
DEFAULT_FRAME_TIMEOUT = 10.0
DEFAULT_IDLE_TIMEOUT = 300.0
DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 16
# Descriptors kept free below RLIMIT_NOFILE for the operations API, model files and logs: the
# connection limit is lowered to fit under them.
RESERVED_DESCRIPTORS = 64
# Audio memory: 30 s of audio not yet recognized holds 1.9 MB per copy (float32 at 16 kHz; two
# copies with denoising and compare_original); long dictation holds at most about two segments.
# 64 MB beside a ~200 MB server fits a Pi beside Home Assistant.
DEFAULT_MAX_CONNECTION_AUDIO_MB = 8.0
DEFAULT_MAX_AUDIO_MB = 64.0
DEFAULT_SHUTDOWN_GRACE = 10.0
# Long dictation (`pipeline.py`, `docs/reliability.md`): an utterance may last this long; it is
# recognized in segments cut at the pauses the VAD hears once the audio since the last cut is
# `SEGMENT_MIN_SECONDS` long (a command is shorter: one segment, recognized exactly as before),
# and a segment without a pause is cut at the acoustic model's chunk length
# (`acoustic/chunking.py`). Only audio not yet recognized is held (and counted in the budget).
DEFAULT_MAX_UTTERANCE_SECONDS = 600.0
SEGMENT_MIN_SECONDS = 10.0
# Once an utterance has been cut (it is dictation, not a command), the next pauses cut it after
# this much. Shorter segments shorten the wait after `audio-stop` (the last segment) but lose
# the language model's context: 5 s cost 1.3 points of WER on the 5.7-minute reading against
# 10 s (docs/reliability.md).
SEGMENT_NEXT_MIN_SECONDS = 10.0
# Server-side endpointing (`--endpointing`, `audio/vad.py`): the silence after speech that ends
# a command for each `vad_sensitivity` Home Assistant sends in `transcribe` (the same seconds as
# its own VAD's, `VadSensitivity.to_seconds` in assist_pipeline/vad.py), and the longest command
# (its `VoiceCommandSegmenter.timeout_seconds`).
ENDPOINT_SILENCE_SECONDS = {"default": 0.7, "relaxed": 1.25, "aggressive": 0.25}
ENDPOINT_MAX_SECONDS = 15.0
DEFAULT_ENDPOINTING = False
# Local micro-batching (`acoustic/batching.py`): utterances reaching the acoustic model within
# `batch_window_ms` of each other share one padded run, up to `max_batch` (1 = off, the
# default; 0 ms batches only what is already waiting). Only fp32 graphs that mask padding batch
# (an int8 graph runs a batch one by one, `acoustic/runner.py`); measured in docs/scaling.md.
DEFAULT_BATCH_WINDOW_MS = 5.0
DEFAULT_MAX_BATCH = 1
# --- Scaling out with Ray (`remote/`, `docs/scaling.md`): `serve --recognizer ray` sends each
# speech segment to the Ray Serve application `ray deploy` started (the acoustic model and the
# decoder with the home's vocabulary run there). The front end's remote call gives up after
# `ray_timeout` seconds in all (retries on another replica included); while the cluster is
# unreachable it answers at once with an error and reconnects in the background every
# RAY_RECONNECT_INTERVAL seconds.
DEFAULT_RAY_APP = "wyoming-local-asr"
DEFAULT_RAY_TIMEOUT = 30.0
RAY_RECONNECT_INTERVAL = 2.0
# Attempts per utterance when a replica dies under it (transcribing is idempotent).
RAY_ATTEMPTS = 3
# A front end's worker threads: they mostly wait for the deployment, and as many calls in
# flight as clients let a replica batch them (the local server has one per core).
RAY_FRONT_END_WORKERS = 32
# The deployment (`ray deploy`): replicas, resources per replica, dynamic batching (a batch is
# run when it holds `max_batch_size` segments or `batch_wait_s` after its first one), and how
# many requests one replica takes at once (beyond them, Serve queues or routes elsewhere).
DEFAULT_RAY_REPLICAS = 1
DEFAULT_RAY_CPUS_PER_REPLICA = 1.0
DEFAULT_RAY_BATCH_SIZE = 8
DEFAULT_RAY_BATCH_WAIT_S = 0.01
DEFAULT_RAY_MAX_ONGOING = 16
# Seconds between a replica's checks for a newer home vocabulary published by a front end, and
# how many vocabularies' recognizers a replica keeps (about 100 MB each with the default model).
RAY_VOCABULARY_POLL_S = 2.0
RAY_REPLICA_VOCABULARIES = 2


def default_data_dir() -> Path:
    """`$LOCAL_ASR_DATA_DIR`, else `$XDG_DATA_HOME/wyoming-local-asr`, else
    `~/.local/share/wyoming-local-asr`."""
    explicit = os.environ.get(env_name("data_dir"))
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wyoming-local-asr"


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told. Frozen: a change makes a new object."""

    uri: str = DEFAULT_URI
    zeroconf: bool = False
    # Service name announced over zeroconf; empty means derived from the host name.
    zeroconf_name: str = ""
    # A model name under `<data_dir>/models/`, or a path to a model directory.
    model: str = DEFAULT_MODEL
    data_dir: Path = field(default_factory=default_data_dir)
    language: str = "en"
    denoise: bool = True
    # With denoise: also recognize the original audio and keep the transcript scored higher.
    compare_original: bool = True
    # With denoise: only segments whose estimated SNR (dB) is below this are denoised.
    denoise_below_snr: float = DEFAULT_DENOISE_BELOW_SNR
    vad: bool = True
    vad_aggressiveness: int = 2
    # onnxruntime threads; 0 chooses from the number of cores.
    threads: int = 0
    device: str = "auto"
    # "int8" (the quantized graph) or "fp32".
    precision: str = "int8"
    beam: int = DEFAULT_BEAM
    batch_window_ms: float = DEFAULT_BATCH_WINDOW_MS
    max_batch: int = DEFAULT_MAX_BATCH
    max_utterance_seconds: float = DEFAULT_MAX_UTTERANCE_SECONDS
    # The server ends a command itself after enough trailing silence (needs `vad`) and says so
    # in `info` (`requires_external_vad: false`); a client opts out per utterance with
    # `transcribe` context `{"endpointing": false}` (dictation).
    endpointing: bool = DEFAULT_ENDPOINTING
    # Seconds a client may take to complete one event once its header has begun (slowloris).
    frame_timeout: float = DEFAULT_FRAME_TIMEOUT
    # Seconds without a new event before a connection is closed (0 = never).
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    # Open Wyoming connections, in total and from one address.
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_connections_per_address: int = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
    # Audio buffered for utterances, in MB of 16 kHz mono samples as the pipeline holds them:
    # per connection and for the whole server.
    max_connection_audio_mb: float = DEFAULT_MAX_CONNECTION_AUDIO_MB
    max_audio_mb: float = DEFAULT_MAX_AUDIO_MB
    # Seconds SIGTERM waits for utterances whose audio is complete.
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    # Seconds of new audio between streaming partial transcripts; 0 turns partials off.
    partial_interval: float = 1.0
    # Extra phrases the decoder should be able to recognize (names, commands).
    vocabulary: tuple[str, ...] = ()
    # A home vocabulary document (YAML/JSON: entities, areas, floors, sentences, phrases) read
    # at start instead of the one kept in the data dir.
    vocabulary_file: Path | None = None
    # Decode the home's own commands with its grammar too (the fast path), and its threshold.
    grammar: bool = True
    grammar_threshold: float = DEFAULT_GRAMMAR_THRESHOLD
    # A Home Assistant websocket API (ws://.../api/websocket; the add-on's is SUPERVISOR_URL)
    # to read the home's vocabulary from; its token comes from the environment only.
    home_assistant_url: str = ""
    debug: bool = False
    # Port of the HTTP operations API; None keeps it off.
    ops_port: int | None = None
    # Where the operations API listens; empty: the Wyoming port's host (127.0.0.1 when the
    # Wyoming server listens on a unix socket).
    ops_host: str = ""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Client networks (CIDR) allowed on the Wyoming port; empty allows every client.
    allow_networks: tuple[str, ...] = ()
    require_token: bool = False
    # None means `<data_dir>/tokens.json`.
    tokens_file: Path | None = None
    # Wrong tokens per client address and window before it is refused; 0 turns the limit off.
    auth_failure_limit: int = DEFAULT_AUTH_FAILURE_LIMIT
    auth_failure_window: float = DEFAULT_AUTH_FAILURE_WINDOW
    # Access roles from the config file (role -> permissions), over the built-in ones.
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "local", or "ray": the recognizer runs in a Ray Serve application (`ray deploy`) on the
    # Ray cluster at `ray_address` ("" = auto: $RAY_ADDRESS or a local cluster).
    recognizer: str = "local"
    ray_address: str = ""
    ray_deployment: str = DEFAULT_RAY_APP
    ray_timeout: float = DEFAULT_RAY_TIMEOUT

    @property
    def model_dir(self) -> Path:
        """The model's directory: `model` itself when it names a path, else in the data dir."""
        if "/" in self.model or self.model.startswith("."):
            return Path(self.model).expanduser()
        return self.data_dir / "models" / self.model

    @property
    def vocabulary_path(self) -> Path:
        """Where the home vocabulary sent through the API is kept."""
        return self.data_dir / "vocabulary.json"

    @property
    def pronunciations_path(self) -> Path:
        """hama's G2P pronunciations of the home's words, computed once."""
        return self.data_dir / "pronunciations.tsv"

    @property
    def tokens_path(self) -> Path:
        return self.tokens_file if self.tokens_file is not None else self.data_dir / "tokens.json"

    @property
    def onnx_threads(self) -> int:
        return self.threads if self.threads > 0 else min(4, os.cpu_count() or 1)

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None


class ConfigError(ValueError):
    """A setting that cannot be used (at start-up, or changed through the operations API); the
    message is one line naming the setting."""


def option_flag(key: str) -> str:
    return "--allow-network" if key == "allow_networks" else "--" + key.replace("_", "-")


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def validate_layer(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check one layer of raw values; `source` names it in the error ("environment", ...)."""
    checked: dict[str, Any] = {}
    for key, raw in values.items():
        validator = VALIDATORS.get(key)
        if validator is None:
            raise ConfigError(f"unknown option {key!r} in {source}")
        try:
            value = validator(raw)
        except vol.Invalid as error:
            where = env_name(key) if source == "environment" else source
            shown = raw if isinstance(raw, str | int | float) else type(raw).__name__
            raise ConfigError(
                f"invalid value for {option_flag(key)} ({where}): {error.msg}, got {shown!r}"
            ) from None
        if key == "zeroconf":
            checked["zeroconf"], name = value
            if name:
                checked["zeroconf_name"] = name
        else:
            checked[key] = value
    return checked


def environment_layer(environ: Mapping[str, str]) -> dict[str, str]:
    """The `LOCAL_ASR_<OPTION>` variables that name a known option (others are ignored)."""
    layer: dict[str, str] = {}
    for key in VALIDATORS:
        if key not in FILE_ONLY and env_name(key) in environ:
            layer[key] = environ[env_name(key)]
    if "LOCAL_ASR_ALLOW_NETWORK" in environ and "allow_networks" not in layer:
        layer["allow_networks"] = environ["LOCAL_ASR_ALLOW_NETWORK"]
    return layer


def read_config_file(path: Path) -> dict[str, Any]:
    """The raw mapping of a YAML or JSON config file (JSON is YAML too)."""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    except (ValueError, yaml.YAMLError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "syntax"
        raise ConfigError(f"config file {path} is not valid YAML/JSON: {first_line}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"config file {path} must hold a mapping of option: value")
    return {str(key).replace("-", "_"): value for key, value in document.items()}


def load_settings(
    cli: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Merge the layers (CLI > environment > config file > defaults) into checked Settings."""
    environ = os.environ if environ is None else environ
    if config_path is None and environ.get(ENV_PREFIX + "CONFIG"):
        config_path = Path(environ[ENV_PREFIX + "CONFIG"]).expanduser()
    merged: dict[str, Any] = {}
    if config_path is not None:
        merged.update(validate_layer(read_config_file(config_path), f"config file {config_path}"))
    merged.update(validate_layer(environment_layer(environ), "environment"))
    merged.update(validate_layer(cli, "command line"))
    return check_settings(replace(Settings(), **merged))


def check_settings(settings: Settings) -> Settings:
    """Rules across options."""
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ConfigError("invalid value for --tls-cert/--tls-key: give both or neither")
    if settings.ops_port is not None and settings.ops_port == wyoming_port(settings.uri):
        raise ConfigError(f"invalid value for --ops-port: {settings.ops_port} is the Wyoming port")
    return settings


def ops_host(settings: Settings) -> str:
    """The address the operations API binds: `ops_host`, else the Wyoming port's host, else
    (a unix-socket Wyoming server, local only) the loopback address."""
    if settings.ops_host:
        return settings.ops_host
    parsed = urlparse(settings.uri)
    if parsed.scheme == "tcp" and parsed.hostname:
        return parsed.hostname
    return "127.0.0.1"


def wyoming_port(uri: str) -> int | None:
    parsed = urlparse(uri)
    return parsed.port if parsed.scheme == "tcp" else None
