"""Open vocabulary with a closed-domain fast path: the home's own commands, spelled its way.

Each utterance is decoded twice: open (the whole lexicon, general and command language models,
biased toward the home's names) and closed (only the home's grammar: its words, its sentences;
the search never enters a word the grammar does not allow next). The closed sentence is then
scored as the open search would score it (the same acoustic log-probability, plus the open
language model and word bonus): when that is at most `threshold` nats below the open words'
score, the open search only missed it, and it wins, with every name spelled as Home Assistant
spells it ("Nanoleaf Panels") so that Assist's matcher finds it. Otherwise the open words stand
(a shopping-list item, a question to an LLM agent, dictation).

When the open words are already one of the home's sentences, the closed search runs only if
they were heard poorly (acoustic log-probability per frame below `recheck_below`): then a
different sentence of the grammar that scores strictly better replaces them ("close door to two
percent" -> "close garage door to two percent").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..config import DEFAULT_GRAMMAR_RECHECK_BELOW, DEFAULT_GRAMMAR_THRESHOLD
from ..vocabulary.grammar import HomeGrammar
from .decoder import DecoderOptions, WordDecoder
from .grammar_lm import BLOCKED, GrammarLanguageModel, GuidedGrammarModel
from .language_model import sentence_log_prob
from .lexicon import Lexicon, Pronouncer
from .protocols import Decoded

# The closed search's settings, chosen on the tuning half of the home corpus (template commands
# right, natural requests never turned into commands, decoding time beside the open search;
# docs/benchmarks.md).
CLOSED_BEAM = 64
CLOSED_TOP_K = 16
CLOSED_MIN_TOKEN_LOGPROB = -10.0
CLOSED_BLANK_SKIP = 0.99
# Its hypotheses this many nats below its best are dropped (the open search's is 8).
CLOSED_BEAM_THRESHOLD = 12.0
# The closed search gives up once its best hypothesis is this many nats behind the open
# search's best at the same frame.
CLOSED_LEASH = 8.0


@dataclass(frozen=True)
class FastPathOptions:
    # Closed sentences this far (nats) below the open words, both scored as the open search
    # scores (acoustics, its language model and word bonus), still win.
    threshold: float = DEFAULT_GRAMMAR_THRESHOLD
    beam: int = CLOSED_BEAM
    leash: float = CLOSED_LEASH
    # When the open words are a sentence of the grammar heard below this acoustic
    # log-probability per frame, the closed search looks for a better sentence.
    recheck_below: float = DEFAULT_GRAMMAR_RECHECK_BELOW


def closed_wins(
    open_score: float, closed_score: float, *, open_is_command: bool, threshold: float
) -> bool:
    """Whether the closed sentence replaces the open words (both scored as the open search
    scores). Open words that are a command already are replaced only by a strictly better
    sentence; other open words by a sentence at most `threshold` nats below them."""
    if open_is_command:
        return closed_score > open_score
    return closed_score >= open_score - threshold


def heard_poorly(acoustic: float, frames: int, recheck_below: float) -> bool:
    """Whether a command found by the open search is worth a closed search: its acoustic
    log-probability per frame of the utterance is below `recheck_below`."""
    return frames > 0 and acoustic / frames < recheck_below


class HomeAwareDecoder:
    """A `Decoder` and `PhraseBiasing`: the open decoder with the home grammar's fast path."""

    def __init__(
        self,
        open_decoder: WordDecoder,
        closed_decoder: WordDecoder,
        grammar: HomeGrammar,
        options: FastPathOptions | None = None,
    ) -> None:
        self.open = open_decoder
        self.closed = closed_decoder
        self.grammar = grammar
        self.options = options or FastPathOptions()
        model = closed_decoder.language_model
        self._sentences = model.grammar if isinstance(model, GuidedGrammarModel) else model

    @classmethod
    def build(
        cls,
        open_decoder: WordDecoder,
        lexicon_path: Path,
        grammar: HomeGrammar,
        pronounce: Pronouncer,
        options: FastPathOptions | None = None,
    ) -> HomeAwareDecoder:
        """The closed decoder over the grammar's words: pronunciations from the model's
        lexicon, and from `pronounce` (hama's G2P, cached) for words it lacks; the open decoder
        learns the home's names and sentences too."""
        options = options or FastPathOptions()
        lexicon, made = Lexicon.load_words(
            lexicon_path, open_decoder.tokens, grammar.words, pronounce
        )
        open_decoder.add_words(list(made), {word: [p] for word, p in made.items()})
        # The grammar's sentences, ranked by the open search's language model: the closed
        # search finds the sentence that would score best against the open words.
        language_model = GuidedGrammarModel(
            GrammarLanguageModel(grammar.sentences, grammar.fillers), open_decoder.language_model
        )
        closed = WordDecoder(
            open_decoder.tokens,
            lexicon,
            language_model,
            # LM factors of at most 1 (the word bonus is added after) and no look-ahead: the
            # search's probability mass bounds its final score, which lets `decode_utterance`
            # stop it early.
            DecoderOptions(
                beam=options.beam,
                beam_threshold=CLOSED_BEAM_THRESHOLD,
                lm_weight=open_decoder.options.lm_weight,
                word_bonus=0.0,
                lookahead=False,
                # The grammar's words only: wider frames than the open search's cost little,
                # and a phoneme the model hears weakly can still complete a command.
                top_k=CLOSED_TOP_K,
                min_token_logprob=CLOSED_MIN_TOKEN_LOGPROB,
                blank_skip=CLOSED_BLANK_SKIP,
            ),
        )
        return cls(open_decoder, closed, grammar, options)

    def decode_utterance(self, logprobs: NDArray[np.float32]) -> Decoded:
        pace: list[float] = []
        opened = self.open.search(logprobs, pace=pace)
        open_words = [self.open.lexicon.words[w] for w in opened.words]
        phonemes = self.open.phonemes(logprobs)
        is_command = bool(open_words) and (
            sentence_log_prob(self._sentences, open_words) > BLOCKED / 2
        )
        threshold = self.options.threshold
        bonus = self.open.options.word_bonus
        if is_command and not heard_poorly(
            self._acoustic(opened.log_score, open_words), len(logprobs), self.options.recheck_below
        ):
            # the open search's best is a command of the home: only its spelling changes
            return Decoded(self.grammar.spell(open_words), opened.log_score, phonemes, "grammar")
        # The closed sentence, scored as the open search scores it, must reach the open score
        # (minus the threshold for open words that are no command). Its probability mass bounds
        # that score from above (while the word bonus is not positive), so the closed search
        # stops as soon as it falls below, or once its best is a leash's length behind the open
        # search's.
        floor = opened.log_score - (0.0 if is_command else threshold)
        closed = self.closed.search(
            logprobs,
            floor=floor if bonus <= 0.0 else -math.inf,
            leash=(pace, self.options.leash),
        )
        closed_words = [self.closed.lexicon.words[w] for w in closed.words]
        if closed_words and closed.log_score > BLOCKED / 2:
            score = closed.log_score + bonus * len(closed_words)
            if closed_wins(
                opened.log_score, score, open_is_command=is_command, threshold=threshold
            ):
                # scored with the threshold's head start, so that the pipeline compares it
                # with other readings of the same audio on the same terms
                spelled = self.grammar.spell(closed_words)
                return Decoded(
                    spelled, max(score + threshold, opened.log_score), phonemes, "grammar"
                )
        if is_command:
            return Decoded(self.grammar.spell(open_words), opened.log_score, phonemes, "grammar")
        return Decoded(" ".join(open_words), opened.log_score, phonemes, "open")

    def _acoustic(self, log_score: float, words: list[str]) -> float:
        """The acoustic part of the open search's score of `words`."""
        options = self.open.options
        language = sentence_log_prob(self.open.language_model, words)
        return log_score - options.lm_weight * language - options.word_bonus * len(words)

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        added = self.open.add_phrases(phrases)
        # the open language model, which ranks the closed search's sentences, has changed
        self.closed.language_model_changed()
        return added
