"""The decoder's files in a model directory, and loading its language model.

- `lexicon.tsv.gz`: pronunciations (`lexicon.py` reads it);
- `lm/general/*.npy` + `lm/general/vocabulary.txt`: the general English trigram
  (`ngram_tables.py` describes the arrays; memory-mapped at load);
- `lm/command_sentences.txt`: Home Assistant command sentences with `<name>`/`<area>`/`<floor>`
  placeholders, counted into the command model at load;
- `lm/lm.json`: format version, sources and the command model's weight.
`build/decoder_files.py` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .command_lm import CommandLanguageModel
from .interpolated_lm import DEFAULT_COMMAND_WEIGHT, DEFAULT_MAX_LOG_ODDS, InterpolatedLanguageModel
from .ngram_lm import NgramLanguageModel
from .ngram_tables import VOCABULARY_FILE

LEXICON_FILE = "lexicon.tsv.gz"
LM_DIR = "lm"
GENERAL_DIR = "general"
COMMAND_SENTENCES_FILE = "command_sentences.txt"
LM_CONFIG_FILE = "lm.json"
LM_FORMAT = 4  # 2: sparse trigram contexts; 3: mixture clip in lm.json; 4: 16-bit word ids


def decoder_files_present(model_dir: Path) -> bool:
    """True when `model_dir` has every decoder file, in the current format."""
    lm_dir = model_dir / LM_DIR
    try:
        config = json.loads((lm_dir / LM_CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return False
    if config.get("format") != LM_FORMAT:
        return False
    return all(
        path.exists()
        for path in (
            model_dir / LEXICON_FILE,
            lm_dir / LM_CONFIG_FILE,
            lm_dir / COMMAND_SENTENCES_FILE,
            lm_dir / GENERAL_DIR / VOCABULARY_FILE,
        )
    )


def read_command_sentences(model_dir: Path) -> list[list[str]]:
    text = (model_dir / LM_DIR / COMMAND_SENTENCES_FILE).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip()]


def load_language_model(
    model_dir: Path,
    command_weight: float | None = None,
    phrases: Iterable[str] = (),
) -> InterpolatedLanguageModel:
    """The general model (memory-mapped) mixed with the command model, biased to `phrases`."""
    lm_dir = model_dir / LM_DIR
    config = json.loads((lm_dir / LM_CONFIG_FILE).read_text())
    if config.get("format") != LM_FORMAT:
        raise ValueError(f"{lm_dir}: unsupported LM format {config.get('format')}")
    mixture = config.get("command", {})
    weight = command_weight
    if weight is None:
        weight = float(mixture.get("weight", DEFAULT_COMMAND_WEIGHT))
    max_log_odds = float(mixture.get("max_log_odds", DEFAULT_MAX_LOG_ODDS))
    general = NgramLanguageModel.load(lm_dir / GENERAL_DIR)
    command = CommandLanguageModel(read_command_sentences(model_dir))
    model = InterpolatedLanguageModel(general, command, weight, max_log_odds)
    phrases = list(phrases)
    if phrases:
        model.add_phrases(phrases)
    return model
