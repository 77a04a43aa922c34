"""The pronunciation lexicon: words and their phoneme sequences as model token ids.

On disk (`lexicon.tsv.gz`): `word<TAB>space-separated phonemes`, one line per pronunciation
variant. Phonemes are normalized to the model's canonical spelling ("ɡ" -> "g") and tokens that
are not phonemes (diacritics such as the dental mark in "d ̪ o", tones, spaces) are dropped:
the decoder treats them as silence, so they must not be required by a pronunciation.
"""

from __future__ import annotations

import gzip
import logging
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .phoneme_tokens import TokenTable, is_phoneme
from .trie import PronunciationTrie

_LOGGER = logging.getLogger(__name__)

# Turns words into phoneme sequences (one list of phonemes per word).
Pronouncer = Callable[[Sequence[str]], list[list[str]]]


class Lexicon:
    """Words, their pronunciations and the trie over those pronunciations."""

    def __init__(self, tokens: TokenTable) -> None:
        self.tokens = tokens
        self.words: list[str] = []
        # Word ids: the words read from the file by binary search over their sorted order (a
        # compact array instead of a dict of 72k entries: 4.6 MB less), words added later in a
        # small dict.
        self._sorted_ids = array("i")
        self._added_ids: dict[str, int] = {}
        self._phoneme_ids: dict[str, int | None] = {}
        self.trie = PronunciationTrie(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(1, np.int64), len(tokens)
        )
        self.skipped = 0  # variants dropped because a phoneme is unknown to the model

    @classmethod
    def load(cls, path: Path, tokens: TokenTable, only: Container[str] | None = None) -> Lexicon:
        """Read `word<TAB>phonemes` lines from a gzip or plain text file; with `only`, just the
        lines of those words."""
        return cls.from_lines(_read_lines(path, only), tokens)

    @classmethod
    def load_words(
        cls, path: Path, tokens: TokenTable, words: Collection[str], pronounce: Pronouncer
    ) -> tuple[Lexicon, dict[str, list[str]]]:
        """A lexicon of just `words`: their lines in `path`, and `pronounce` for those it lacks
        (returned too). Every pronunciation is in the trie from the start."""
        lines = list(_read_lines(path, words))
        known = {line.split("\t", 1)[0] for line in lines}
        missing = sorted(w for w in words if w not in known)
        made = dict(zip(missing, pronounce(missing), strict=True)) if missing else {}
        lines += [f"{word}\t{' '.join(phonemes)}" for word, phonemes in made.items()]
        return cls.from_lines(lines, tokens), made

    @classmethod
    def from_lines(cls, lines: Iterable[str], tokens: TokenTable) -> Lexicon:
        lexicon = cls(tokens)
        # Compact int arrays: a lexicon has about a million phonemes.
        word_ids = array("q")
        phonemes = array("q")
        offsets = array("q", [0])
        word_index: dict[str, int] = {}  # only while reading
        for line in lines:
            word, _, pronunciation = line.partition("\t")
            ids = lexicon.phoneme_ids(pronunciation.split())
            if not ids:
                lexicon.skipped += 1
                continue
            index = word_index.get(word)
            if index is None:
                word = sys.intern(word)  # shared with the language model's vocabulary
                index = word_index[word] = len(lexicon.words)
                lexicon.words.append(word)
            word_ids.append(index)
            phonemes.extend(ids)
            offsets.append(len(phonemes))
        lexicon._sorted_ids = array(
            "i", sorted(range(len(lexicon.words)), key=lexicon.words.__getitem__)
        )
        lexicon.trie = PronunciationTrie(
            np.frombuffer(word_ids, np.int64),
            np.frombuffer(phonemes, np.int64),
            np.frombuffer(offsets, np.int64),
            len(tokens),
        )
        if lexicon.skipped:
            _LOGGER.warning("Lexicon: skipped %d pronunciations", lexicon.skipped)
        return lexicon

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.word_id(word) is not None

    def word_id(self, word: str) -> int | None:
        index = self._added_ids.get(word)
        if index is not None:
            return index
        position = bisect_left(self._sorted_ids, word, key=self.words.__getitem__)
        if position < len(self._sorted_ids):
            index = self._sorted_ids[position]
            if self.words[index] == word:
                return index
        return None

    def phoneme_ids(self, phonemes: Sequence[str]) -> list[int] | None:
        """Token ids of a pronunciation without its non-phoneme tokens; None when a phoneme is
        not in the model's inventory."""
        ids: list[int] = []
        for phoneme in phonemes:
            index = self._phoneme_ids.get(phoneme, -1)
            if index == -1:
                index = self._phoneme_ids[phoneme] = self._lookup(phoneme)
            if index is None:
                return None
            if index >= 0:
                ids.append(index)
        return ids

    def _lookup(self, phoneme: str) -> int | None:
        """Token id of `phoneme`, -2 for tokens to drop, None for unknown phonemes."""
        if not is_phoneme(phoneme):
            return -2
        return self.tokens.phoneme_id(phoneme)

    def add(self, word: str, phonemes: Sequence[str]) -> bool:
        """Add one pronunciation of `word`; False when its phonemes cannot be used."""
        ids = self.phoneme_ids(phonemes)
        if not ids:
            return False
        index = self.word_id(word)
        if index is None:
            index = self._added_ids[word] = len(self.words)
            self.words.append(word)
        self.trie.add(index, ids)
        return True

    def add_words(
        self,
        words: Iterable[str],
        pronunciations: Mapping[str, Sequence[Sequence[str]]] | None = None,
        pronouncer: Pronouncer | None = None,
    ) -> list[str]:
        """Add words at run time: explicit `pronunciations` first, else the `pronouncer`
        (hama's G2P by default) for words not yet in the lexicon. Returns the words added."""
        pronunciations = pronunciations or {}
        added: list[str] = []
        for word, variants in pronunciations.items():
            usable = [self.add(word, variant) for variant in variants]  # add every variant
            if any(usable):
                added.append(word)
        missing = [w for w in dict.fromkeys(words) if w not in self and w not in added]
        if missing:
            pronounce = pronouncer or g2p_pronouncer()
            for word, phonemes in zip(missing, pronounce(missing), strict=True):
                if self.add(word, phonemes):
                    added.append(word)
        return added


