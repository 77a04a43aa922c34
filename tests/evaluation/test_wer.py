"""Edit distance, alignment and the error rates against hand-computed cases."""

from __future__ import annotations

from wyoming_local_asr.evaluation.wer import (
    Edit,
    ErrorCounts,
    align,
    char_error_rate,
    char_errors,
    render_alignment,
    sentence_accuracy,
    word_error_rate,
    word_errors,
)


def test_identical_texts_have_no_errors() -> None:
    counts = word_errors("go forward ten meters", "go forward ten meters")
    assert counts == ErrorCounts(0, 0, 0, 4)
    assert counts.rate == 0.0


def test_substitution_deletion_insertion() -> None:
    # ref: go forward ten meters / hyp: go four ten meters now
    #   forward -> four (S), + now (I): 2 errors over 4 words
    counts = word_errors("go forward ten meters", "go four ten meters now")
    assert counts == ErrorCounts(substitutions=1, deletions=0, insertions=1, reference_length=4)
    assert word_error_rate("go forward ten meters", "go four ten meters now") == 0.5
    # dropping two words: 2 deletions over 4
    assert word_errors("go forward ten meters", "go meters") == ErrorCounts(0, 2, 0, 4)


def test_alignment_steps_and_rendering() -> None:
    steps = align(
        ["he", "was", "not", "an", "ill", "disposed"],
        ["he", "was", "not", "an", "illness", "those"],
    )
    assert [s.edit for s in steps] == [Edit.EQUAL] * 4 + [Edit.SUBSTITUTE] * 2
    assert render_alignment(align(["a", "b", "c"], ["a", "x", "c", "d"])) == "a [b->x] c [+d]"
    assert render_alignment(align(["a", "b", "c"], ["a", "c"])) == "a [-b] c"


def test_wer_can_exceed_one_and_empty_cases() -> None:
    assert word_error_rate("yes", "no no no") == 3.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "hello") == 1.0
    assert word_error_rate("hello world", "") == 1.0


def test_char_error_rate_counts_spaces() -> None:
    # "kitten" -> "sitting": the classic 3 edits over 6 characters
    assert char_errors("kitten", "sitting") == ErrorCounts(2, 0, 1, 6)
    assert char_error_rate("kitten", "sitting") == 0.5
    # "ab cd" vs "abcd": one deleted space over 5 characters
    assert char_error_rate("ab cd", "abcd") == 0.2


def test_corpus_counts_add_up() -> None:
    total = word_errors("a b c d", "a b x d") + word_errors("e f", "e")
    assert total == ErrorCounts(1, 1, 0, 6)
    assert total.rate == 2 / 6


def test_sentence_accuracy() -> None:
    pairs = [("a b", "a b"), ("c d", "c x"), ("e", "e"), ("f", "")]
    assert sentence_accuracy(pairs) == 0.5
    assert sentence_accuracy([]) == 0.0
