"""The lexicon tool: ARPAbet mapping, resumable G2P, and the packaged lexicon it produced."""

from __future__ import annotations

import fcntl
import gzip
import json
from pathlib import Path

import pytest

from wyoming_local_asr.acoustic.default_model import PACKAGED_LEXICON
from wyoming_local_asr.build.arpabet import arpabet_to_ipa, parse_cmudict, read_cmudict
from wyoming_local_asr.build.lexicon_build import (
    g2p_text,
    hama_g2p,
    pronunciations,
    read_cache,
    run_g2p,
    write_lexicon,
)
from wyoming_local_asr.build.pocketsphinx_files import cmudict_path, lm_vocabulary
from wyoming_local_asr.build.priority_words import number_words, priority_words, template_words
from wyoming_local_asr.decode.lexicon import Lexicon
from wyoming_local_asr.decode.phoneme_tokens import TokenTable


def _read_lexicon(path: Path) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            word, _, phonemes = line.rstrip("\n").partition("\t")
            entries.setdefault(word, []).append(phonemes)
    return entries


def test_arpabet_mapping() -> None:
    assert arpabet_to_ipa(["K", "IH", "CH", "AH", "N"]) == ["k", "ɪ", "t͡ʃ", "ə", "n"]
    assert arpabet_to_ipa(["B", "AH", "T"]) == ["b", "ʌ", "t"]  # the only vowel: stressed
    assert arpabet_to_ipa(["JH", "ER1", "N", "IY0"]) == ["d͡ʒ", "ɝ", "n", "i"]  # stress ignored
    assert arpabet_to_ipa(["G", "R", "EY"]) == ["g", "ɹ", "eɪ"]  # ASCII g, the model's id 18
    with pytest.raises(ValueError):
        arpabet_to_ipa(["XX"])


def test_parse_cmudict_variants() -> None:
    lines = ["what W AH T", "what(2) HH W AH T", "what(3) W AH T", "read R EH D", "read(2) R IY D"]
    parsed = parse_cmudict(lines)
    assert parsed["what"] == [["w", "ʌ", "t"], ["h", "w", "ʌ", "t"]]
    assert parsed["read"] == [["ɹ", "ɛ", "d"], ["ɹ", "i", "d"]]


def test_real_cmudict_maps_completely() -> None:
    cmu = read_cmudict(cmudict_path())
    assert len(cmu) > 125_000  # distinct words (134,860 lines with the variants)
    assert ["t", "ɝ", "n"] in cmu["turn"]


def test_g2p_text() -> None:
    assert g2p_text("air-conditioning") == "air conditioning"
    assert g2p_text("a.") is None  # letters: CMUdict says "eɪ", G2P would say "ə"
    assert g2p_text("what's") == "what's"


def test_pronunciations_order_and_spelled_mode() -> None:
    cmu = {
        "what": [["w", "ʌ", "t"], ["h", "w", "ɑ", "t"]],
        "espresso": [["ɛ", "s", "p", "ɹ", "ɛ", "s", "oʊ"]],
    }
    # G2P first, CMU variants after it, duplicates dropped, "ɡ" folded into "g".
    assert pronunciations("what", ["h", "w", "ɑ", "t"], cmu) == [
        ["h", "w", "ɑ", "t"],
        ["w", "ʌ", "t"],
    ]
    assert pronunciations("gig", ["ɡ", "ɪ", "ɡ"], {}) == [["g", "ɪ", "g"]]
    # Spelled foreign mode (space tokens) keeps only the CMU forms...
    spelled = ["e", " ", "s", " ", "p", " ", "r", " ", "ɛ", " ", "s", " ", "o"]
    assert pronunciations("espresso", spelled, cmu) == cmu["espresso"]
    # ...unless CMU has nothing: then the spelled form, without spaces, is better than nothing.
    assert pronunciations("zzespresso", spelled, {}) == [["e", "s", "p", "r", "ɛ", "s", "o"]]
    # Other foreign-looking forms stay first: the acoustic model says "ɡ o" for "go" too.
    # Diacritics and ties are not phonemes and are dropped.
    assert pronunciations("go", ["ɡ", "o"], {"go": [["g", "oʊ"]]}) == [["g", "o"], ["g", "oʊ"]]
    assert pronunciations("do", ["d", "̪", "o"], {}) == [["d", "o"]]
    assert pronunciations("it's", ["ɪ", "t", "‿", "s"], {}) == [["ɪ", "t", "s"]]
    # Words G2P has not reached yet still get their CMU forms.
    assert pronunciations("what", None, cmu) == cmu["what"]


