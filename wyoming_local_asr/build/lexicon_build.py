"""Build the English pronunciation lexicon: hama's G2P first, mapped CMUdict forms as variants.

Two steps, so that the slow one can be stopped and resumed at any time:
1. `run_g2p`: hama's G2P over the words, most useful first, appended to a cache file
   (`word<TAB>JSON list of G2P tokens`); words already in the cache are skipped.
2. `write_lexicon`: the final `word<TAB>phonemes` gzip, for every word: the G2P form (when G2P
   has the word and did not spell it letter by letter, see `is_spelled`), then the distinct
   CMUdict variants. Words G2P has not reached yet still get their CMUdict forms, so the lexicon is
   complete either way.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..decode.phoneme_tokens import is_phoneme
from ..progress import Progress
from .arpabet import read_cmudict
from .pocketsphinx_files import cmudict_path, frequent_words
from .priority_words import priority_words

_LOGGER = logging.getLogger(__name__)

SPACE = " "  # the token G2P writes between letters in its "spelled" foreign mode

# Canonical spelling of phonemes that the model's inventory holds twice.
PHONEME_ALIASES = {"ɡ": "g"}

G2P = Callable[[str], list[str]]


def ordered_words(
    lm_path: Path | None = None, cmu: dict[str, list[list[str]]] | None = None
) -> list[str]:
    """Priority words, LM words CMUdict lacks (so that every word soon has a pronunciation),
    then the rest of the LM vocabulary by decreasing unigram probability."""
    cmu = cmu if cmu is not None else read_cmudict(cmudict_path())
    rest = frequent_words(None, lm_path)
    ordered = dict.fromkeys(priority_words())
    ordered.update(dict.fromkeys(word for word in rest if word not in cmu))
    ordered.update(dict.fromkeys(rest))
    return list(ordered)


def g2p_text(word: str) -> str | None:
    """What G2P reads for `word`; None for words better left to CMUdict (letters such as "a.")."""
    if "." in word:
        return None
    text = " ".join(word.replace("-", " ").split())
    return text or None


def hama_g2p() -> G2P:
    import hama

    model = hama.G2PModel()

    def pronounce(text: str) -> list[str]:
        result = model.predict(text)
        return [alignment.phoneme for alignment in result.alignments]

    return pronounce


def read_cache(path: Path) -> dict[str, list[str]]:
    """G2P results done so far; a line cut short by a kill is dropped (and redone)."""
    done: dict[str, list[str]] = {}
    if not path.exists():
        return done
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if not line.endswith("\n"):
                break
            word, _, tokens = line.rstrip("\n").partition("\t")
            try:
                done[word] = list(json.loads(tokens))
            except json.JSONDecodeError:
                continue
    return done


def _truncate_partial_line(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def run_g2p(
    words: Sequence[str],
    cache: Path,
    g2p: G2P | None = None,
    limit: int | None = None,
    flush_every: int = 20,
) -> int:
    """G2P every word of `words` not yet in `cache`, appending as it goes; returns words done.
    One run at a time per cache (a lock file next to it): two writers would interleave lines."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.with_name(cache.name + ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another lexicon build is writing {cache}") from None
        return _run_g2p_locked(words, cache, g2p, limit, flush_every)


def _run_g2p_locked(
    words: Sequence[str], cache: Path, g2p: G2P | None, limit: int | None, flush_every: int
) -> int:
    _truncate_partial_line(cache)
    done = read_cache(cache)
    todo = [word for word in words if word not in done and g2p_text(word) is not None]
    if limit is not None:
        todo = todo[:limit]
    _LOGGER.info("G2P: %d words cached, %d to do", len(done), len(todo))
    if not todo:
        return 0
    pronounce = g2p or hama_g2p()
    with cache.open("a", encoding="utf-8") as stream, Progress("g2p", len(todo)) as progress:
        for count, word in enumerate(todo, 1):
            text = g2p_text(word)
            assert text is not None
            tokens = pronounce(text)
            stream.write(f"{word}\t{json.dumps(tokens, ensure_ascii=False)}\n")
            if count % flush_every == 0:
                stream.flush()
                os.fsync(stream.fileno())
            progress.advance(note=word)
    return len(todo)


def normalize_phonemes(tokens: Iterable[str]) -> list[str]:
    """Canonical phoneme spelling; spaces, ties and diacritics (not phonemes) dropped."""
    result = []
    for token in tokens:
        phoneme = PHONEME_ALIASES.get(token, token).strip()
        if phoneme and is_phoneme(phoneme):
            result.append(phoneme)
    return result


def is_spelled(tokens: Sequence[str]) -> bool:
    """True for G2P output in its "spelled" foreign mode, letters between space tokens
    ("espresso" -> "e s p r ɛ s s o"; about 7% of the words).

    Other foreign-looking G2P forms ("me" -> "m e", "go" -> "ɡ o") are kept: the acoustic model
    emits exactly those (greedy phonemes of real and synthetic speech), and dropping them in
    favour of CMUdict's forms raised the WER on synthesized commands from 6.4% to 7.7%.
    """
    return SPACE in tokens


def pronunciations(
    word: str, g2p_tokens: list[str] | None, cmu: dict[str, list[list[str]]]
) -> list[list[str]]:
    """The variants of one word: the G2P form first, then the distinct CMUdict forms.

    A spelled G2P form is kept only when CMUdict has no entry, so that every word G2P has seen
    keeps some pronunciation.
    """
    variants: list[list[str]] = []
    cmu_variants = cmu.get(word, [])
    if g2p_tokens is not None and (not is_spelled(g2p_tokens) or not cmu_variants):
        g2p_form = normalize_phonemes(g2p_tokens)
        if g2p_form:
            variants.append(g2p_form)
    for variant in cmu_variants:
        if variant not in variants:
            variants.append(variant)
    return variants


def write_lexicon(
    words: Sequence[str],
    cache: Path,
    output: Path,
    cmu: dict[str, list[list[str]]] | None = None,
) -> dict[str, int]:
    """Write the final gzip lexicon in `words` order; returns counts for a report."""
    done = read_cache(cache)
    cmu = cmu if cmu is not None else read_cmudict(cmudict_path())
    stats = {"words": 0, "g2p": 0, "spelled": 0, "cmu_only": 0, "missing": 0, "lines": 0}
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    # mtime 0: the same content gives the same bytes (the file is versioned).
    with (
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as stream,
    ):
        for word in words:
            tokens = done.get(word)
            variants = pronunciations(word, tokens, cmu)
            if not variants:
                stats["missing"] += 1
                continue
            stats["words"] += 1
            if tokens is None:
                stats["cmu_only"] += 1
            elif is_spelled(tokens):
                stats["spelled"] += 1
            else:
                stats["g2p"] += 1
            for variant in variants:
                stream.write(f"{word}\t{' '.join(variant)}\n".encode())
                stats["lines"] += 1
    partial.replace(output)
    return stats
