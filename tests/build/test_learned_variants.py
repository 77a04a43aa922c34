"""Learned pronunciation variants: alignment of heard phonemes to words, selection rules, and
the packaged file the model build appends to the lexicon."""

from __future__ import annotations

import gzip
from pathlib import Path

from wyoming_local_asr.acoustic.default_model import LEARNED_LEXICON, PACKAGED_LEXICON
from wyoming_local_asr.build.learned_variants import (
    COMMON_WORDS,
    SelectOptions,
    VariantCounts,
    align_words,
    known_pronunciations,
    read_variants,
    write_variants,
)
from wyoming_local_asr.build.measure import edit_distance
from wyoming_local_asr.build.pocketsphinx_files import frequent_words
from wyoming_local_asr.decode.lexicon import Lexicon
from wyoming_local_asr.decode.phoneme_tokens import TokenTable


def _tokens(text: str) -> list[str]:
    return text.split()


UNMUTE = ["ʌ", "n", "m", "j", "u", "t"]
OUR = ["aʊ", "ɹ"]
SHOWS = ["ʃ", "oʊ", "z"]


def test_alignment_gives_each_word_what_was_heard_in_its_place() -> None:
    heard = _tokens("æ n d | n u | aʊ ɹ | ʃ oʊ z")  # a boundary inside "unmute"
    assert align_words([UNMUTE, OUR, SHOWS], heard) == [
        ["æ", "n", "d", "n", "u"],
        ["aʊ", "ɹ"],
        ["ʃ", "oʊ", "z"],
    ]
    # Boundaries in the right places: each word gets exactly its phonemes.
    exact = _tokens("ʌ n m j u t | aʊ ɹ | ʃ oʊ z")
    assert align_words([UNMUTE, OUR, SHOWS], exact) == [UNMUTE, OUR, SHOWS]
    # A missed boundary: the phonemes are still shared out by the alignment.
    merged = _tokens("ʌ n m j u t aʊ ɹ | ʃ oʊ z")
    assert align_words([UNMUTE, OUR, SHOWS], merged) == [UNMUTE, OUR, SHOWS]
    # Nothing heard for a word: an empty span; extra phonemes at the start go to word one.
    assert align_words([["ð", "ə"], SHOWS], _tokens("ʃ oʊ z")) == [[], SHOWS]
    assert align_words([SHOWS], _tokens("h ʃ oʊ z")) == [["h", *SHOWS]]
    assert align_words([], []) == []


def test_edit_distance() -> None:
    assert edit_distance(UNMUTE, UNMUTE) == 0
    assert edit_distance(["m", "j", "u", "t"], ["n", "u"]) == 3
    assert edit_distance([], ["a"]) == 1


def _counts(clips: list[tuple[str, str, str]]) -> VariantCounts:
    """(word, heard phonemes, voice) for one-word clips of "mute"."""
    counts = VariantCounts()
    for word, heard, voice in clips:
        counts.add([word], [["m", "j", "u", "t"]], heard.split(), voice)
    return counts


KNOWN = {"mute": [["m", "j", "u", "t"]], "new": [["n", "u"]], "boot": [["b", "u", "t"]]}


def test_selection_keeps_variants_heard_often_enough_most_heard_first() -> None:
    counts = _counts(
        [("mute", "m j u t", "a")] * 10
        + [("mute", "m u t", "a")] * 2
        + [("mute", "m u t", "b")]
        + [("mute", "j u t", "b")] * 4
        + [("mute", "m u", "c")]  # heard once: dropped
        + [("mute", "k", "c")] * 3  # one phoneme: dropped
    )
    assert counts.occurrences["mute"] == 21
    assert counts.select(KNOWN) == {"mute": [["j", "u", "t"], ["m", "u", "t"]]}
    strict = SelectOptions(min_count=2, min_voices=2)
    assert counts.select(KNOWN, strict) == {"mute": [["m", "u", "t"]]}
    assert counts.select(KNOWN, SelectOptions(min_share=0.2)) == {}
    assert counts.select(KNOWN, SelectOptions(max_per_word=1)) == {"mute": [["j", "u", "t"]]}
    assert counts.select(KNOWN, SelectOptions(max_distance=0.2)) == {}


def test_selection_never_makes_two_words_of_the_sentences_alike() -> None:
    counts = _counts([("mute", "b u t", "a")] * 5 + [("mute", "n u", "a")] * 5)
    counts.add(["boot"], [["b", "u", "t"]], ["b", "u", "t"], "a")
    # "boot" is a word of these sentences: "b u t" stays its own; "new" is not: "n u" is taken.
    assert counts.select(KNOWN) == {"mute": [["n", "u"]]}
    # Words without a known pronunciation learn nothing.
    assert counts.select({"boot": [["b", "u", "t"]]}) == {}
    # Nor like one of the language's common words, when given.
    assert counts.select(KNOWN, common_words=["new"]) == {}


def test_two_words_never_learn_the_same_variant_the_most_heard_wins() -> None:
    counts = VariantCounts()
    for _ in range(5):
        counts.add(["mute"], [["m", "j", "u", "t"]], ["n", "u"], "a")
    for _ in range(3):
        counts.add(["boot"], [["b", "u", "t"]], ["n", "u"], "a")
    known = {"mute": [["m", "j", "u", "t"]], "boot": [["b", "u", "t"]]}
    assert counts.select(known) == {"mute": [["n", "u"]]}


def test_variants_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "learned.tsv"
    assert read_variants(path) == []
    variants = {"mute": [["n", "u"], ["j", "u", "t"]], "add": [["æ", "t"]]}
    assert write_variants(path, variants) == 3
    lines = read_variants(path)
    assert lines == ["add\tæ t", "mute\tn u", "mute\tj u t"]
    assert known_pronunciations(lines) == {
        "add": [["æ", "t"]],
        "mute": [["n", "u"], ["j", "u", "t"]],
    }


def test_packaged_variants_are_new_pronunciations_of_lexicon_words(
    hama_table: TokenTable,
) -> None:
    lines = read_variants(LEARNED_LEXICON)
    assert len(lines) > 50
    with gzip.open(PACKAGED_LEXICON, "rt", encoding="utf-8") as stream:
        known = known_pronunciations(line.rstrip("\n") for line in stream)
    learned = known_pronunciations(lines)
    assert ["æ", "n", "d", "n", "u"] in learned["unmute"]  # the model's "un|mute"
    for word, variants in learned.items():
        assert word in known
        assert len(variants) <= SelectOptions().max_per_word
        for variant in variants:
            assert variant not in known[word]
    # No learned variant sounds like another learned word or a common English word ("is" is
    # never heard as "his"), and no two words learned the same variant.
    owners: dict[tuple[str, ...], str] = {}
    for word, variants in learned.items():
        for variant in variants:
            assert owners.setdefault(tuple(variant), word) == word
    for word in (*learned, *frequent_words(COMMON_WORDS)):
        for pronunciation in known.get(word, []):
            assert owners.get(tuple(pronunciation), word) == word, (word, pronunciation)
    # Every phoneme is one the model emits and the lexicon already uses.
    lexicon = Lexicon.from_lines(lines, hama_table)
    assert lexicon.skipped == 0
    assert len(lexicon.words) == len(learned)
