"""Per-frame phoneme log-probabilities in, words out: tokens + lexicon + LM + beam search."""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from .beam_search import BeamSearch, SearchOptions, SearchResult
from .frames import FrameBuilder, FrameOptions
from .greedy import greedy_phonemes
from .language_model import LanguageModel
from .lexicon import Lexicon, Pronouncer, g2p_pronouncer
from .lm_files import LEXICON_FILE
from .phoneme_tokens import TokenTable
from .protocols import Decoded, PhraseBiasing

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class DecoderOptions:
    """How log-probabilities become words. Defaults tuned on pocketsphinx-testdata and
    synthesized Home Assistant commands (see the decoder notes in the README)."""

    beam: int = SearchOptions.beam
    # Hypotheses more than this many nats below the best are dropped.
    beam_threshold: float = SearchOptions.beam_threshold
    lm_weight: float = SearchOptions.lm_weight
    word_bonus: float = SearchOptions.word_bonus
    # Phoneme candidates per frame: the `top_k` most likely, if above `min_token_logprob`.
    top_k: int = 8
    min_token_logprob: float = -5.0
    # Frames where blank (with the tokens treated as silence) is more likely are skipped.
    blank_skip: float = 0.95
    # Logits are divided by `temperature` and blank gets `blank_bias` before decoding.
    temperature: float = 1.0
    blank_bias: float = 0.0
    direct_word_transitions: bool = SearchOptions.direct_word_transitions
    # Unigram LM look-ahead inside words (better pruning at the same beam).
    lookahead: bool = True


@runtime_checkable
class UnigramScores(Protocol):
    """Optional for a LanguageModel: unigram log-probabilities for the look-ahead."""

    def unigram_log_prob(self, word_id: int) -> float: ...


