"""What the beam search needs from a word language model."""

from __future__ import annotations

from typing import Protocol


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
