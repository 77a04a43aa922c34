"""The recognizer as a Ray Serve deployment: what each replica runs (`ray deploy` starts it).

A replica loads the model from its data dir exactly as the local server does
(`asr_service.load_recognizer_for`, the same model cards and layout) and answers
`SegmentRequest`s with `Transcription`s. With batching on, requests that arrive within
`batch_wait_s` of each other (up to `batch_size`) are run together by `@serve.batch`: the
segments of one vocabulary share one acoustic pass (`CtcRecognizer.transcribe_batch`, padded
batches when the model batches exactly: an fp32 graph that masks padding) and are decoded one
by one, in the replica's worker thread.

The home vocabulary comes from the application's `VocabularyBoard` (`vocabulary_board.py`): a
request names the key of the vocabulary its front end uses; a replica holding another key
fetches that one and builds its recognizer first (one build at a time; requests wait for it,
bounded by the front end's timeout), and a background task follows the newest key so that
replicas seldom wait. A replica keeps the recognizers of its last `RAY_REPLICA_VOCABULARIES`
keys, so front ends of different homes (or one that has not caught up yet) need no rebuild;
front ends of one home that all follow Home Assistant hold the same document, hence one key.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import ray
from ray import serve

from ..acoustic.default_model import is_current
from ..asr_service import load_recognizer_for
from ..config import (
    DEFAULT_MODEL,
    DEFAULT_RAY_BATCH_SIZE,
    DEFAULT_RAY_BATCH_WAIT_S,
    DEFAULT_RAY_MAX_ONGOING,
    RAY_REPLICA_VOCABULARIES,
    RAY_VOCABULARY_POLL_S,
    Settings,
)
from ..ctc_recognizer import CtcRecognizer
from ..decode.lm_files import LEXICON_FILE
from ..recognizer import ModelInfo, Recognizer, Transcription
from ..vocabulary.home import HomeVocabulary, parse_vocabulary
from ..vocabulary.pronunciations import PronunciationCache
from .vocabulary_board import board
from .wire import (
    BASE_VOCABULARY,
    PublishedVocabulary,
    SegmentRequest,
    VocabularyMissing,
    decode_audio,
)

# Serve writes this logger to each replica's own log file (`logs/serve/replica_*.log`).
_LOGGER = logging.getLogger("ray.serve")

DEPLOYMENT_NAME = "recognizer"


@dataclass(frozen=True)
class DeploymentOptions:
    """What `ray deploy` asks for (defaults in `config.py`)."""

    app_name: str
    replicas: int
    cpus_per_replica: float
    gpus_per_replica: float
    batch_size: int = DEFAULT_RAY_BATCH_SIZE
    batch_wait_s: float = DEFAULT_RAY_BATCH_WAIT_S
    # False: every segment is run as it comes (the benchmark's "batching off").
    batching: bool = True
    max_ongoing_requests: int = DEFAULT_RAY_MAX_ONGOING


class RecognizerReplica:
    """One replica of the deployment."""

    def __init__(self, settings: Settings, options: DeploymentOptions) -> None:
        if settings.model == DEFAULT_MODEL and not is_current(settings.model_dir):
            raise RuntimeError(
                f"the default model in {settings.model_dir} is missing or outdated on this "
                "node: run `wyoming-local-asr model build` (or `ray deploy` once here)"
            )
        self.settings = settings
        self.options = options
        # Recognizers by vocabulary key, the most recently used last (front ends of different
        # homes may share the deployment; a front end still on an older key needs no rebuild).
        self._recognizers: OrderedDict[str, Recognizer] = OrderedDict(
            {BASE_VOCABULARY: load_recognizer_for(settings)}
        )
        self._build_lock = asyncio.Lock()
        self._board = board(options.app_name)
        self._follower: asyncio.Task[None] | None = None
        type(self).transcribe_batch.set_max_batch_size(options.batch_size)  # type: ignore[attr-defined]
        type(self).transcribe_batch.set_batch_wait_timeout_s(options.batch_wait_s)  # type: ignore[attr-defined]
        _LOGGER.info("Replica ready: %s", self.info().name)

    def info(self) -> ModelInfo:
        return next(iter(self._recognizers.values())).info

    def lexicon(self) -> list[str] | None:
        """The words the model's lexicon holds (a front end's G2P skips them); None for a
        model without a lexicon (it decodes every word)."""
        path = self.settings.model_dir / LEXICON_FILE
        if not path.is_file():
            return None
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return list(dict.fromkeys(line.partition("\t")[0] for line in stream))

    def vocabulary(self) -> list[str]:
        """The vocabulary keys this replica holds recognizers for, the newest last."""
        return list(self._recognizers)

    async def prepare(self, key: str) -> list[str]:
        """Build the vocabulary `key` now (a front end's update); returns the keys held."""
        await self._use(key)
        return list(self._recognizers)

    async def transcribe(self, request: SegmentRequest) -> Transcription:
        self._follow()
        job = (await self._use(request.vocabulary), request)
        if self.options.batching:
            result: Transcription = await self.transcribe_batch(job)
            return result
        return (await asyncio.to_thread(self._recognize, [job]))[0]

    @serve.batch(
        max_batch_size=DEFAULT_RAY_BATCH_SIZE, batch_wait_timeout_s=DEFAULT_RAY_BATCH_WAIT_S
    )
    async def transcribe_batch(
        self, jobs: list[tuple[Recognizer, SegmentRequest]]
    ) -> list[Transcription]:
        return await asyncio.to_thread(self._recognize, jobs)

    def _recognize(self, jobs: list[tuple[Recognizer, SegmentRequest]]) -> list[Transcription]:
        return recognize_batch(jobs)

    async def _use(self, key: str) -> Recognizer:
        """The recognizer for vocabulary `key`, built first if this replica has none."""
        recognizer = self._recognizers.get(key)
        if recognizer is None:
            async with self._build_lock:
                recognizer = self._recognizers.get(key)
                if recognizer is None:
                    recognizer = await self._build_for(key)
        self._recognizers.move_to_end(key)
        return recognizer

    async def _build_for(self, key: str) -> Recognizer:
        entry = await self._fetch(key)
        if entry is None:
            raise VocabularyMissing(key)
        recognizer = await asyncio.to_thread(self._build, entry)
        self._recognizers[key] = recognizer
        while len(self._recognizers) > RAY_REPLICA_VOCABULARIES:
            self._recognizers.popitem(last=False)
        home = entry.document.get("version", "none")
        _LOGGER.info("Vocabulary %s in use (home %s)", key or "(base)", home)
        return recognizer

    async def _fetch(self, key: str) -> PublishedVocabulary | None:
        if key == BASE_VOCABULARY:
            return PublishedVocabulary(BASE_VOCABULARY)
        entry: PublishedVocabulary | None = await self._board.get.remote(key)
        return entry

    def _build(self, entry: PublishedVocabulary) -> Recognizer:
        """The recognizer for `entry`: its pronunciations join this node's cache first, so the
        build runs no G2P."""
        cache = PronunciationCache(self.settings.pronunciations_path)
        for word, phonemes in entry.pronunciations.items():
            if word not in cache:
                cache.add(word, phonemes)
        home = parse_vocabulary(entry.document) if entry.document else HomeVocabulary()
        return load_recognizer_for(replace(self.settings, vocabulary=entry.phrases), home)

    def _follow(self) -> None:
        """Start following the board's newest key (once, from the replica's event loop)."""
        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(self._follow_board())

    async def _follow_board(self) -> None:
        while True:
            await asyncio.sleep(RAY_VOCABULARY_POLL_S)
            with contextlib.suppress(Exception):  # the next request builds what it needs
                latest: str = await self._board.latest.remote()
                if latest and latest not in self._recognizers:
                    await self._use(latest)


def recognize_batch(jobs: list[tuple[Recognizer, SegmentRequest]]) -> list[Transcription]:
    """The transcriptions of a batch's segments, in order: one acoustic pass for the segments
    of each recognizer (`CtcRecognizer.transcribe_batch`), each segment decoded in turn."""
    results: dict[int, Transcription] = {}
    groups: dict[int, list[int]] = {}
    for index, (recognizer, _) in enumerate(jobs):
        groups.setdefault(id(recognizer), []).append(index)
    for indices in groups.values():
        recognizer = jobs[indices[0]][0]
        audios = [decode_audio(jobs[i][1].pcm) for i in indices]
        if isinstance(recognizer, CtcRecognizer):
            answers = recognizer.transcribe_batch(audios)
        else:
            answers = [recognizer.transcribe(audio) for audio in audios]
        results.update(zip(indices, answers, strict=True))
    return [results[index] for index in range(len(jobs))]


def application(settings: Settings, options: DeploymentOptions) -> Any:
    """The Serve application for `serve.run`."""
    deployment = serve.deployment(
        name=DEPLOYMENT_NAME,
        num_replicas=options.replicas,
        ray_actor_options={
            "num_cpus": options.cpus_per_replica,
            "num_gpus": options.gpus_per_replica,
        },
        max_ongoing_requests=options.max_ongoing_requests,
        health_check_period_s=2.0,
        health_check_timeout_s=10.0,
    )(RecognizerReplica)
    return deployment.bind(settings, options)


def build_app(args: dict[str, Any]) -> Any:
    """The application from a Serve config file (`serve run`, KubeRay's `serveConfigV2`):
    `import_path: wyoming_local_asr.remote.deployment:build_app` with `args` naming `data_dir`
    and optionally `model`, `threads`, `precision`, `beam`, `app_name`, `replicas`,
    `cpus_per_replica`, `gpus_per_replica`, `batch_size`, `batch_wait_s`, `batching`,
    `max_ongoing_requests` (checked as `ray deploy` checks its options)."""
    from ..config import load_settings

    setting_keys = ("data_dir", "model", "threads", "precision", "beam", "device")
    settings = load_settings({k: args[k] for k in setting_keys if k in args}, environ={})
    defaults = DeploymentOptions(settings.ray_deployment, 1, 1.0, 0.0)
    options = DeploymentOptions(
        app_name=str(args.get("app_name", defaults.app_name)),
        replicas=int(args.get("replicas", defaults.replicas)),
        cpus_per_replica=float(args.get("cpus_per_replica", defaults.cpus_per_replica)),
        gpus_per_replica=float(args.get("gpus_per_replica", defaults.gpus_per_replica)),
        batch_size=int(args.get("batch_size", defaults.batch_size)),
        batch_wait_s=float(args.get("batch_wait_s", defaults.batch_wait_s)),
        batching=str(args.get("batching", "true")).lower() in ("1", "true", "yes", "on"),
        max_ongoing_requests=int(args.get("max_ongoing_requests", defaults.max_ongoing_requests)),
    )
    if settings.threads == 0:
        settings = replace(settings, threads=max(1, int(options.cpus_per_replica)))
    return application(settings, options)


def deploy(settings: Settings, options: DeploymentOptions) -> None:
    """Start (or update) the application on the cluster `ray.init` connected to; returns once
    every replica is up. The application outlives this driver."""
    serve.start(proxy_location="Disabled")
    serve.run(application(settings, options), name=options.app_name, route_prefix=None)
    board(options.app_name)
    _LOGGER.info("Deployed %s: %d replicas", options.app_name, options.replicas)


def replica_actor_names(app_name: str) -> list[str]:
    """The Ray actor names of the application's running replicas (namespace "serve")."""
    prefix = f"SERVE_REPLICA::{app_name}#{DEPLOYMENT_NAME}#"
    return sorted(
        actor["name"]
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["name"].startswith(prefix)
    )