def _read_lines(path: Path, only: Container[str] | None) -> Iterator[str]:
    """The `word<TAB>phonemes` lines of a gzip or plain text file (with `only`, of those words)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if only is None or line.split("\t", 1)[0] in only:
                yield line.rstrip("\n")


def g2p_pronouncer() -> Pronouncer:
    """hama's G2P (the acoustic model copies its phoneme style); ImportError without hama."""
    from hama import G2PModel

    model = G2PModel()

    def pronounce(words: Sequence[str]) -> list[list[str]]:
        return [[a.phoneme for a in model.predict(word).alignments] for word in words]

    return pronounce


def caching_pronouncer(path: Path, pronounce: Callable[[], Pronouncer]) -> Pronouncer:
    """`pronounce()`'s pronouncer (made only when a word is new) behind a TSV cache at `path`:
    a word's first G2P is paid once per data dir. Each word is kept as soon as it is
    pronounced, an empty pronunciation too (`vocabulary/pronunciations.py` fills the same file
    ahead of a build)."""
    cache: dict[str, list[str]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, phonemes = line.partition("\t")
            if word:
                cache[word] = phonemes.split()
    made: list[Pronouncer] = []

    def cached(words: Sequence[str]) -> list[list[str]]:
        new = [w for w in dict.fromkeys(words) if w not in cache]
        if new:
            if not made:
                made.append(pronounce())
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as stream:
                for word in new:
                    cache[word] = list(made[0]([word])[0])
                    stream.write(f"{word}\t{' '.join(cache[word])}\n")
                    stream.flush()
        return [cache[w] for w in words]

    return cached