class WordDecoder:
    """Decodes a CTC phoneme model's output to words.

    `decode` may run in several threads at once (its memos are dicts filled under the GIL);
    `add_words` and `add_phrases` must not overlap decoding: hold a lock around them.
    """

    def __init__(
        self,
        tokens: TokenTable,
        lexicon: Lexicon,
        language_model: LanguageModel,
        options: DecoderOptions | None = None,
        pronouncer: Pronouncer | None = None,
    ) -> None:
        self.tokens = tokens
        self.lexicon = lexicon
        self.language_model = language_model
        self.options = options = options or DecoderOptions()
        self._pronouncer = pronouncer
        # An array, not a list of 72k int objects (2 MB less); the search shares it.
        self._lm_word_ids = array("q", (language_model.word_id(word) for word in lexicon.words))
        search_options = SearchOptions(
            beam=options.beam,
            beam_threshold=options.beam_threshold,
            lm_weight=options.lm_weight,
            word_bonus=options.word_bonus,
            direct_word_transitions=options.direct_word_transitions,
        )
        lookahead = self._lookahead() if options.lookahead else None
        self._search = BeamSearch(
            lexicon.trie, language_model, self._lm_word_ids, search_options, lookahead
        )
        self._frame_options = FrameOptions(
            top_k=options.top_k,
            min_token_logprob=options.min_token_logprob,
            blank_skip=options.blank_skip,
            temperature=options.temperature,
            blank_bias=options.blank_bias,
        )
        self._frames = FrameBuilder(tokens, lexicon.trie.used_tokens(), self._frame_options)

    @classmethod
    def load(
        cls,
        model_dir: Path,
        language_model: LanguageModel,
        options: DecoderOptions | None = None,
        pronouncer: Pronouncer | None = None,
    ) -> WordDecoder:
        """From a model directory's `tokens.txt` and `lexicon.tsv.gz`."""
        tokens = TokenTable.load(model_dir / "tokens.txt")
        lexicon = Lexicon.load(model_dir / LEXICON_FILE, tokens)
        return cls(tokens, lexicon, language_model, options, pronouncer)

    def _lookahead(self) -> list[float]:
        """Per lexicon word, its unigram log-probability; without `UnigramScores`, P(word | <s>)
        stands in (for words not seen at a sentence start it is the unigram times a constant
        back-off, and the look-ahead only compares words)."""
        lm = self.language_model
        if isinstance(lm, UnigramScores):
            return [lm.unigram_log_prob(i) for i in self._lm_word_ids]
        start = lm.initial_state()
        return [lm.score(start, i)[0] for i in self._lm_word_ids]

    def search(
        self,
        logprobs: NDArray[np.float32],
        floor: float = -math.inf,
        *,
        pace: list[float] | None = None,
        leash: tuple[Sequence[float], float] | None = None,
    ) -> SearchResult:
        """The best words; with a `floor`, nothing once no result can score above it (see
        `BeamSearch.run`). `pace` receives the best hypothesis's score after each frame of
        `logprobs`; with `leash` (another search's pace on the same audio, and a margin in
        nats) the search gives up once its best falls more than the margin behind."""
        times: list[int] = []
        frames = self._frames.frames(logprobs, times)
        limits = None
        if leash is not None and len(leash[0]) == len(logprobs):
            other, margin = leash
            limits = [other[t] - margin for t in times]
        trace: list[float] | None = [] if pace is not None else None
        result = self._search.run(frames, floor, trace=trace, limits=limits)
        if pace is not None and trace is not None:
            covered = 0
            for score, last in zip(trace, times, strict=False):
                pace.extend([score] * (last + 1 - covered))
                covered = last + 1
        return result

    def decode(self, logprobs: NDArray[np.float32]) -> str:
        """The most likely words for `logprobs` (T, V) of one utterance."""
        return self.decode_scored(logprobs)[0]

    def decode_scored(self, logprobs: NDArray[np.float32]) -> tuple[str, float]:
        """The most likely words and their score (acoustic log-probability + weighted LM)."""
        result = self.search(logprobs)
        return " ".join(self.lexicon.words[w] for w in result.words), result.log_score

    def decode_utterance(self, logprobs: NDArray[np.float32]) -> Decoded:
        """The `Decoder` interface: words, their score and the greedy phonemes."""
        text, score = self.decode_scored(logprobs)
        return Decoded(text, score, self.phonemes(logprobs))

    def phonemes(self, logprobs: NDArray[np.float32]) -> str:
        """Greedy phonemes ("|" between words), for debugging."""
        return greedy_phonemes(logprobs, self.tokens)

    def add_words(
        self,
        words: Iterable[str],
        pronunciations: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> list[str]:
        """Make `words` decodable without a rebuild: explicit `pronunciations` (phoneme lists
        per word) first, hama's G2P for the others. Returns the words that were added."""
        words = list(words)
        if self._pronouncer is None and any(w not in self.lexicon for w in words):
            self._pronouncer = g2p_pronouncer()
        added = self.lexicon.add_words(words, pronunciations, self._pronouncer)
        for word in self.lexicon.words[len(self._lm_word_ids) :]:
            self._lm_word_ids.append(self.language_model.word_id(word))
        self._search.words_added()
        self._frames = FrameBuilder(
            self.tokens, self.lexicon.trie.used_tokens(), self._frame_options
        )
        return added

    def language_model_changed(self) -> None:
        """Forget memoized scores of the language model (after it changed outside)."""
        forget = getattr(self.language_model, "forget", None)
        if forget is not None:
            forget()
        self._search.clear_lm_memo()

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        """Bias toward `phrases` (entity names, custom commands): the LM learns them when it
        can (`add_phrases`, as the interpolated command model does) and their words become
        decodable. Returns the words new to the lexicon."""
        phrases = [phrase.lower() for phrase in phrases]
        if isinstance(self.language_model, PhraseBiasing):
            self.language_model.add_phrases(phrases)
            # LM states and ids of formerly unknown words may have changed.
            self._lm_word_ids[:] = array(
                "q", (self.language_model.word_id(w) for w in self.lexicon.words)
            )
            self._search.clear_lm_memo()
        return self.add_words(w for phrase in phrases for w in _WORD.findall(phrase))
