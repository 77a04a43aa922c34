"""What the beam search needs from a word language model."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable


class LanguageModel(Protocol):
    """A word n-gram model queried with integer states, scores in natural log.

    A state stands for the word history the model remembers (for a trigram model, the last two
    words); it is an `int` so that the decoder can hash and compare it cheaply.
    """

    def word_id(self, word: str) -> int:
        """The model's id of `word`; the unknown-word id when the model does not know it."""
        ...

    def initial_state(self) -> int:
        """The state at the start of a sentence (after `<s>`)."""
        ...

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        """log P(word | state) and the state after the word."""
        ...

    def final_score(self, state: int) -> float:
        """log P(</s> | state)."""
        ...


@runtime_checkable
class ClosedVocabulary(Protocol):
    """Optional for a LanguageModel that allows only some words after each state (a closed
    grammar): the search then never enters a word the model would refuse."""

    def allowed_words(self, state: int) -> Collection[int]:
        """The ids of the words `score` does not block after `state`."""
        ...

    def closed_state(self, state: int) -> int:
        """The part of `state` that decides `allowed_words` (states with the same part allow
        the same words)."""
        ...


def sentence_log_prob(model: LanguageModel, words: Sequence[str], final: bool = True) -> float:
    """Total log probability of `words` after `<s>` (and `</s>` when `final`)."""
    state = model.initial_state()
    total = 0.0
    for word in words:
        log_prob, state = model.score(state, model.word_id(word))
        total += log_prob
    return total + (model.final_score(state) if final else 0.0)
