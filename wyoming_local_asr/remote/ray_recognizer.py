"""The front end's side of `serve --recognizer ray`: the `Recognizer` the pipeline calls for a
speech segment, answered by the Ray Serve application of `ray deploy`.

The front end is a Ray driver (`ray.init(address=...)`) holding a `DeploymentHandle`. Each
segment goes out as 16 kHz float32 samples with its vocabulary key (`wire.py`) and comes back as the
`Transcription` the local recognizer would return; the pipeline runs it on a worker thread, so
the call blocks there (never on the event loop), bounded by `ray_timeout` seconds in all:

- a replica that dies under a call (`ActorDiedError`, `ActorUnavailableError`) is retried on
  another one (transcribing is idempotent), up to `RAY_ATTEMPTS` times within the timeout;
- a replica that lost the vocabulary (the cluster restarted) gets it published again;
- a call that cannot reach the cluster marks it unreachable (one log line, `/api/health`): from
  then on calls fail at once with `RemoteUnavailable` (the client gets one `error` event) while
  a monitor thread reconnects in the background; it logs one line when the cluster is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import ray
from numpy.typing import NDArray
from ray import serve
from ray.exceptions import (
    ActorDiedError,
    ActorUnavailableError,
    GetTimeoutError,
    RayActorError,
    RayError,
    RayTaskError,
)

from ..config import RAY_ATTEMPTS, RAY_RECONNECT_INTERVAL, Settings
from ..ops.remote_calls import RemoteCalls
from ..recognizer import ModelInfo, RecognizerUnavailable, Transcription
from ..vocabulary.home import HomeVocabulary
from ..vocabulary.pronunciations import home_words, phrase_words
from .deployment import DEPLOYMENT_NAME
from .vocabulary_board import NAMESPACE, board
from .wire import (
    BASE_VOCABULARY,
    PublishedVocabulary,
    SegmentRequest,
    VocabularyMissing,
    encode_audio,
    vocabulary_key,
)

_LOGGER = logging.getLogger(__name__)


class RemoteUnavailable(RecognizerUnavailable):
    """The Ray cluster or the application cannot be reached now (the message says which)."""


class RemoteTimeout(RecognizerUnavailable):
    """A remote recognition took longer than `ray_timeout` seconds."""


class RemoteFailure(RecognizerUnavailable):
    """The deployment answered with an error (one line)."""


class RayConnection:
    """One front end's connection to the cluster and the application, shared by every
    `RayRecognizer` it builds. Thread-safe."""

    def __init__(self, settings: Settings, calls: RemoteCalls) -> None:
        self.address = settings.ray_address or "auto"
        self.app_name = settings.ray_deployment
        self.timeout = settings.ray_timeout
        self.calls = calls
        self._lock = threading.Lock()
        self._handle: Any = None
        self._published: PublishedVocabulary | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._monitor: threading.Thread | None = None

    # --- start and stop

    def connect(self) -> None:
        """Connect once (blocking); raises RemoteUnavailable when that fails."""
        try:
            self._connect()
        except Exception as error:
            raise RemoteUnavailable(_reason(self, error)) from None
        self.calls.set_reachable(True)
        self._monitor = threading.Thread(target=self._watch, name="ray-monitor", daemon=True)
        self._monitor.start()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        if self._monitor is not None:
            self._monitor.join(timeout=5.0)
        with self._lock:
            self._handle = None
        if ray.is_initialized():
            ray.shutdown()

    def _connect(self) -> None:
        if not ray.is_initialized():
            ray.init(
                address=self.address,
                namespace=NAMESPACE,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        handle = serve.get_deployment_handle(DEPLOYMENT_NAME, self.app_name)
        # A first call proves the application answers (and makes the handle's router ready).
        handle.vocabulary.remote().result(timeout_s=self.timeout)
        with self._lock:
            self._handle = handle

    # --- calls

    def model_info(self) -> ModelInfo:
        info: ModelInfo = self.call(lambda handle: handle.info.remote())
        return info

    def lexicon(self) -> frozenset[str] | None:
        words: list[str] | None = self.call(lambda handle: handle.lexicon.remote())
        return None if words is None else frozenset(words)

    def transcribe(self, request: SegmentRequest) -> Transcription:
        result: Transcription = self.call(lambda handle: handle.transcribe.remote(request))
        return result

    def publish(self, entry: PublishedVocabulary) -> None:
        """Make `entry` the vocabulary of this front end: on the board, then built on one
        replica (the others follow the board or build it on their first request)."""
        self._published = entry
        self._post(entry)
        self.call(lambda handle: handle.prepare.remote(entry.key))

    def _post(self, entry: PublishedVocabulary) -> None:
        if entry.key == BASE_VOCABULARY:
            return
        try:
            ray.get(board(self.app_name).publish.remote(entry), timeout=self.timeout)
        except RayError as error:
            self._lost(error)
            raise RemoteUnavailable(_reason(self, error)) from None

    def call(self, send: Callable[[Any], Any]) -> Any:
        """`send(handle)` -> a DeploymentResponse, answered within the timeout, with retries
        on replica failure; raises RemoteUnavailable, RemoteTimeout or RemoteFailure."""
        start = time.monotonic()
        deadline = start + self.timeout
        for attempt in range(RAY_ATTEMPTS):
            handle = self._current_handle()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                result = send(handle).result(timeout_s=remaining)
            except (ActorDiedError, ActorUnavailableError) as error:
                self._retry(attempt, f"a replica died ({type(error).__name__})")
                continue
            except VocabularyMissing:
                published = self._published
                if published is None:
                    raise RemoteFailure("the deployment lost the vocabulary") from None
                self._retry(attempt, "the cluster lost the vocabulary; publishing it again")
                self._post(published)
                continue
            except RayTaskError as error:
                self.calls.record("error")
                raise RemoteFailure(_first_line(error)) from None
            except (GetTimeoutError, TimeoutError):
                break
            except RayActorError as error:
                self._retry(attempt, f"a replica failed ({type(error).__name__})")
                continue
            except Exception as error:  # the cluster itself: raylet or GCS gone
                self._lost(error)
                self.calls.record("unreachable")
                raise RemoteUnavailable(_reason(self, error)) from None
            self.calls.record("ok", time.monotonic() - start)
            return result
        self.calls.record("timeout")
        raise RemoteTimeout(
            f"the Ray application {self.app_name!r} did not answer within {self.timeout:g} s"
        )

    def _current_handle(self) -> Any:
        with self._lock:
            handle = self._handle
        if handle is None or not self.calls.reachable:
            self.calls.record("unreachable")
            snapshot = self.calls.snapshot()
            raise RemoteUnavailable(
                f"the Ray cluster at {self.address} is unreachable: {snapshot.error}"
            )
        return handle

    def _retry(self, attempt: int, why: str) -> None:
        self.calls.retried()
        _LOGGER.warning("Remote recognition, attempt %d: %s; trying again", attempt + 1, why)

    # --- reachability

    def _lost(self, error: BaseException) -> None:
        """Mark the cluster unreachable (logged once) and let the monitor reconnect."""
        with self._lock:
            was_reachable = self.calls.reachable
            self.calls.set_reachable(False, _first_line(error))
            self._handle = None
        if was_reachable:
            _LOGGER.error("Ray cluster at %s unreachable: %s", self.address, _first_line(error))
        self._wake.set()

    def _watch(self) -> None:
        """Probe the application every RAY_RECONNECT_INTERVAL seconds; reconnect when lost."""
        while not self._closed.is_set():
            self._wake.wait(RAY_RECONNECT_INTERVAL)
            self._wake.clear()
            if self._closed.is_set():
                return
            if self.calls.reachable:
                try:
                    handle = self._current_handle()
                    handle.vocabulary.remote().result(timeout_s=self.timeout)
                except Exception as error:
                    self._lost(error)
                continue
            self._reconnect()

    def _reconnect(self) -> None:
        try:
            if ray.is_initialized():
                ray.shutdown()
            self._connect()
            published = self._published
            if published is not None and published.key != BASE_VOCABULARY:
                ray.get(board(self.app_name).publish.remote(published), timeout=self.timeout)
        except Exception as error:
            with self._lock:
                self._handle = None
            self.calls.set_reachable(False, _first_line(error))
            _LOGGER.debug("Ray cluster still unreachable: %s", error)
            return
        self.calls.set_reachable(True)
        _LOGGER.info("Ray cluster at %s reachable again", self.address)


class RayRecognizer:
    """The `Recognizer` protocol over the deployment, for one vocabulary."""

    def __init__(
        self,
        connection: RayConnection,
        info: ModelInfo,
        lexicon: frozenset[str] | None,
        vocabulary: str = BASE_VOCABULARY,
    ) -> None:
        self.connection = connection
        self._info = info
        self._lexicon = lexicon
        self.vocabulary = vocabulary

    @property
    def info(self) -> ModelInfo:
        return self._info

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        start = time.perf_counter()
        result = self.connection.transcribe(SegmentRequest(encode_audio(audio), self.vocabulary))
        # The hop's own cost: the call's time less what the replica spent recognizing.
        remote = max(0.0, time.perf_counter() - start - sum(result.timings.values()))
        return Transcription(
            result.text,
            result.phonemes,
            {**result.timings, "remote": remote},
            result.score,
            result.source,
        )

    def knows_word(self, word: str) -> bool:
        """Whether the model's lexicon holds `word` (else the front end pronounces it)."""
        return self._lexicon is None or word in self._lexicon

    def with_vocabulary(self, settings: Settings, home: HomeVocabulary) -> RayRecognizer:
        """Publish the front end's vocabulary (home and runtime phrases, with the G2P
        pronunciations of their new words from this front end's cache) and return the
        recognizer that uses it (blocking: one replica has built it)."""
        document = {} if home.empty else home.to_document()
        phrases = tuple(settings.vocabulary)
        key = vocabulary_key(document, phrases)
        words = [*home_words(home), *phrase_words(phrases)]
        wanted = {word for word in words if not self.knows_word(word)}
        entry = PublishedVocabulary(
            key, document, phrases, _cached_pronunciations(settings, wanted)
        )
        self.connection.publish(entry)
        return RayRecognizer(self.connection, self._info, self._lexicon, key)


def _cached_pronunciations(settings: Settings, words: set[str]) -> dict[str, str]:
    path = settings.pronunciations_path
    found: dict[str, str] = {}
    if not words or not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, phonemes = line.partition("\t")
        if word in words and phonemes:
            found[word] = phonemes
    return found


def connect(settings: Settings, calls: RemoteCalls) -> RayRecognizer:
    """The recognizer for `settings` (blocking; RemoteUnavailable when the cluster or the
    application cannot be reached)."""
    connection = RayConnection(settings, calls)
    connection.connect()
    try:
        return RayRecognizer(connection, connection.model_info(), connection.lexicon())
    except Exception:
        connection.close()
        raise


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines() or [type(error).__name__])[-1 if "Traceback" in text else 0][:300]


def _reason(connection: RayConnection, error: BaseException) -> str:
    return (
        f"cannot reach the Ray application {connection.app_name!r} at {connection.address}: "
        f"{_first_line(error)}"
    )
