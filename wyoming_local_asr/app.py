"""Start-up and shutdown of the whole server: model, Wyoming port, operations API, zeroconf."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import ssl
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .acoustic.default_model import is_current
from .acoustic.errors import ModelError
from .asr_service import AsrService, RecognizerLoader, check_language, load_recognizer_for
from .config import (
    AUTH_FAILURE_ADDRESSES,
    DEFAULT_MODEL,
    HOME_ASSISTANT_TOKEN_ENV,
    RAY_FRONT_END_WORKERS,
    SUPERVISOR_TOKEN_ENV,
    ConfigError,
    Settings,
    ops_host,
)
from .decode.lm_files import LEXICON_FILE
from .ops.access import AllowList
from .ops.auth import Authorizer
from .ops.auth_limit import FailureLimiter
from .ops.identity import server_id
from .ops.metrics import Metrics
from .ops.remote_calls import RemoteCalls
from .ops.roles import Roles
from .ops.tls import server_ssl_context
from .ops.token_store import TokenStore
from .recognizer import Recognizer
from .remote import ray_missing
from .server.discovery import ZeroconfAnnouncer, advertised_address
from .server.handler import ConnectionPolicy
from .server.wyoming_server import WyomingServer
from .vocabulary.home import HomeVocabulary
from .vocabulary.pronunciations import PronunciationCache, home_words, lexicon_words
from .vocabulary.store import VocabularyStore, read_vocabulary_file

if TYPE_CHECKING:  # aiohttp (about 13 MB) is imported only when the operations API is on
    from .ops.service import OpsServer
    from .remote.ray_recognizer import RayConnection

_LOGGER = logging.getLogger(__name__)


class StartupError(Exception):
    """The server cannot start (port taken, model broken); the message is one line."""


# Builds the default model into a data dir (blocking). The server never imports the build
# wing: `serve` passes it in (`cli/serve.py`).
ModelBuilder = Callable[[Path], object]


def prepare_model(settings: Settings, build: ModelBuilder | None = None) -> None:
    """Build the default model with `build` when it is missing or outdated; refuse a model
    directory that is not there."""
    if settings.model == DEFAULT_MODEL:
        if is_current(settings.model_dir):
            return
        if build is None:
            raise StartupError(
                f"the default model in {settings.model_dir} is missing or outdated: "
                "run `wyoming-local-asr model build`"
            )
        build(settings.data_dir)
    elif not settings.model_dir.is_dir():
        raise ConfigError(f"invalid value for --model: no model directory {settings.model_dir}")


def home_assistant_token(environ: Mapping[str, str]) -> str:
    """The token for `--home-assistant-url`, from the environment (ConfigError without one)."""
    token = environ.get(HOME_ASSISTANT_TOKEN_ENV) or environ.get(SUPERVISOR_TOKEN_ENV)
    if not token:
        raise ConfigError(
            f"invalid value for --home-assistant-url: set {HOME_ASSISTANT_TOKEN_ENV} to a "
            f"Home Assistant access token (an add-on has {SUPERVISOR_TOKEN_ENV})"
        )
    return token


class Application:
    """Everything one `serve` runs, started and stopped together."""

    def __init__(self, settings: Settings, build_model: ModelBuilder | None = None) -> None:
        self.settings = settings
        self.build_model = build_model
        self.metrics = Metrics()
        self.authorizer = Authorizer(
            Roles.from_config(dict(settings.roles)),
            TokenStore(settings.tokens_path),
            FailureLimiter(
                max_failures=settings.auth_failure_limit,
                window_s=settings.auth_failure_window,
                max_addresses=AUTH_FAILURE_ADDRESSES,
            ),
        )
        self.service: AsrService | None = None
        self.server: WyomingServer | None = None
        self.ops: OpsServer | None = None
        self.announcer: ZeroconfAnnouncer | None = None
        self.home_assistant: asyncio.Task[None] | None = None
        # `--recognizer ray`: the cluster's state and calls (health, metrics) and the connection.
        self.remote: RemoteCalls | None = None
        self.remote_connection: RayConnection | None = None

    async def start(self) -> None:
        """Load the model, then listen. Raises ConfigError or StartupError."""
        settings = self.settings
        ssl_context = _ssl_context(settings)
        token = home_assistant_token(os.environ) if settings.home_assistant_url else ""
        store = VocabularyStore(settings.vocabulary_path)
        home = await asyncio.to_thread(_starting_vocabulary, settings, store)
        # A home whose words are not all pronounced yet (a build cut short, a new
        # --vocabulary-file) is built in the background once the server runs, never at start.
        later = HomeVocabulary()
        remote = settings.recognizer == "ray"  # no lexicon here: the words go through G2P
        if not home.empty and (remote or await asyncio.to_thread(_needs_g2p, settings, home)):
            home, later = HomeVocabulary(), home
        loader: RecognizerLoader = load_recognizer_for
        workers = None
        if remote:
            recognizer, loader = await self._connect_remote()
            workers = RAY_FRONT_END_WORKERS
        else:
            recognizer = await _load_model(settings, self.build_model, home)
        self.service = AsrService(
            settings, recognizer, loader=loader, workers=workers, home=home, store=store
        )
        if not later.empty:
            await self.service.vocabulary.submit(later.to_document(), bounded=False)
        self.server = WyomingServer(
            self.service,
            settings.uri,
            ConnectionPolicy(
                metrics=self.metrics,
                allow_list=AllowList.parse(settings.allow_networks)
                if settings.allow_networks
                else None,
                authorizer=self.authorizer,
            ),
            ssl_context=ssl_context,
        )
        server = self.server
        self.metrics.count_connections(lambda: dataclasses.asdict(server.stats))
        try:
            await self.server.start()
        except OSError as error:
            raise StartupError(f"cannot listen on {settings.uri}: {error.strerror}") from None
        host = urlparse(settings.uri).hostname if settings.uri.startswith("tcp:") else None
        if settings.ops_port is not None:
            from .ops.service import OpsServer

            self.ops = OpsServer(
                self.service,
                self.metrics,
                self.authorizer,
                settings.data_dir,
                require_token=settings.require_token,
                # the Wyoming port's allow-list applies here too
                allow_list=AllowList.parse(settings.allow_networks)
                if settings.allow_networks
                else None,
                remote=self.remote,
            )
            try:
                await self.ops.start(ops_host(settings), settings.ops_port, ssl_context)
            except OSError as error:
                raise StartupError(f"cannot listen on port {settings.ops_port}: {error}") from None
        if settings.zeroconf and self.server.port is not None:
            await self._announce(self.server.port, host)
        if settings.home_assistant_url:
            self.home_assistant = asyncio.create_task(self._follow_home_assistant(token))

    async def _connect_remote(self) -> tuple[Recognizer, RecognizerLoader]:
        """The recognizer of the Ray Serve application (`--recognizer ray`) and the loader that
        publishes a new vocabulary to it. The home's vocabulary reaches it once the server runs
        (the front end has no lexicon of its own, so `start` builds it in the background)."""
        settings = self.settings
        missing = ray_missing("--recognizer ray")
        if missing:
            raise StartupError(missing)
        from .remote.ray_recognizer import RemoteUnavailable, connect

        self.remote = RemoteCalls("ray", settings.ray_address or "auto", settings.ray_deployment)
        try:
            base = await asyncio.to_thread(connect, settings, self.remote)
            self.remote_connection = base.connection
            recognizer = base
            if settings.vocabulary:
                recognizer = await asyncio.to_thread(
                    base.with_vocabulary, settings, HomeVocabulary()
                )
        except RemoteUnavailable as error:
            raise StartupError(str(error)) from None
        try:
            check_language(settings.language, base.info)
        except ConfigError as error:
            raise ConfigError(f"invalid value for --language: {error}") from None
        _LOGGER.info(
            "Recognizer: Ray application %s at %s (model %s %s)",
            settings.ray_deployment, self.remote.address, base.info.name, base.info.version,
        )  # fmt: skip
        return recognizer, base.with_vocabulary

    async def _follow_home_assistant(self, token: str) -> None:
        from .vocabulary.home_assistant import HomeAssistantVocabulary

        service = self.service
        assert service is not None

        async def apply(document: dict[str, Any]) -> None:
            # the home from Home Assistant; sentences and phrases sent through the API stay
            current = service.vocabulary_document()
            await service.set_vocabulary({**current, **document})

        await HomeAssistantVocabulary(self.settings.home_assistant_url, token, apply).run()

    async def _announce(self, port: int, host: str | None) -> None:
        properties = {"server_id": server_id(self.settings.data_dir)}
        if self.ops is not None and self.ops.port is not None:
            properties["ops_port"] = str(self.ops.port)
        announcer = ZeroconfAnnouncer(
            port,
            self.settings.zeroconf_name,
            address=advertised_address(host),
            properties=properties,
        )
        try:
            await announcer.start()
        except Exception as error:  # never fatal: the server works without discovery
            _LOGGER.warning("Zeroconf announcement failed: %s", error)
            return
        self.announcer = announcer

    async def stop(self) -> None:
        if self.home_assistant is not None:
            self.home_assistant.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.home_assistant
        if self.announcer is not None:
            await self.announcer.stop()
        if self.ops is not None:
            await self.ops.stop()
        if self.service is not None:
            await self.service.vocabulary.close()  # kills a G2P process at once
        if self.server is not None:
            await self.server.stop(self.settings.shutdown_grace)
        if self.service is not None:
            self.service.shutdown()
        if self.remote_connection is not None:
            await asyncio.to_thread(self.remote_connection.close)


async def _load_model(
    settings: Settings, build: ModelBuilder | None, home: HomeVocabulary
) -> Recognizer:
    try:
        await asyncio.to_thread(prepare_model, settings, build)
        recognizer = await asyncio.to_thread(load_recognizer_for, settings, home)
    except (ConfigError, StartupError):
        raise
    except ModelError as error:
        raise StartupError(f"cannot load model {settings.model}: {error}") from None
    except (OSError, RuntimeError, ValueError) as error:
        _LOGGER.debug("Model loading failed", exc_info=True)
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StartupError(f"cannot load model {settings.model}: {first_line}") from None
    try:
        check_language(settings.language, recognizer.info)
    except ConfigError as error:
        raise ConfigError(f"invalid value for --language: {error}") from None
    _LOGGER.info("Model %s %s loaded", recognizer.info.name, recognizer.info.version)
    return recognizer


def _needs_g2p(settings: Settings, home: HomeVocabulary) -> bool:
    """Whether some word of `home` is neither in the model's lexicon nor pronounced before."""
    cache = PronunciationCache(settings.pronunciations_path)
    words = cache.missing(home_words(home), lambda word: False)
    known = lexicon_words(settings.model_dir / LEXICON_FILE, words)
    return any(word not in known for word in words)


def _starting_vocabulary(settings: Settings, store: VocabularyStore) -> HomeVocabulary:
    """`--vocabulary-file` when given, else the vocabulary kept from the last run."""
    if settings.vocabulary_file is not None:
        return read_vocabulary_file(settings.vocabulary_file)
    home = store.load()
    if not home.empty:
        _LOGGER.info("Home vocabulary %s: %s", home.version, home.counts())
    return home


async def run_server(
    settings: Settings,
    stop: asyncio.Event | None = None,
    build_model: ModelBuilder | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set). Raises ConfigError or StartupError."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    app = Application(settings, build_model)
    try:
        await app.start()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        _LOGGER.info("Ready")
        await stop.wait()
        _LOGGER.info("Stopping")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
        await app.stop()


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    try:
        return server_ssl_context(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as error:
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise ConfigError(f"invalid value for --tls-cert/--tls-key: {reason}") from None
