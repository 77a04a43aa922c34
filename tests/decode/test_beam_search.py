"""The prefix beam search on constructed log-probabilities, against exhaustive enumeration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest
from decode_helpers import BigramLM, peaky
from numpy.typing import NDArray

from wyoming_local_asr.decode.beam_search import BeamSearch, Frame, SearchOptions
from wyoming_local_asr.decode.grammar_lm import GrammarLanguageModel, GuidedGrammarModel
from wyoming_local_asr.decode.language_model import LanguageModel
from wyoming_local_asr.decode.lexicon import Lexicon
from wyoming_local_asr.decode.phoneme_tokens import TokenTable
from wyoming_local_asr.decode.word_graph import WordGraph

TABLE = TokenTable(["a", "b", "k", "t", "<wb>", "<blank>"])
BLANK, BOUNDARY = TABLE.blank_id, TABLE.word_boundary_id
LEXICON_LINES = [
    "a\ta",
    "at\ta t",
    "ta\tt a",
    "tab\tt a b",
    "bat\tb a t",
    "cab\tk a b",
    "kab\tk a b",  # homophone of "cab"
    "cat\tk a t",
    "bat\tb a k",  # a second variant
]
SENTENCES = ["a cab at a tab", "bat at a tab", "a bat", "kab ta"]
WIDE = SearchOptions(beam=100_000, beam_threshold=200.0, lm_weight=0.7, word_bonus=0.3)


def frames_of(logprobs: NDArray[np.float32], boundary: bool = True) -> list[Frame | None]:
    """Every token of every frame as a candidate (no pruning)."""
    probs = np.exp(logprobs.astype(np.float64))
    phonemes = [i for i in range(len(TABLE)) if i not in (BLANK, BOUNDARY)]
    return [
        Frame(row[BLANK], row[BOUNDARY] if boundary else 0.0, {i: row[i] for i in phonemes})
        for row in probs
    ]


class FullHistoryLM:
    """A LanguageModel whose state is the whole word history: nothing recombines."""

    def __init__(self, inner: BigramLM) -> None:
        self.inner = inner
        self.histories: list[tuple[int, ...]] = [()]

    def word_id(self, word: str) -> int:
        return self.inner.word_id(word)

    def initial_state(self) -> int:
        return 0

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        history = self.histories[state]
        log_prob, _ = self.inner.score(history[-1] if history else 0, word_id)
        self.histories.append((*history, word_id))
        return log_prob, len(self.histories) - 1

    def final_score(self, state: int) -> float:
        history = self.histories[state]
        return self.inner.final_score(history[-1] if history else 0)


def search(
    logprobs: NDArray[np.float32],
    options: SearchOptions = WIDE,
    *,
    lm: LanguageModel | None = None,
    lookahead: Sequence[float] | None = None,
    boundary: bool = True,
    lines: Sequence[str] = LEXICON_LINES,
) -> tuple[list[str], float]:
    lexicon = Lexicon.from_lines(lines, TABLE)
    lm = lm or BigramLM(SENTENCES)
    lm_ids = [lm.word_id(w) for w in lexicon.words]
    beam = BeamSearch(lexicon.trie, lm, lm_ids, options, lookahead)
    result = beam.run(frames_of(logprobs, boundary))
    return [lexicon.words[w] for w in result.words], result.log_score


def ctc_log_prob(logprobs: NDArray[np.float64], labels: Sequence[int]) -> float:
    """log P(labels | logprobs) by the CTC forward algorithm."""
    extended = [BLANK]
    for label in labels:
        extended += [label, BLANK]
    alpha = np.full(len(extended), -np.inf)
    alpha[0] = logprobs[0, BLANK]
    if labels:
        alpha[1] = logprobs[0, labels[0]]
    for row in logprobs[1:]:
        previous = alpha.copy()
        for s, label in enumerate(extended):
            terms = [previous[s]]
            if s >= 1:
                terms.append(previous[s - 1])
            if s >= 2 and label != BLANK and label != extended[s - 2]:
                terms.append(previous[s - 2])
            alpha[s] = np.logaddexp.reduce(terms) + row[label]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if labels else alpha[-1])


def brute_force(logprobs: NDArray[np.float32], options: SearchOptions) -> tuple[list[str], float]:
    """The best word sequence by enumerating every sentence that fits the frames."""
    lm = BigramLM(SENTENCES)
    variants: dict[str, list[list[int]]] = {}
    for line in LEXICON_LINES:
        word, pronunciation = line.split("\t")
        variants.setdefault(word, []).append([TABLE.id(p) for p in pronunciation.split()])
    scores = logprobs.astype(np.float64)
    best: tuple[float, list[str]] = (-math.inf, [])

    def visit(words: list[str], state: int, lm_score: float, labels: list[list[int]]) -> None:
        nonlocal best
        if labels:
            # Sum over the pronunciation variants of every word: one CTC sum per combination.
            combos = [[]]  # type: list[list[int]]
            for options_of_word in labels:
                combos = [c + v for c in combos for v in options_of_word]  # type: ignore[misc]
            acoustic = np.logaddexp.reduce([ctc_log_prob(scores, c) for c in combos])
        else:
            acoustic = ctc_log_prob(scores, [])
        final = acoustic + options.lm_weight * (lm_score + lm.final_score(state))
        final += options.word_bonus * len(words)
        if final > best[0]:
            best = (final, words)
        shortest = sum(min(len(v) for v in word_variants) for word_variants in labels)
        for word, word_variants in variants.items():
            if shortest + min(len(v) for v in word_variants) > len(logprobs):
                continue
            log_p, following = lm.score(state, lm.word_id(word))
            visit([*words, word], following, lm_score + log_p, [*labels, word_variants])

    visit([], lm.initial_state(), 0.0, [])
    return best[1], best[0]


def random_logprobs(seed: int, frames: int) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(len(TABLE), 0.3), size=frames)
    probs[:, BOUNDARY] = 1e-30  # no word-boundary tokens: enumeration covers direct joins only
    probs /= probs.sum(axis=1, keepdims=True)
    return np.log(probs).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_wide_search_equals_exhaustive_enumeration(seed: int) -> None:
    logprobs = random_logprobs(seed, frames=7)
    expected_words, expected_score = brute_force(logprobs, WIDE)
    lm = FullHistoryLM(BigramLM(SENTENCES))
    words, score = search(logprobs, lm=lm, boundary=False)
    assert words == expected_words
    assert score == pytest.approx(expected_score, abs=1e-6)
    # With a bigram state, histories ending in the same word merge: their mass adds up.
    words, score = search(logprobs, boundary=False)
    assert words == expected_words
    assert expected_score - 1e-9 <= score < expected_score + 0.5


@pytest.mark.parametrize("seed", range(3))
def test_lookahead_changes_pruning_not_scores(seed: int) -> None:
    logprobs = random_logprobs(seed, frames=7)
    rng = np.random.default_rng(seed)
    lookahead = list(rng.uniform(-5, 0, size=9))
    words, score = search(logprobs, boundary=False, lookahead=lookahead)
    plain_words, plain_score = search(logprobs, boundary=False)
    assert words == plain_words
    assert score == pytest.approx(plain_score, abs=1e-9)


def test_words_at_boundaries_and_without() -> None:
    with_boundary = peaky(TABLE, ["b", "a", "t", "<wb>", "_", "a", "t"])
    assert search(with_boundary)[0] == ["bat", "at"]
    joined = peaky(TABLE, ["b", "a", "t", "a", "t"])
    assert search(joined)[0] == ["bat", "at"]
    no_joins = SearchOptions(direct_word_transitions=False)
    assert search(joined, no_joins)[0] != ["bat", "at"]
    assert search(with_boundary, no_joins)[0] == ["bat", "at"]


def test_repeated_token_across_words_needs_a_blank() -> None:
    # a t _ t a b: "at tab"; without the blank the two t collapse: a t a b = "a tab".
    acoustic_only = SearchOptions(lm_weight=0.0)
    assert search(peaky(TABLE, ["a", "t", "_", "t", "a", "b"]), acoustic_only)[0] == ["at", "tab"]
    assert search(peaky(TABLE, ["a", "t", "t", "a", "b"]), acoustic_only)[0] == ["a", "tab"]
    # With only "at" and "tab" known, "a t t a b" cannot be "at tab" (five frames, six needed).
    lines = ["at\ta t", "tab\tt a b"]
    assert search(peaky(TABLE, list("attab")), acoustic_only, lines=lines)[0] == ["tab"]
    assert search(peaky(TABLE, list("at_tab")), acoustic_only, lines=lines)[0] == ["at", "tab"]


def test_language_model_picks_among_homophones() -> None:
    frames = peaky(TABLE, ["k", "a", "b", "<wb>", "t", "a"])
    assert search(frames)[0] == ["kab", "ta"]  # seen in the LM's text
    other = BigramLM(["a cab", "cab ta"])
    assert search(frames, lm=other)[0] == ["cab", "ta"]


def test_language_model_weight_against_acoustics() -> None:
    # The first sound is 60% "b", 38% "k": acoustics say "bat", the LM knows "cat".
    frames = peaky(TABLE, [{"b": 0.6, "k": 0.38}, "a", "t"])
    lm = BigramLM(["cat"] * 20 + ["bat"])
    assert search(frames, SearchOptions(lm_weight=0.0), lm=lm)[0] == ["bat"]
    assert search(frames, SearchOptions(lm_weight=1.0), lm=lm)[0] == ["cat"]


def test_word_bonus_favours_more_words() -> None:
    # "a t a" is "a ta" or "at a"; both are two words. "t a b" alone is "tab" (one word).
    frames = peaky(TABLE, ["a", "<wb>", "t", "a", "b"])
    assert search(frames)[0] == ["a", "tab"]
    many = SearchOptions(lm_weight=0.0, word_bonus=5.0)
    few = SearchOptions(lm_weight=0.0, word_bonus=-5.0)
    assert len(search(peaky(TABLE, ["a", "t", "a"]), many)[0]) == 2
    assert search(peaky(TABLE, ["a", "t", "a"]), few)[0] in (["at"], ["ta"])


def test_narrow_beam_still_decodes_clear_speech() -> None:
    frames = peaky(TABLE, ["a", "_", "k", "k", "a", "b", "_", "<wb>", "a", "t", "_"])
    narrow = SearchOptions(beam=2, beam_threshold=5.0)
    assert search(frames, narrow)[0] == ["a", "cab", "at"]


def test_no_word_fits_returns_the_words_so_far() -> None:
    # "b b" fits no pronunciation: the search keeps what it had and does not crash.
    words, _ = search(peaky(TABLE, ["b", "a", "t", "<wb>", "b", "_", "b"]))
    assert words in (["bat"], [])
    assert search(peaky(TABLE, ["_", "_"]))[0] == []


def test_a_closed_vocabulary_keeps_the_search_inside_its_sentences() -> None:
    """With a grammar that allows only "a cab", a narrow search never follows the acoustics
    into "a tab": the grammar's sentence is what it finds."""
    sentences = WordGraph()
    sentences.add_path(("a", "cab"))
    grammar = GrammarLanguageModel(sentences, {})
    assert {grammar.words[i] for i in grammar.allowed_words(grammar.initial_state())} == {"a"}
    frames = peaky(TABLE, ["a", "<wb>", {"t": 0.6, "k": 0.35}, "a", "b"])
    assert search(frames)[0] == ["a", "tab"]  # open: the acoustics win
    narrow = SearchOptions(beam=2, beam_threshold=5.0, lm_weight=1.0)
    assert search(frames, narrow, lm=grammar)[0] == ["a", "cab"]


