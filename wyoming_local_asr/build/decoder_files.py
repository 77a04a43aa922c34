"""Write the decoder's data files into a model directory (`decode/lm_files.py` names them).

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
from pathlib import Path

from ..acoustic.default_model import LEARNED_LEXICON, PACKAGED_LEXICON
from ..decode.interpolated_lm import DEFAULT_COMMAND_WEIGHT, DEFAULT_MAX_LOG_ODDS
from ..decode.lm_files import (
    COMMAND_SENTENCES_FILE,
    GENERAL_DIR,
    LEXICON_FILE,
    LM_CONFIG_FILE,
    LM_DIR,
    LM_FORMAT,
)
from ..progress import Progress
from .command_sentences import template_sentences
from .general_lm import tables_from_trigrams
from .learned_variants import read_variants
from .pocketsphinx_files import english_lm_path
from .sphinx_trie import read_sphinx_trie


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
