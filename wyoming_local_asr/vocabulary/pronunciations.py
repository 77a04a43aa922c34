"""The home's words that need hama's G2P, and computing them in the background.

`<data dir>/pronunciations.tsv` keeps every word pronounced so far (`word<TAB>phonemes`; an
empty pronunciation is kept too, so a word G2P cannot pronounce is not tried again). The
recognizer reads it when it is built (`decode.lexicon.caching_pronouncer`); `pronounce`
fills it beforehand, in a separate low-priority process (`g2p_worker.py`) that is killed when
the build is cancelled, so that a build never blocks the server or its shutdown.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from ..decode.command_words import normalize_sentence
from .grammar import home_phrases
from .home import HomeVocabulary

_LOGGER = logging.getLogger(__name__)

# How the open decoder splits a phrase into words (`decode/decoder.py`).
_WORD = re.compile(r"[\w']+")
# The worker's own start (Python, numpy, hama's G2P model), then each word.
_START_TIMEOUT_S = 120.0
_WORD_TIMEOUT_S = 30.0


def home_words(home: HomeVocabulary) -> list[str]:
    """The words the recognizer looks up for `home`: its phrases split as the open decoder
    splits them, and its names and sentences as the grammar normalizes them."""
    phrases = home_phrases(home)
    words = dict.fromkeys(phrase_words(phrases))
    for text in (*phrases, *home.sentences):
        words.update(dict.fromkeys(normalize_sentence(text)))
    return list(words)


def lexicon_words(path: Path, words: Iterable[str]) -> set[str]:
    """Which of `words` the model's lexicon file (`lexicon.tsv.gz`, or plain text) holds."""
    wanted = set(words)
    found: set[str] = set()
    if not wanted or not path.is_file():
        return found
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            word = line.partition("\t")[0]
            if word in wanted:
                found.add(word)
    return found


def phrase_words(phrases: Iterable[str]) -> list[str]:
    """The words of `phrases` as the open decoder splits them (`add_phrases`)."""
    return list(dict.fromkeys(w for phrase in phrases for w in _WORD.findall(phrase.lower())))


class PronunciationCache:
    """Which words `pronunciations.tsv` holds, and adding to it (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._words: set[str] = set()
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                word = line.partition("\t")[0]
                if word:
                    self._words.add(word)

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def missing(self, words: Iterable[str], known: Callable[[str], bool]) -> list[str]:
        """The `words` neither `known` (to the model's lexicon) nor pronounced before."""
        return [w for w in dict.fromkeys(words) if w not in self._words and not known(w)]

    def add(self, word: str, phonemes: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(f"{word}\t{phonemes}\n")
            self._words.add(word)


class G2PError(RuntimeError):
    """The G2P process failed (it is missing, crashed or stalled)."""


async def pronounce(
    words: list[str], cache: PronunciationCache, progress: Callable[[int], None] | None = None
) -> None:
    """Pronounce `words` into `cache` in a G2P process. Cancelling kills the process at once;
    the words answered until then stay in the cache."""
    if not words:
        return
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wyoming_local_asr.vocabulary.g2p_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    errors = asyncio.ensure_future(process.stderr.read())  # drained, so it never blocks
    try:
        process.stdin.write("".join(f"{word}\n" for word in words).encode())
        await process.stdin.drain()
        process.stdin.close()
        expected = set(words)
        done = 0
        timeout = _START_TIMEOUT_S
        while done < len(words):
            line = await asyncio.wait_for(process.stdout.readline(), timeout)
            timeout = _WORD_TIMEOUT_S
            if not line:
                raise G2PError(await _failure(process, errors))
            word, _, phonemes = line.decode("utf-8").rstrip("\n").partition("\t")
            if word in expected:
                cache.add(word, phonemes)
                done += 1
                if progress is not None:
                    progress(done)
        await asyncio.wait_for(process.wait(), _WORD_TIMEOUT_S)
    except TimeoutError:
        raise G2PError("the G2P process stalled") from None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        errors.cancel()


async def _failure(process: asyncio.subprocess.Process, errors: asyncio.Future[bytes]) -> str:
    code = await process.wait()
    error = (await errors).decode("utf-8", "replace").strip().splitlines()
    return f"the G2P process exited with {code}: {error[-1] if error else 'no message'}"