def test_priority_words_come_first() -> None:
    words = priority_words()
    assert words.index("turn") < len(template_words()) and "lights" in words
    assert "seventy" in number_words() and "hundred" in number_words()
    assert "dashwood" in words  # the LibriVox transcripts


def test_run_g2p_resumes_after_a_kill(tmp_path: Path) -> None:
    cache = tmp_path / "g2p.tsv"
    g2p = hama_g2p()
    words = ["turn", "on", "kitchen", "lights"]
    assert run_g2p(words, cache, g2p=g2p, limit=2) == 2
    assert list(read_cache(cache)) == ["turn", "on"]
    # A kill in the middle of a line leaves a partial line: it is dropped and redone.
    with cache.open("a", encoding="utf-8") as stream:
        stream.write('kitchen\t["k", "ɪ')
    assert list(read_cache(cache)) == ["turn", "on"]
    assert run_g2p(words, cache, g2p=g2p) == 2
    done = read_cache(cache)
    assert list(done) == words
    assert done["kitchen"] == ["k", "ɪ", "t͡ʃ", "ə", "n"]
    assert run_g2p(words, cache, g2p=g2p) == 0  # nothing left to do
    lines = cache.read_text(encoding="utf-8").splitlines()
    assert next(json.loads(line.split("\t")[1]) for line in lines) == ["t", "ɝ", "n"]


def test_one_g2p_run_at_a_time(tmp_path: Path) -> None:
    cache = tmp_path / "g2p.tsv"
    with (tmp_path / "g2p.tsv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="another lexicon build"):
            run_g2p(["turn"], cache, g2p=lambda text: ["t"])
    assert run_g2p(["turn"], cache, g2p=lambda text: ["t", "ɝ", "n"]) == 1


def test_write_lexicon_is_complete_without_g2p(tmp_path: Path) -> None:
    cache = tmp_path / "g2p.tsv"
    cache.write_text('kitchen\t["k", "ɪ", "t͡ʃ", "ə", "n"]\n', encoding="utf-8")
    output = tmp_path / "lexicon.tsv.gz"
    cmu = {"kitchen": [["k", "ɪ", "t͡ʃ", "ə", "n"]], "lights": [["l", "aɪ", "t", "s"]]}
    stats = write_lexicon(["kitchen", "lights", "qqq"], cache, output, cmu=cmu)
    assert stats == {"words": 2, "g2p": 1, "spelled": 0, "cmu_only": 1, "missing": 1, "lines": 2}
    assert _read_lexicon(output) == {"kitchen": ["k ɪ t͡ʃ ə n"], "lights": ["l aɪ t s"]}
    # Deterministic bytes for the versioned file.
    first = output.read_bytes()
    write_lexicon(["kitchen", "lights", "qqq"], cache, output, cmu=cmu)
    assert output.read_bytes() == first


def test_packaged_lexicon_has_g2p_and_cmu_variants(hama_table: TokenTable) -> None:
    entries = _read_lexicon(PACKAGED_LEXICON)
    vocabulary = set(lm_vocabulary()) - {"<s>", "</s>"}
    assert vocabulary <= set(entries)  # every LM word has a pronunciation
    assert entries["kitchen"][0] == "k ɪ t͡ʃ ə n"  # G2P form first
    assert entries["what"][0] == "h w ɑ t" and "w ʌ t" in entries["what"]  # then CMU variants
    assert entries["go"] == ["g o", "g oʊ"]  # G2P's "ɡ o" (what the model says) first
    assert entries["espresso"][0] == "ɛ s p ɹ ɛ s oʊ"  # spelled by G2P: CMUdict's forms only
    assert "zupanja" in entries
    lexicon = Lexicon.load(PACKAGED_LEXICON, hama_table)
    assert len(lexicon.words) >= len(vocabulary)
