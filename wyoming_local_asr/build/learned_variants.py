"""Pronunciation variants learned from what the acoustic model hears.

The acoustic model has habits no G2P predicts: it hears "unmute" as "æ n d | n u" (a word
boundary after "un"), "mute" without its /j/, "volume" as "v æ l j u". Learning them:
1. speak sentences with TTS voices that the evaluation does not use (`cli/lexicon.py learn`);
2. take the model's greedy phonemes of each clip (with its word boundaries) after RNNoise and
   VAD, as in the server;
3. align them to the lexicon pronunciations of the reference words (`align_words`: edit
   distance where a word boundary only meets a word boundary) and count, per word, the
   phonemes heard in its place (`VariantCounts`);
4. keep a variant when it was heard often enough, in a large enough share of that word's
   occurrences, is close enough to a known pronunciation and does not make the word sound like
   another (`VariantCounts.select`).

The result is a small versioned file (`data/lexicon_learned_en.tsv`, same format as the
lexicon) that the model build appends to the lexicon.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..acoustic.default_model import LEARNED_LEXICON
from .measure import edit_distance

BOUNDARY = "|"

# Edit costs of the alignment: a word boundary the model inserted or missed costs less than a
# phoneme; a boundary never stands for a phoneme.
_PHONEME_COST = 1.0
_BOUNDARY_COST = 0.5
_NEVER = float("inf")


def align_words(pronunciations: Sequence[Sequence[str]], heard: Sequence[str]) -> list[list[str]]:
    """The phonemes heard for each word: `pronunciations[i]` is word i's expected phonemes,
    `heard` the greedy phonemes with `BOUNDARY` tokens between words. A phoneme heard between
    two words goes to the word the alignment puts it next to; boundaries are dropped."""
    expected: list[str] = []
    owner: list[int] = []  # word index of each expected token (boundaries: the next word)
    for index, phonemes in enumerate(pronunciations):
        if index:
            expected.append(BOUNDARY)
            owner.append(index)
        expected.extend(phonemes)
        owner.extend([index] * len(phonemes))
    rows, cols = len(expected) + 1, len(heard) + 1
    cost = [[0.0] * cols for _ in range(rows)]
    for i in range(1, rows):
        cost[i][0] = cost[i - 1][0] + _gap(expected[i - 1])
    for j in range(1, cols):
        cost[0][j] = cost[0][j - 1] + _gap(heard[j - 1])
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(
                cost[i - 1][j - 1] + _substitution(expected[i - 1], heard[j - 1]),
                cost[i - 1][j] + _gap(expected[i - 1]),
                cost[i][j - 1] + _gap(heard[j - 1]),
            )
    spans: list[list[str]] = [[] for _ in pronunciations]
    i, j = rows - 1, cols - 1
    # Walk back; a heard token goes to the word of the expected token it meets, or, when it is
    # an insertion, to the word of the expected token before it (a boundary belongs to the word
    # after it; the first word takes insertions at the start).
    while j > 0:
        here, token = cost[i][j], heard[j - 1]
        word = owner[i - 1] if i > 0 else 0  # of the expected token met or followed
        if i > 0 and here == cost[i - 1][j - 1] + _substitution(expected[i - 1], token):
            i -= 1  # a match or a substitution (a boundary only ever meets a boundary)
        elif i > 0 and here == cost[i - 1][j] + _gap(expected[i - 1]):
            i -= 1  # an expected token not heard
            continue
        j -= 1
        if token != BOUNDARY and spans:
            spans[word].insert(0, token)
    return spans


def _gap(token: str) -> float:
    return _BOUNDARY_COST if token == BOUNDARY else _PHONEME_COST


def _substitution(expected: str, heard: str) -> float:
    if expected == heard:
        return 0.0
    if BOUNDARY in (expected, heard):
        return _NEVER
    return _PHONEME_COST


# A learned variant must not sound like one of this many most frequent English words (a
# variant "h ɪ z" of "is" would be "his"): on the commands 2.4% -> 2.5% WER, for safety on
# everyday speech.
COMMON_WORDS = 5000


@dataclass(frozen=True)
class SelectOptions:
    min_count: int = 2  # times heard
    min_voices: int = 1  # distinct voices that said it
    min_share: float = 0.05  # of the word's occurrences
    # Edit distance to the closest known pronunciation, relative to its length.
    max_distance: float = 1.0
    min_phonemes: int = 2
    max_per_word: int = 5  # the most heard ones


@dataclass
class VariantCounts:
    """What each word sounded like, and who said it."""

    occurrences: Counter[str] = field(default_factory=Counter)
    # (word, phonemes heard in its place) -> times per voice
    heard: defaultdict[tuple[str, tuple[str, ...]], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )

    def add(
        self,
        words: Sequence[str],
        pronunciations: Sequence[Sequence[str]],
        heard: Sequence[str],
        voice: str,
    ) -> None:
        """One clip: its reference words, their expected phonemes, the greedy phonemes."""
        for word, span in zip(words, align_words(pronunciations, heard), strict=True):
            self.occurrences[word] += 1
            self.heard[word, tuple(span)][voice] += 1

    def select(
        self,
        known: Mapping[str, Sequence[Sequence[str]]],
        options: SelectOptions | None = None,
        common_words: Iterable[str] = (),
    ) -> dict[str, list[list[str]]]:
        """New variants per word, most heard first, by the rules of `options`. A variant never
        makes its word sound like another word of these sentences ("seconds" heard as
        "second"), like one of `common_words` (the language's most frequent words: "is" heard
        as "his"), or like a variant chosen before it for another word."""
        options = options or SelectOptions()
        taken = {
            tuple(pronunciation): word
            for word in (*self.occurrences, *common_words)
            for pronunciation in known.get(word, [])
        }
        candidates = sorted(
            ((sum(voices.values()), word, span, len(voices)) for (word, span), voices in
             self.heard.items()),
            key=lambda item: (-item[0], item[1], item[2]),
        )  # fmt: skip
        chosen: dict[str, list[list[str]]] = defaultdict(list)
        for count, word, span, voices in candidates:
            references = [list(r) for r in known.get(word, [])]
            if (
                len(chosen[word]) >= options.max_per_word
                or len(span) < options.min_phonemes
                or count < options.min_count
                or voices < options.min_voices
                or count < options.min_share * self.occurrences[word]
                or not references
                or list(span) in references
                or taken.get(span, word) != word
            ):
                continue
            distance = min(edit_distance(span, r) / max(len(r), 1) for r in references)
            if distance <= options.max_distance:
                taken[span] = word
                chosen[word].append(list(span))
        return {word: found for word, found in sorted(chosen.items()) if found}


def write_variants(path: Path, variants: Mapping[str, Sequence[Sequence[str]]]) -> int:
    """`word<TAB>phonemes` lines (the lexicon's format); returns the number of lines."""
    lines = [
        f"{word}\t{' '.join(variant)}\n"
        for word, found in sorted(variants.items())
        for variant in found
    ]
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def read_variants(path: Path = LEARNED_LEXICON) -> list[str]:
    """The learned lexicon lines (none when the file is missing)."""
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def known_pronunciations(lines: Iterable[str]) -> dict[str, list[list[str]]]:
    """Lexicon lines grouped by word."""
    known: dict[str, list[list[str]]] = defaultdict(list)
    for line in lines:
        word, _, phonemes = line.partition("\t")
        known[word].append(phonemes.split())
    return dict(known)
