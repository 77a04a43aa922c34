import gzip
from pathlib import Path

import pytest

from wyoming_local_asr.decode.lexicon import Lexicon, g2p_pronouncer
from wyoming_local_asr.decode.phoneme_tokens import TokenTable
from wyoming_local_asr.decode.trie import NO_NODE

TABLE = TokenTable(["a", "b", "d", "g", "ɡ", "o", "oʊ", "t", "̪", " ", "<wb>", "<blank>"])


def ids(*tokens: str) -> list[int]:
    return [TABLE.id(t) for t in tokens]


def write(path: Path, text: str) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write(text)
    return path


def test_load_variants_aliases_and_diacritics(tmp_path: Path) -> None:
    path = write(
        tmp_path / "lexicon.tsv.gz",
        "go\tɡ o\ngo\tg oʊ\ndo\td ̪ o\ntab\tt a b\nbad\tb a d\nodd\to d\ncat\tk a t\n",
    )
    lexicon = Lexicon.load(path, TABLE)
    assert lexicon.words == ["go", "do", "tab", "bad", "odd"]
    assert "cat" not in lexicon  # "k" is not a token of this model
    assert lexicon.skipped == 1
    trie = lexicon.trie
    go, do = lexicon.word_id("go"), lexicon.word_id("do")
    assert trie.words(trie.find(ids("g", "o"))) == (go,)  # IPA ɡ stored as ASCII g
    assert trie.words(trie.find(ids("g", "oʊ"))) == (go,)
    assert trie.words(trie.find(ids("d", "o"))) == (do,)  # the dental mark is dropped
    assert trie.find(ids("ɡ")) == NO_NODE


def test_plain_text_and_spaced_g2p_output(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("toad\tt   o a d\ngoat\tg \u0020 o t\n", encoding="utf-8")
    lexicon = Lexicon.load(path, TABLE)
    assert lexicon.trie.words(lexicon.trie.find(ids("t", "o", "a", "d"))) == (0,)
    assert lexicon.trie.words(lexicon.trie.find(ids("g", "o", "t"))) == (1,)


def test_add_words_with_explicit_pronunciations() -> None:
    lexicon = Lexicon.from_lines(["tab\tt a b"], TABLE)
    added = lexicon.add_words(["tab", "dab"], {"dab": [["d", "a", "b"], ["d", "ɑ", "b"]]})
    assert added == ["dab"]
    trie = lexicon.trie
    assert trie.words(trie.find(ids("d", "a", "b"))) == (lexicon.word_id("dab"),)
    # "tab" is known already and needs no pronouncer.
    assert lexicon.add_words(["tab"]) == []


def test_add_words_with_a_pronouncer_function() -> None:
    lexicon = Lexicon.from_lines([], TABLE)
    added = lexicon.add_words(["boat", "xyz"], pronouncer=lambda ws: [list(w) for w in ws])
    # "boat" spelled letter by letter is b o a t; "x" is no token of this model.
    assert added == ["boat"]
    assert lexicon.trie.words(lexicon.trie.find(ids("b", "o", "a", "t"))) == (0,)


def test_add_words_through_hamas_g2p(hama_table: TokenTable) -> None:
    pytest.importorskip("hama")
    lexicon = Lexicon.from_lines(["go\tɡ o"], hama_table)
    assert lexicon.add_words(["zigbee", "go"], pronouncer=g2p_pronouncer()) == ["zigbee"]
    phonemes = g2p_pronouncer()(["zigbee"])[0]
    found = lexicon.trie.find(lexicon.phoneme_ids(phonemes) or [])
    assert lexicon.trie.words(found) == (lexicon.word_id("zigbee"),)
