"""Write the decoder's data files into a model directory, and load its language model.

Files (next to the acoustic model):
- `lexicon.tsv.gz`: the packaged lexicon (`data/lexicon_en.tsv.gz`) followed by the learned
  pronunciation variants (`data/lexicon_learned_en.tsv`, `learned_variants.py`);
- `lm/general/*.npy` + `lm/general/vocabulary.txt`: the general English trigram, derived from
  pocketsphinx's `en-us.lm.bin` (`ngram_tables.py` describes the arrays; memory-mapped at load);
- `lm/command_sentences.txt`: Home Assistant command sentences with `<name>`/`<area>`/`<floor>`
  placeholders, counted into the command model at load;
- `lm/lm.json`: format version, sources and the command model's weight.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from ..decode.command_lm import CommandLanguageModel
from ..decode.command_words import template_sentences
from ..decode.interpolated_lm import (
    DEFAULT_COMMAND_WEIGHT,
    DEFAULT_MAX_LOG_ODDS,
    InterpolatedLanguageModel,
)
from ..decode.ngram_lm import NgramLanguageModel
from ..decode.ngram_tables import VOCABULARY_FILE, tables_from_trigrams
from ..progress import Progress
from .learned_variants import LEARNED_LEXICON, read_variants
from .lexicon_build import PACKAGED_LEXICON
from .pocketsphinx_files import english_lm_path
from .sphinx_trie import read_sphinx_trie

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


def write_decoder_files(model_dir: Path) -> None:
    """Lexicon and language models for the model in `model_dir` (a few seconds)."""
    lm_dir = model_dir / LM_DIR
    lm_dir.mkdir(parents=True, exist_ok=True)
    with Progress("decoder files", total=4) as progress:
        learned = write_model_lexicon(model_dir / LEXICON_FILE)
        progress.advance(note="lexicon")
        source = english_lm_path()
        trigrams = read_sphinx_trie(source.read_bytes())
        progress.advance(note="read en-us.lm.bin")
        tables = tables_from_trigrams(trigrams)
        general_dir = lm_dir / GENERAL_DIR
        tables.save(general_dir)
        progress.advance(note="general LM")
        sentences = template_sentences()
        (lm_dir / COMMAND_SENTENCES_FILE).write_text(
            "".join(" ".join(words) + "\n" for words in sentences), encoding="utf-8"
        )
        config = {
            "format": LM_FORMAT,
            "lexicon": {"learned_variants": learned},
            "general": {
                "source": "pocketsphinx en-us.lm.bin (CMU Sphinx, BSD)",
                "unigrams": len(tables.words),
                "bigrams": len(tables.bigram_words),
                "trigrams": len(tables.trigram_words),
                "bytes": tables.nbytes(),
            },
            "command": {
                "source": "home-assistant-intents speech-to-phrase templates (en), hassil",
                "sentences": len(sentences),
                "weight": DEFAULT_COMMAND_WEIGHT,
                "max_log_odds": DEFAULT_MAX_LOG_ODDS,
            },
        }
        (lm_dir / LM_CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        progress.advance(note="command LM")


def write_model_lexicon(path: Path) -> int:
    """The packaged lexicon with the learned variants appended as a second gzip member (gzip
    readers read on across members); returns the number of learned variants."""
    learned = read_variants(LEARNED_LEXICON)
    shutil.copyfile(PACKAGED_LEXICON, path)
    if learned:
        with path.open("ab") as stream:
            stream.write(gzip.compress("".join(f"{line}\n" for line in learned).encode(), mtime=0))
    return len(learned)


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
