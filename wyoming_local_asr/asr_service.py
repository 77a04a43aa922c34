"""The running recognizer and its pipeline, swapped atomically on reload or config change.

Every utterance takes the current `Engine` when it starts and keeps it to the end, so a reload
or a settings change never disturbs an utterance in flight: it finishes on the engine it
started with. `AsrService` is also the server's side of the operations API
(`ops.control.ServiceControl`).
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import voluptuous as vol

from .audio.denoise import Denoiser
from .audio.vad import Endpointer
from .config import MAX_NEW_WORDS_PER_UPDATE, ConfigError, Settings
from .memory import release_free_memory
from .ops.config_api import CONFIG_CHANGES_SCHEMA, describe_invalid
from .ops.control import ServiceInfo
from .pipeline import Pipeline
from .recognizer import ModelInfo, Recognizer
from .vocabulary.builder import VocabularyBuilder
from .vocabulary.home import HomeVocabulary
from .vocabulary.pronunciations import PronunciationCache
from .vocabulary.store import VocabularyStore
from .worker_pool import Priority, WorkerPool

_T = TypeVar("_T")

# Builds a recognizer for settings (model, device, threads, beam, vocabulary) and the home's
# vocabulary: blocking.
RecognizerLoader = Callable[[Settings, HomeVocabulary], Recognizer]


@dataclass(frozen=True)
class Engine:
    """What one utterance runs with."""

    settings: Settings
    recognizer: Recognizer
    pipeline: Pipeline


def load_recognizer_for(settings: Settings, home: HomeVocabulary | None = None) -> Recognizer:
    """The recognizer for `settings` (blocking): model, device, threads, beam, vocabulary; with
    the `home`'s names, sentences and (with `settings.grammar`) its grammar's fast path."""
    from .ctc_recognizer import load_recognizer
    from .decode.home_decoder import FastPathOptions

    recognizer = load_recognizer(
        settings.model_dir,
        quantized=settings.precision == "int8",
        beam=settings.beam,
        threads=settings.onnx_threads,
        device=settings.device,
        home=home,
        fast_path=FastPathOptions(settings.grammar_threshold) if settings.grammar else None,
        pronunciations=settings.pronunciations_path,
        batching=batching(settings),
    )
    if settings.vocabulary:
        recognizer.add_phrases(settings.vocabulary)
    release_free_memory()
    return recognizer


def batching(settings: Settings) -> tuple[float, int] | None:
    """The micro-batching window (seconds) and size `settings` ask for; None: off."""
    if settings.max_batch < 2:
        return None
    return settings.batch_window_ms / 1000, settings.max_batch


def build_engine(settings: Settings, recognizer: Recognizer) -> Engine:
    """The pipeline around `recognizer` that `settings` ask for (the server's, eval's, bench's)."""
    denoiser = Denoiser() if settings.denoise else None
    endpointer = Endpointer(settings.vad_aggressiveness) if settings.vad else None
    below_snr = None if math.isinf(settings.denoise_below_snr) else settings.denoise_below_snr
    pipeline = Pipeline(
        recognizer,
        denoiser,
        endpointer,
        compare_original=settings.compare_original,
        denoise_below_snr=below_snr,
    )
    return Engine(settings, recognizer, pipeline)


def default_workers(settings: Settings | None = None) -> int:
    """Pipeline threads: one per core, at least two so a partial never delays a final; with
    micro-batching, as many as a batch holds (each waits in it for its own result)."""
    cores = max(2, min(8, os.cpu_count() or 1))
    window = batching(settings) if settings is not None else None
    return max(cores, window[1]) if window is not None else cores


class AsrService:
    """Owns the current engine and the worker threads that run it."""

    def __init__(
        self,
        settings: Settings,
        recognizer: Recognizer,
        *,
        loader: RecognizerLoader | None = None,
        workers: int | None = None,
        home: HomeVocabulary | None = None,
        store: VocabularyStore | None = None,
    ) -> None:
        # Model and vocabulary builds run here, never on the recognizer's worker threads (not
        # at a lower priority: a thread descheduled while it holds the GIL stalls them all).
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr-build")
        self._engine = build_engine(settings, recognizer)
        self._loader = loader
        self.workers = workers or default_workers(settings)
        # Finals before conversion work, clients that left dropped (worker_pool.py).
        self._pool = WorkerPool(self.workers, name="asr-worker")
        self._swap_lock = asyncio.Lock()
        self.vocabulary = VocabularyBuilder(
            active=home or HomeVocabulary(),
            cache=PronunciationCache(settings.pronunciations_path),
            known=lambda: knows_word(self._engine.recognizer),
            install=self._install_home,
            max_new_words=MAX_NEW_WORDS_PER_UPDATE,
            store=store,
        )
        # The port the Wyoming server is bound to (set by the server once it listens).
        self.wyoming_port: int | None = None

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def settings(self) -> Settings:
        return self._engine.settings

    @property
    def model_info(self) -> ModelInfo:
        return self._engine.recognizer.info

    @property
    def has_idle_worker(self) -> bool:
        """Whether optional work (a streaming partial) can run now without making others wait."""
        return self._pool.busy < self.workers

    async def run_blocking(
        self,
        function: Callable[..., _T],
        *args: Any,
        priority: Priority | Callable[[], Priority] = Priority.FINAL,
        dropped: Callable[[], bool] | None = None,
    ) -> _T:
        """Run blocking work on the worker threads, never on the event loop; the most urgent
        first, clients in turn by address (`worker_pool`); `dropped` is asked when its turn
        comes (True: not run, `Dropped` is raised)."""
        return await self._pool.run(function, *args, priority=priority, dropped=dropped or _never)

    def shutdown(self) -> None:
        self._pool.shutdown()
        self._builder.shutdown(wait=False, cancel_futures=True)

    # --- ops.control.ServiceControl

    def info(self) -> ServiceInfo:
        return ServiceInfo(
            models=[self._engine.recognizer.info],
            wyoming_port=self.wyoming_port,
            tls=self.settings.tls,
        )

    async def reload_model(self) -> ModelInfo:
        async with self._swap_lock:
            settings = self.settings
            recognizer = await self._load(settings)
            self._swap(settings, recognizer)
        return recognizer.info

    async def update_config(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        try:
            checked = CONFIG_CHANGES_SCHEMA(dict(changes))
        except vol.Invalid as error:
            raise ConfigError(describe_invalid(error)) from None
        async with self._swap_lock:
            engine = self._engine
            settings = _apply(engine.settings, checked)
            check_language(settings.language, engine.recognizer.info)
            recognizer = engine.recognizer
            if (settings.beam, settings.vocabulary) != (
                engine.settings.beam,
                engine.settings.vocabulary,
            ):
                if settings.vocabulary != engine.settings.vocabulary:
                    await self.vocabulary.pronounce_phrases(settings.vocabulary)
                recognizer = await self._load(settings)
            self._swap(settings, recognizer)
        return self.runtime_values()

    async def set_vocabulary(self, document: Mapping[str, Any]) -> dict[str, Any]:
        await self.vocabulary.submit(document)
        return self.vocabulary_summary()

    def vocabulary_document(self) -> dict[str, Any]:
        return self.vocabulary.stored.to_document()

    def vocabulary_summary(self) -> dict[str, Any]:
        return self.vocabulary.summary()

    async def _install_home(self, home: HomeVocabulary) -> None:
        """Build the recognizer for `home` and swap it in (the vocabulary builder's last step)."""
        async with self._swap_lock:
            settings = self.settings
            recognizer = await self._load(settings, home)
            self._swap(settings, recognizer)

    def runtime_values(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "language": settings.language,
            "beam": settings.beam,
            "vad_aggressiveness": settings.vad_aggressiveness,
            "denoise": settings.denoise,
            "vocabulary": list(settings.vocabulary),
        }

    async def _load(self, settings: Settings, home: HomeVocabulary | None = None) -> Recognizer:
        if self._loader is None:
            raise ConfigError("this server was started without a model loader")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._builder,
            self._loader,
            settings,
            home if home is not None else self.vocabulary.active,
        )

    def _swap(self, settings: Settings, recognizer: Recognizer) -> None:
        # One assignment: utterances that already hold the old engine keep it.
        self._engine = build_engine(settings, recognizer)


def _apply(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "vocabulary":
            values["vocabulary"] = tuple(value)
        else:
            values[key] = value
    return replace(settings, **values)


def knows_word(recognizer: Recognizer) -> Callable[[str], bool]:
    """Whether `recognizer` can decode a word without its G2P pronunciation (every word, for a
    recognizer without a lexicon)."""
    knows = getattr(recognizer, "knows_word", None)
    return knows if callable(knows) else (lambda word: True)


def _never() -> bool:
    return False


def check_language(language: str, info: ModelInfo) -> None:
    primary = language.replace("_", "-").split("-")[0].lower()
    supported = {code.replace("_", "-").split("-")[0].lower() for code in info.languages}
    if primary not in supported:
        raise ConfigError(
            f"language {language!r} is not one of the model's: {', '.join(info.languages)}"
        )
