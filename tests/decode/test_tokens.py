from pathlib import Path

import pytest

from wyoming_local_asr.decode.phoneme_tokens import TokenTable, is_phoneme, normalize_phoneme

TOKENS = ["<pad>", " ", "a", "g", "ɡ", "t͡ʃ", "̪", "ʰ", "kʰ", "˥", "<wb>", "<blank>"]


def test_load_reads_sherpa_layout_with_a_space_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt"
    path.write_text("".join(f"{token} {index}\n" for index, token in enumerate(TOKENS)), "utf-8")
    table = TokenTable.load(path)
    assert table.tokens == TOKENS
    assert table.blank_id == 11
    assert table.word_boundary_id == 10
    assert table.id(" ") == 1


def test_needs_blank_and_word_boundary() -> None:
    with pytest.raises(ValueError):
        TokenTable(["a", "<blank>"])


def test_phoneme_classes() -> None:
    assert [is_phoneme(t) for t in TOKENS] == [
        False, False, True, True, True, True, False, False, True, False, False, False
    ]  # fmt: skip
    assert normalize_phoneme("ɡ") == "g"
    assert normalize_phoneme("t͡ʃ") == "t͡ʃ"


def test_canonical_ids_fold_aliases_and_silence() -> None:
    table = TokenTable(TOKENS)
    # <pad>, space, diacritics and tone letters count as blank; IPA g counts as ASCII g.
    assert table.canonical_ids() == [11, 11, 2, 3, 3, 5, 11, 11, 8, 11, 10, 11]
    assert table.phoneme_id("ɡ") == 3
    assert table.phoneme_id("̪") is None
    assert table.phoneme_id("q") is None


def test_default_model_inventory() -> None:
    vocabulary = pytest.importorskip("hama.vocab")
    table = TokenTable([*vocabulary.Vocabulary.load(None).decoder, "<wb>", "<blank>"])
    assert (len(table), table.word_boundary_id, table.blank_id) == (191, 189, 190)
    assert table.canonical_ids()[95] == 18  # ɡ -> g