def _grammar(*sentences: tuple[str, ...]) -> GrammarLanguageModel:
    graph = WordGraph()
    for sentence in sentences:
        graph.add_path(sentence)
    return GrammarLanguageModel(graph, {})


def test_a_guided_grammar_ranks_its_sentences_as_the_open_search_would() -> None:
    """Among the grammar's sentences, the guide's language model decides with the acoustics;
    words outside the grammar never come out, and a sentence both searches find scores the
    same in both."""
    guide = BigramLM(["a cab"] * 20 + ["a tab", "at a"])
    guided = GuidedGrammarModel(_grammar(("a", "cab"), ("a", "tab")), guide)
    frames = peaky(TABLE, ["a", "<wb>", {"t": 0.55, "k": 0.4}, "a", "b"])
    options = SearchOptions(beam=100_000, beam_threshold=200.0, lm_weight=1.0)
    assert search(frames, replace(options, lm_weight=0.0), lm=guided)[0] == ["a", "tab"]
    closed_words, closed_score = search(frames, options, lm=guided)
    open_words, open_score = search(frames, options, lm=guide)
    assert closed_words == open_words == ["a", "cab"]
    assert closed_score == pytest.approx(open_score)
    # "at a" is the guide's, not the grammar's
    assert search(peaky(TABLE, ["a", "t", "<wb>", "a"]), options, lm=guided)[0] != ["at", "a"]


def test_a_leashed_search_gives_up_once_it_falls_behind_the_pace() -> None:
    """The open search's best score after each frame is its pace; a grammar search that falls
    more than the margin behind it stops with nothing, a loose leash lets it finish."""
    lexicon = Lexicon.from_lines(LEXICON_LINES, TABLE)
    frames = frames_of(peaky(TABLE, ["b", "a", "t", "<wb>", "a", "t", "<wb>", "a"]))
    guide = BigramLM(SENTENCES)
    pace: list[float] = []
    opened = BeamSearch(lexicon.trie, guide, [guide.word_id(w) for w in lexicon.words], WIDE)
    result = opened.run(frames, trace=pace)
    assert [lexicon.words[w] for w in result.words] == ["bat", "at", "a"]
    assert len(pace) == len(frames) and pace == sorted(pace, reverse=True)
    grammar = _grammar(("a", "cab"))
    closed = BeamSearch(lexicon.trie, grammar, [grammar.word_id(w) for w in lexicon.words], WIDE)
    assert closed.run(frames, limits=[p - 5.0 for p in pace]).words == []
    assert [lexicon.words[w] for w in closed.run(frames, limits=[-1e9] * len(pace)).words] == [
        "a",
        "cab",
    ]
