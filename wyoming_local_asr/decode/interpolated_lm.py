"""The recognizer's language model: the general English trigram and the command model, mixed.

A sentence-level mixture: P(sentence) = (1 - w) * P_general(sentence) + w * P_command(sentence),
computed word by word. The weight of each model for the next word is its posterior given the
words so far, so after a few words of a command the command model dominates, and after a few
words of ordinary English the general model does, with hardly any cost to either (a fixed
word-by-word mixture costs every word of ordinary English log(1 - w)). The posterior log-odds
are clipped to +-`max_log_odds` (so neither model is ever silenced: a command with a word
the command model lacks still decodes) and quantized to `ODDS_STEP`, so that they fit in the
state. Each model follows its own history.

Word ids are the general model's; other words (entity names) get ids after the general model's
unknown word, the first time they are asked for or added: they score as unknown words until
`add_phrases` teaches them to the command model, so ids handed out before that stay valid. A
state packs the two models' states and the log-odds bucket into one int: no table grows while
the server runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .command_lm import CommandLanguageModel
from .memo import remember
from .ngram_lm import NgramLanguageModel

# Prior weight of the command model and the clip of its log-odds, chosen by WER with `eval`
# on the command and real corpora (`docs/tuning.md` has the grid that was measured).
DEFAULT_COMMAND_WEIGHT = 0.8
DEFAULT_MAX_LOG_ODDS = 4.0
ODDS_STEP = 0.25
_COMMAND_STATES = 1 << 18  # the command model has far fewer states (its contexts)


class InterpolatedLanguageModel:
    """Implements the `LanguageModel` Protocol (`language_model.py`)."""

    def __init__(
        self,
        general: NgramLanguageModel,
        command: CommandLanguageModel,
        command_weight: float = DEFAULT_COMMAND_WEIGHT,
        max_log_odds: float = DEFAULT_MAX_LOG_ODDS,
    ) -> None:
        if not 0.0 < command_weight < 1.0:
            raise ValueError("command_weight must be in (0, 1)")
        self.general = general
        self.command = command
        self.command_weight = command_weight
        self._max_bucket = max(0, round(max_log_odds / ODDS_STEP))
        self._buckets = 2 * self._max_bucket + 1
        self._prior_bucket = self._bucket(math.log(command_weight / (1.0 - command_weight)))
        self.unknown_id = general.unknown_id
        self._extra_ids: dict[str, int] = {}
        self._extra_words: list[str] = []
        self._command_ids: dict[int, int] = {}
        self._cache: dict[tuple[int, int], tuple[float, int]] = {}
        self._register_command_words(command.words)
        self._initial = self._pair(general.initial_state(), command.initial_state())

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        """Bias toward `phrases` (entity names, custom commands); returns the words new to the
        command model. States handed out before this call are no longer valid."""
        new_words = self.command.add_phrases(phrases)
        self._register_command_words(new_words)
        self._cache.clear()
        self._initial = self._pair(self.general.initial_state(), self.command.initial_state())
        return new_words

    def _register_command_words(self, words: Iterable[str]) -> None:
        for word in words:
            if word not in self.general and word not in self._extra_ids:
                self._extra_ids[word] = self.unknown_id + 1 + len(self._extra_words)
                self._extra_words.append(word)
        self._command_ids.clear()

    def word_id(self, word: str) -> int:
        if word in self.general:
            return self.general.word_id(word)
        index = self._extra_ids.get(word)
        if index is None:
            self._register_command_words([word])
            index = self._extra_ids[word]
        return index

    def _command_id(self, word_id: int) -> int:
        index = self._command_ids.get(word_id)
        if index is None:
            if word_id < self.unknown_id:
                word = self.general.words[word_id]
            else:
                word = self._extra_words[word_id - self.unknown_id - 1]
            index = remember(self._command_ids, word_id, self.command.word_id(word))
        return index

    def _bucket(self, log_odds: float) -> int:
        """Bucket index (0 .. 2 * max) of clipped, quantized log-odds of the command model."""
        bucket = round(log_odds / ODDS_STEP)
        return min(self._max_bucket, max(-self._max_bucket, bucket)) + self._max_bucket

    def _pair(self, general_state: int, command_state: int, bucket: int | None = None) -> int:
        if command_state >= _COMMAND_STATES:
            raise OverflowError("the command model has too many states")
        if bucket is None:
            bucket = self._prior_bucket
        return (general_state * _COMMAND_STATES + command_state) * self._buckets + bucket

    def _unpack(self, state: int) -> tuple[int, int, float]:
        pair, bucket = divmod(state, self._buckets)
        general_state, command_state = divmod(pair, _COMMAND_STATES)
        return general_state, command_state, (bucket - self._max_bucket) * ODDS_STEP

    def _mix(self, log_odds: float, general_score: float, command_score: float) -> float:
        # log(sigmoid(d) * P_command + sigmoid(-d) * P_general)
        log_command_weight = -math.log1p(math.exp(-log_odds))
        log_general_weight = -math.log1p(math.exp(log_odds))
        return _logaddexp(log_command_weight + command_score, log_general_weight + general_score)

    def initial_state(self) -> int:
        return self._initial

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        key = (state, word_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        general_state, command_state, log_odds = self._unpack(state)
        general_id = word_id if word_id <= self.unknown_id else self.unknown_id
        general_score, general_next = self.general.score(general_state, general_id)
        command_score, command_next = self.command.score(command_state, self._command_id(word_id))
        bucket = self._bucket(log_odds + command_score - general_score)
        result = (
            self._mix(log_odds, general_score, command_score),
            self._pair(general_next, command_next, bucket),
        )
        return remember(self._cache, key, result)

    def final_score(self, state: int) -> float:
        general_state, command_state, log_odds = self._unpack(state)
        return self._mix(
            log_odds,
            self.general.final_score(general_state),
            self.command.final_score(command_state),
        )


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))
