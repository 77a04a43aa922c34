"""The vocabulary build in the background: G2P in its own process, bounded, cancellable."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from wyoming_local_asr.vocabulary.builder import (
    BUILDING,
    FAILED,
    READY,
    TooMuchWork,
    VocabularyBuilder,
)
from wyoming_local_asr.vocabulary.home import HomeVocabulary
from wyoming_local_asr.vocabulary.pronunciations import (
    PronunciationCache,
    home_words,
    pronounce,
)
from wyoming_local_asr.vocabulary.store import VocabularyStore

# Made-up words: in no lexicon, so hama's G2P must pronounce each.
NEW_WORDS = [f"zorblax{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(400)]


def _known(word: str) -> bool:
    return word in {"turn", "on", "the", "kitchen", "light", "lights"}


def test_home_words_are_the_words_the_recognizer_looks_up() -> None:
    home = HomeVocabulary(sentences=("Movie time at 8",), phrases=("Nanoleaf Panels",))
    # the open decoder splits "8" as is, the grammar spells it
    assert home_words(home) == ["nanoleaf", "panels", "movie", "time", "at", "8", "eight"]


async def test_g2p_runs_in_a_process_and_keeps_words_as_they_come(tmp_path: Path) -> None:
    cache = PronunciationCache(tmp_path / "pronunciations.tsv")
    done: list[int] = []
    await pronounce(["nanoleaf", "roborock"], cache, done.append)
    assert done == [1, 2]
    lines = (tmp_path / "pronunciations.tsv").read_text().splitlines()
    assert lines == ["nanoleaf\tn æ n ə l i f", "roborock\tɹ oʊ b ɝ ɑ k"]
    assert "nanoleaf" in cache and "nanoleaf" in PronunciationCache(cache.path)
    assert cache.missing(["nanoleaf", "turn", "ecobee"], _known) == ["ecobee"]


async def test_cancelling_g2p_kills_its_process_at_once(tmp_path: Path) -> None:
    cache = PronunciationCache(tmp_path / "pronunciations.tsv")
    first = asyncio.Event()
    task = asyncio.create_task(pronounce(NEW_WORDS, cache, lambda n: first.set()))
    await asyncio.wait_for(first.wait(), 120)
    children = _children()
    assert children, "G2P runs in a child process"
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2
    assert not (_children() & children)
    kept = (tmp_path / "pronunciations.tsv").read_text().splitlines()
    assert 1 <= len(kept) < len(NEW_WORDS)  # what was pronounced stays
    again = PronunciationCache(cache.path)
    assert len(again.missing(NEW_WORDS, _known)) == len(NEW_WORDS) - len(kept)


def _children() -> set[int]:
    """Pids of this process's live children."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                found.add(int(entry.name))
    return found


class Installs:
    """The builder's last step as the server does it, minus the recognizer: records each home
    and how many of its words were pronounced by then."""

    def __init__(self, cache: PronunciationCache) -> None:
        self.cache = cache
        self.homes: list[HomeVocabulary] = []

    async def __call__(self, home: HomeVocabulary) -> None:
        assert not self.cache.missing(home_words(home), _known)  # G2P is done first
        self.homes.append(home)


def _builder(tmp_path: Path, max_new_words: int = 1000) -> tuple[VocabularyBuilder, Installs]:
    cache = PronunciationCache(tmp_path / "pronunciations.tsv")
    installs = Installs(cache)
    builder = VocabularyBuilder(
        active=HomeVocabulary(),
        cache=cache,
        known=lambda: _known,
        install=installs,
        max_new_words=max_new_words,
        store=VocabularyStore(tmp_path / "vocabulary.json"),
    )
    return builder, installs


async def test_submit_keeps_the_document_and_builds_it_later(tmp_path: Path) -> None:
    builder, installs = _builder(tmp_path)
    started = time.monotonic()
    await builder.submit({"phrases": ["turn on the kitchen light", "nanoleaf panels"]})
    assert time.monotonic() - started < 1.0  # G2P's start alone takes longer
    summary = builder.summary()
    assert summary["build"]["state"] == BUILDING
    assert summary["build"]["active_version"] == HomeVocabulary().version
    assert summary["build"]["words_to_pronounce"] == 2
    assert VocabularyStore(tmp_path / "vocabulary.json").load().version == summary["version"]
    await asyncio.wait_for(builder.wait(), 120)
    summary = builder.summary()
    assert summary["build"] == {"state": READY, "active_version": summary["version"]}
    assert [home.phrases for home in installs.homes] == [
        ("turn on the kitchen light", "nanoleaf panels")
    ]
    # The same document again: nothing to do.
    await builder.submit({"phrases": ["turn on the kitchen light", "nanoleaf panels"]})
    assert builder.state == READY and len(installs.homes) == 1


async def test_a_newer_vocabulary_supersedes_a_build(tmp_path: Path) -> None:
    builder, installs = _builder(tmp_path)
    await builder.submit({"phrases": NEW_WORDS[:200]})
    await asyncio.sleep(0.5)
    await builder.submit({"phrases": ["zorblax kitchen"]})
    await asyncio.wait_for(builder.wait(), 120)
    assert [home.phrases for home in installs.homes] == [("zorblax kitchen",)]
    assert builder.active.phrases == ("zorblax kitchen",)


async def test_too_much_g2p_is_refused_whole(tmp_path: Path) -> None:
    builder, _ = _builder(tmp_path, max_new_words=50)
    with pytest.raises(TooMuchWork, match=r"51 words are new to the model.*at most 50"):
        await builder.submit({"phrases": NEW_WORDS[:51]})
    assert builder.stored.empty and builder.state == READY
    assert not (tmp_path / "vocabulary.json").exists()
    # Known words and words pronounced before do not count.
    await builder.submit({"phrases": [*NEW_WORDS[:50], "turn on the kitchen lights"]})
    await asyncio.wait_for(builder.wait(), 120)
    await builder.submit({"phrases": NEW_WORDS[:100]})
    await builder.close()


async def test_a_failed_build_leaves_the_vocabulary_in_use(tmp_path: Path) -> None:
    cache = PronunciationCache(tmp_path / "pronunciations.tsv")

    async def broken(home: HomeVocabulary) -> None:
        raise RuntimeError("the model directory is gone")

    builder = VocabularyBuilder(
        active=HomeVocabulary(), cache=cache, known=lambda: _known, install=broken,
        max_new_words=10,
    )  # fmt: skip
    await builder.submit({"phrases": ["kitchen light"]})
    await asyncio.wait_for(builder.wait(), 30)
    build = builder.summary()["build"]
    assert build["state"] == FAILED and "model directory is gone" in build["error"]
    assert build["active_version"] == HomeVocabulary().version


async def test_runtime_phrases_are_pronounced_first_and_bounded(tmp_path: Path) -> None:
    builder, _ = _builder(tmp_path, max_new_words=3)
    with pytest.raises(TooMuchWork, match="5 words are new"):
        await builder.pronounce_phrases(["zorblax one", "zorblaxb zorblaxc zorblaxd", "the"])
    await builder.pronounce_phrases(["turn on the nanoleaf", "Roborock"])
    assert "nanoleaf" in builder._cache and "roborock" in builder._cache
