"""The decoder files of a model directory: written by `write_decoder_files`, loaded back."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from wyoming_local_asr.acoustic.default_model import PACKAGED_LEXICON
from wyoming_local_asr.build.decoder_files import write_decoder_files
from wyoming_local_asr.build.learned_variants import read_variants
from wyoming_local_asr.decode.language_model import LanguageModel, sentence_log_prob
from wyoming_local_asr.decode.lm_files import (
    COMMAND_SENTENCES_FILE,
    LEXICON_FILE,
    LM_CONFIG_FILE,
    LM_DIR,
    decoder_files_present,
    load_language_model,
)

pytest.importorskip("pocketsphinx")
pytest.importorskip("hassil")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    assert not decoder_files_present(directory)
    write_decoder_files(directory)
    return directory


def test_files_are_written(model_dir: Path) -> None:
    assert decoder_files_present(model_dir)
    with gzip.open(model_dir / LEXICON_FILE, "rt", encoding="utf-8") as stream:
        lexicon = stream.read().splitlines()
    with gzip.open(PACKAGED_LEXICON, "rt", encoding="utf-8") as stream:
        packaged = stream.read().splitlines()
    learned = read_variants()
    assert learned, "the learned variants are part of the package"
    assert lexicon == packaged + learned
    config = json.loads((model_dir / LM_DIR / LM_CONFIG_FILE).read_text())
    assert config["lexicon"]["learned_variants"] == len(learned)
    assert config["general"]["trigrams"] == 1_669_625
    assert 0.0 < config["command"]["weight"] < 1.0
    lines = (model_dir / LM_DIR / COMMAND_SENTENCES_FILE).read_text().splitlines()
    assert "turn on the <name>" in lines


def test_loaded_model_follows_the_protocol(model_dir: Path) -> None:
    model: LanguageModel = load_language_model(model_dir)
    state = model.initial_state()
    total = 0.0
    for word in ["turn", "on", "the", "kitchen", "lights"]:
        logprob, state = model.score(state, model.word_id(word))
        assert logprob < 0.0
        total += logprob
    total += model.final_score(state)
    assert total > -20.0  # a likely command: the general model alone gives about -31


def test_phrases_at_load_and_weight_override(model_dir: Path) -> None:
    biased = load_language_model(model_dir, phrases=["aquarium pump"])
    plain = load_language_model(model_dir, command_weight=0.01)
    words = ["turn", "on", "the", "aquarium", "pump"]
    assert sentence_log_prob(biased, words) > sentence_log_prob(plain, words) + 3.0
