"""The general English trigram derived from pocketsphinx's `en-us.lm.bin` agrees with
pocketsphinx's own `NGramModel.prob()`."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
from lm_helpers import general_lm_dir

from wyoming_local_asr.build.pocketsphinx_files import english_lm_path, lm_vocabulary
from wyoming_local_asr.build.sphinx_trie import TO_NATURAL_LOG, TrigramArrays, read_sphinx_trie
from wyoming_local_asr.decode.ngram_lm import NgramLanguageModel
from wyoming_local_asr.decode.ngram_tables import NgramTables

pocketsphinx = pytest.importorskip("pocketsphinx")

# float16 storage of bigram/trigram scores: |x| < 16 nats is kept to 2**-7 = 0.008.
TOLERANCE = 0.01


@pytest.fixture(scope="module")
def trigrams() -> TrigramArrays:
    return read_sphinx_trie(english_lm_path().read_bytes())


@pytest.fixture(scope="module")
def saved_dir() -> Path:
    return general_lm_dir()


@pytest.fixture(scope="module")
def lm(saved_dir: Path) -> NgramLanguageModel:
    return NgramLanguageModel.load(saved_dir)


@pytest.fixture(scope="module")
def reference() -> object:
    return pocketsphinx.NGramModel.readfile(str(english_lm_path()))


def _reference_score(reference: object, history: list[str], word: str) -> float:
    """pocketsphinx's score (words newest first, logs base 1.0001) in natural log."""
    newest_first = [word, *reversed(history[-2:])]
    return float(reference.prob(newest_first)) * TO_NATURAL_LOG  # type: ignore[attr-defined]


def test_counts_and_vocabulary(trigrams: TrigramArrays) -> None:
    assert len(trigrams.words) == 72547
    assert trigrams.words == lm_vocabulary()
    assert len(trigrams.bigram_words) == 2_051_541  # the header claims 6 more
    assert len(trigrams.trigram_words) == 1_669_625


def test_log_base_is_converted_to_natural_log(lm: NgramLanguageModel, reference: object) -> None:
    raw = reference.prob(["the"])  # type: ignore[attr-defined]
    # P(the) is about 4% in English text: -3.2 nats, about -32000 in base 1.0001.
    assert -40000 < raw < -25000
    stored = float(lm.tables.unigram_logprob[lm.word_id("the")])
    assert stored == pytest.approx(raw * math.log(1.0001), abs=1e-3)
    assert math.exp(stored) == pytest.approx(0.04, abs=0.01)


def test_stored_ngrams_match_pocketsphinx(trigrams: TrigramArrays, reference: object) -> None:
    rng = random.Random(0)
    words = trigrams.words
    for index in rng.sample(range(len(words)), 50):
        expected = _reference_score(reference, [], words[index])
        assert trigrams.unigram_logprob[index] == pytest.approx(expected, abs=1e-3)
    for index in rng.sample(range(len(trigrams.bigram_words)), 200):
        previous, word = trigrams.bigram_words[index]
        expected = _reference_score(reference, [words[previous]], words[word])
        assert trigrams.bigram_logprob[index] == pytest.approx(expected, abs=1e-3)
    for index in rng.sample(range(len(trigrams.trigram_words)), 200):
        first, previous, word = trigrams.trigram_words[index]
        history = [words[first], words[previous]]
        expected = _reference_score(reference, history, words[word])
        assert trigrams.trigram_logprob[index] == pytest.approx(expected, abs=1e-3)


def test_sentence_scores_match_pocketsphinx_with_backoff(
    lm: NgramLanguageModel, reference: object
) -> None:
    """Every word of real and scrambled text, after `<s>`: trigram hits, bigram backoff and
    unigram backoff all occur."""
    real = [
        "he",
        "was",
        "not",
        "an",
        "ill",
        "disposed",
        "young",
        "man",
        "go",
        "forward",
        "ten",
        "meters",
    ]
    rng = random.Random(1)
    scrambled = rng.sample(lm.words[2:], 40)
    kinds = {"trigram": 0, "backoff": 0}
    for sentence in (real, scrambled, real[::-1]):
        state = lm.initial_state()
        history = ["<s>"]
        for word in sentence:
            score, state = lm.score(state, lm.word_id(word))
            expected = _reference_score(reference, history, word)
            assert score == pytest.approx(expected, abs=TOLERANCE), (history[-2:], word)
            context = history[-2:]
            has_trigram = reference.prob([word, *reversed(context)]) != reference.prob(  # type: ignore[attr-defined]
                [word, context[-1]]
            )
            kinds["trigram" if has_trigram else "backoff"] += 1
            history.append(word)
        final = lm.final_score(state)
        assert final == pytest.approx(_reference_score(reference, history, "</s>"), abs=TOLERANCE)
    assert kinds["trigram"] > 5 and kinds["backoff"] > 20


def test_unknown_word(lm: NgramLanguageModel) -> None:
    unknown = lm.word_id("qwxzy-not-a-word")
    assert unknown == lm.unknown_id == len(lm.words)
    score, state = lm.score(lm.initial_state(), unknown)
    known, _ = lm.score(lm.initial_state(), lm.word_id("zyuganov"))
    assert score < -12.0 and score <= known + 1.0
    # After an unknown word the model continues from an empty history.
    after, _ = lm.score(state, lm.word_id("the"))
    assert after == pytest.approx(float(lm.tables.unigram_logprob[lm.word_id("the")]), abs=1e-3)


def test_states_merge_equal_histories(lm: NgramLanguageModel) -> None:
    """Two histories ending in the same two words reach the same state."""
    first = lm.initial_state()
    second = lm.initial_state()
    for word in ["i", "want", "to", "go"]:
        _, first = lm.score(first, lm.word_id(word))
    for word in ["we", "used", "to", "go"]:
        _, second = lm.score(second, lm.word_id(word))
    assert first == second
    _, third = lm.score(lm.initial_state(), lm.word_id("go"))
    assert third != first


def test_saved_arrays_are_compact_and_memory_mapped(saved_dir: Path) -> None:
    tables = NgramTables.load(saved_dir)
    assert isinstance(tables.bigram_words, np.memmap)
    assert tables.bigram_logprob.dtype == np.float16
    assert tables.nbytes() < 40_000_000
    files = sorted(path.name for path in saved_dir.iterdir())
    assert "vocabulary.txt" in files and "trigram_words.npy" in files
