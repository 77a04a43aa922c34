"""Open vocabulary with a closed-domain fast path: the home's own commands, spelled its way.

Each utterance is decoded twice: open (the whole lexicon, general and command language models,
biased toward the home's names) and closed (only the home's grammar: its words, its sentences;
the search never enters a word the grammar does not allow next). The closed sentence is then
scored as the open search would score it (the same acoustic log-probability, plus the open
language model and word bonus): when that is at most `threshold` nats below the open words'
score, the open search only missed it, and it wins, with every name spelled as Home Assistant
spells it ("Nanoleaf Panels") so that Assist's matcher finds it. Otherwise the open words stand
(a shopping-list item, a question to an LLM agent, dictation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..config import DEFAULT_GRAMMAR_THRESHOLD
from ..vocabulary.grammar import HomeGrammar
from .decoder import DecoderOptions, WordDecoder
from .grammar_lm import BLOCKED, GrammarLanguageModel
from .language_model import sentence_log_prob
from .lexicon import Lexicon, Pronouncer
from .protocols import Decoded

CLOSED_BEAM = 64
CLOSED_TOP_K = 16
CLOSED_MIN_TOKEN_LOGPROB = -10.0
CLOSED_BLANK_SKIP = 0.999


@dataclass(frozen=True)
class FastPathOptions:
    # Closed sentences this far (nats) below the open words, both scored as the open search
    # scores (acoustics, its language model and word bonus), still win.
    threshold: float = DEFAULT_GRAMMAR_THRESHOLD
    beam: int = CLOSED_BEAM


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
        language_model = GrammarLanguageModel(grammar.sentences, grammar.fillers)
        closed = WordDecoder(
            open_decoder.tokens,
            lexicon,
            language_model,
            # LM factors of at most 1 and no look-ahead: the search's probability mass bounds
            # its final score, which lets `decode_utterance` stop it early.
            DecoderOptions(
                beam=options.beam,
                lm_weight=1.0,
                word_bonus=0.0,
                lookahead=False,
                # The grammar's words only: so few tokens that wider frames cost little, and a
                # phoneme the model hears weakly can still complete a command.
                top_k=CLOSED_TOP_K,
                min_token_logprob=CLOSED_MIN_TOKEN_LOGPROB,
                blank_skip=CLOSED_BLANK_SKIP,
            ),
        )
        return cls(open_decoder, closed, grammar, options)

    def decode_utterance(self, logprobs: NDArray[np.float32]) -> Decoded:
        opened = self.open.search(logprobs)
        open_words = [self.open.lexicon.words[w] for w in opened.words]
        phonemes = self.open.phonemes(logprobs)
        grammar = self.closed.language_model
        if open_words and sentence_log_prob(grammar, open_words) > BLOCKED / 2:
            # the open search's best is a command of the home: only its spelling changes
            return Decoded(self.grammar.spell(open_words), opened.log_score, phonemes, "grammar")
        # A closed sentence wins when, scored as the open search scores it, it is within the
        # threshold; its acoustic score alone bounds that from above, so the closed search
        # stops as soon as its hypotheses fall below the open score minus the threshold.
        threshold = self.options.threshold
        closed = self.closed.search(logprobs, floor=opened.log_score - threshold)
        closed_words = [self.closed.lexicon.words[w] for w in closed.words]
        if closed_words and closed.log_score > BLOCKED / 2:
            score = self._open_score(closed.log_score, closed_words)
            if score >= opened.log_score - threshold:
                # scored with the threshold's head start, so that the pipeline compares it
                # with other readings of the same audio on the same terms
                spelled = self.grammar.spell(closed_words)
                return Decoded(
                    spelled, max(score + threshold, opened.log_score), phonemes, "grammar"
                )
        return Decoded(" ".join(open_words), opened.log_score, phonemes, "open")

    def _open_score(self, acoustic: float, words: list[str]) -> float:
        """What the open search would score `words` with `acoustic` log-probability: its
        language model and word bonus added as in its own search."""
        options = self.open.options
        lm = sentence_log_prob(self.open.language_model, words)
        return acoustic + options.lm_weight * lm + options.word_bonus * len(words)

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        return self.open.add_phrases(phrases)
