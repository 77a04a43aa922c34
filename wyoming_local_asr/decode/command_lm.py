"""The command language model: a small Witten-Bell trigram over Home Assistant command sentences.

It is built in memory from the template sentences (`command_corpus.py`, with `<name>`, `<area>`
and `<floor>` placeholders) in a fraction of a second, so phrases added at run time (entity names,
custom sentences) simply recount it. Scores are natural logs; unknown words share the
model's smoothing mass with every other word it has not seen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .command_words import (
    AREA,
    DEFAULT_AREAS,
    DEFAULT_FLOORS,
    DEFAULT_NAMES,
    FLOOR,
    NAME,
    normalize_sentence,
)
from .memo import remember
from .ngram_counts import END, START, Context, NgramCounts, totals, type_counts

# A phrase added at run time counts as a name filler and, once per this weight, as a sentence.
PHRASE_SENTENCE_WEIGHT = 1.0
UNKNOWN = "<unk>"
# Words the model has never seen get this score, so that in a mixture the general model alone
# decides about them (a share of the smoothing mass would favour every unknown word).
UNKNOWN_LOGPROB = -30.0


class CommandLanguageModel:
    """Implements the `LanguageModel` Protocol (`language_model.py`)."""

    def __init__(
        self,
        sentences: Sequence[Sequence[str]],
        names: Iterable[str] = DEFAULT_NAMES,
        areas: Iterable[str] = DEFAULT_AREAS,
        floors: Iterable[str] = DEFAULT_FLOORS,
    ) -> None:
        self.sentences = [list(words) for words in sentences]
        self.fillers: dict[str, list[list[str]]] = {
            NAME: _phrases(names),
            AREA: _phrases(areas),
            FLOOR: _phrases(floors),
        }
        self.extra_sentences: list[list[str]] = []
        # Counted once; `table()` expands the placeholders with the current fillers.
        self._counts = NgramCounts(self.fillers)
        for words in self.sentences:
            self._counts.add_sentence(words)
        self._words: list[str] = [UNKNOWN]
        self._ids: dict[str, int] = {UNKNOWN: 0}
        self._states: list[Context] = []
        self._state_ids: dict[Context, int] = {}
        self._cache: dict[tuple[int, int], tuple[float, int]] = {}
        self._rebuild()

    # -- building --------------------------------------------------------------------------
    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        """Add entity names or whole commands; returns the words that are new to the model."""
        before = set(self._ids)
        added = False
        for phrase in phrases:
            words = normalize_sentence(phrase)
            if not words or words in self.fillers[NAME]:
                continue
            self.fillers[NAME].append(words)
            self.extra_sentences.append(words)
            self._counts.add_sentence(words, PHRASE_SENTENCE_WEIGHT)
            added = True
        if added:
            self._rebuild()
        return [word for word in self._words if word not in before]

    def _rebuild(self) -> None:
        self._table = self._counts.table()
        self._totals = totals(self._table)
        self._types = type_counts(self._table)
        for word in sorted(self._table.get((), {})):
            if word not in self._ids:
                self._ids[word] = len(self._words)
                self._words.append(word)
        # Every word the model can predict, plus the unknown word, shares the unigram floor.
        self._floor = 1.0 / len(self._words)
        self._cache.clear()
        self._states.clear()
        self._state_ids.clear()
        self._state((START,))

    # -- queries -----------------------------------------------------------------------------
    @property
    def words(self) -> list[str]:
        return list(self._words)

    def word_id(self, word: str) -> int:
        return self._ids.get(word, 0)

    def initial_state(self) -> int:
        return 0

    def _state(self, context: Context) -> int:
        index = self._state_ids.get(context)
        if index is None:
            index = len(self._states)
            self._states.append(context)
            self._state_ids[context] = index
        return index

    def probability(self, context: Context, word: str) -> float:
        """Witten-Bell interpolated P(word | context), context of up to two words."""
        probability = self._floor
        for order in range(len(context) + 1):
            history = context[len(context) - order :]
            row = self._table.get(history)
            if row is None:
                break
            total = self._totals[history]
            types = self._types[history]
            probability = (row.get(word, 0.0) + types * probability) / (total + types)
        return probability

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        key = (state, word_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        context = self._states[state]
        word = self._words[word_id]
        known = word_id != 0
        logprob = math.log(self.probability(context, word)) if known else UNKNOWN_LOGPROB
        result = (logprob, self._state(self._next_context(context, word)))
        return remember(self._cache, key, result)

    def _next_context(self, context: Context, word: str) -> Context:
        """The longest suffix of the history that the model has seen as a context."""
        if word == UNKNOWN:
            return ()
        for candidate in ((*context[-1:], word), (word,)):
            if candidate in self._table:
                return candidate
        return ()

    def final_score(self, state: int) -> float:
        return math.log(self.probability(self._states[state], END))


def _phrases(texts: Iterable[str]) -> list[list[str]]:
    result: list[list[str]] = []
    for text in texts:
        words = normalize_sentence(text)
        if words and words not in result:
            result.append(words)
    return result
