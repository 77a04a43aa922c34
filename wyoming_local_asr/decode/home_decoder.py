"""Open vocabulary with a closed-domain fast path: the home's own commands, spelled its way.

Each utterance is decoded twice: open (the whole lexicon, general and command language models,
biased toward the home's names) and closed (only the home's grammar: its words, its sentences).
Both searches sum the same acoustic probabilities, so their acoustic scores compare directly.
When the closed sentence is acoustically at most `threshold` nats below the open one, it wins and
comes out with every name spelled as Home Assistant spells it ("Nanoleaf Panels"), so that
Assist's matcher finds it; otherwise the open words stand (a shopping-list item, a question to
an LLM agent, dictation). The closed search is small: a few hundred words, a narrow beam.
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
    # Closed sentences this far (nats) below the open words' acoustic score still win.
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
        words = grammar.words
        lexicon = Lexicon.load(lexicon_path, open_decoder.tokens, only=words)
        missing = sorted(w for w in words if w not in lexicon)
        pronunciations = dict(zip(missing, pronounce(missing), strict=True)) if missing else {}
        lexicon.add_words(missing, {w: [p] for w, p in pronunciations.items()})
        open_decoder.add_words(missing, {w: [p] for w, p in pronunciations.items()})
        language_model = GrammarLanguageModel(grammar.templates, grammar.fillers)
        closed = WordDecoder(
            open_decoder.tokens,
            lexicon,
            language_model,
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
        open_words, open_score, open_acoustic = self._open(logprobs)
        phonemes = self.open.phonemes(logprobs)
        closed = self.closed.search(logprobs)
        closed_words = [self.closed.lexicon.words[w] for w in closed.words]
        if (
            closed_words
            and closed.log_score > BLOCKED / 2
            and closed.log_score >= open_acoustic - self.options.threshold
        ):
            return Decoded(self.grammar.spell(closed_words), open_score, phonemes, "grammar")
        return Decoded(" ".join(open_words), open_score, phonemes, "open")

    def _open(self, logprobs: NDArray[np.float32]) -> tuple[list[str], float, float]:
        """The open words, their score, and its acoustic part (the LM and bonuses taken out)."""
        result = self.open.search(logprobs)
        words = [self.open.lexicon.words[w] for w in result.words]
        options = self.open.options
        lm = sentence_log_prob(self.open.language_model, words)
        acoustic = result.log_score - options.lm_weight * lm - options.word_bonus * len(words)
        return words, result.log_score, acoustic

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        return self.open.add_phrases(phrases)
