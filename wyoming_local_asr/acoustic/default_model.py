"""Whether the default model in a data dir is current: built by this package's version of the
build (`BUILD_VERSION`), from the installed `hama` and the packaged lexicon, in the LM format
this runtime reads. `build/default_model.py` builds it and stamps `expected_version()` into its
card; the server only checks.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..decode.lm_files import LM_FORMAT
from .card import load_card
from .errors import ModelError
from .paths import CARD_JSON

# Bump when the graph, the quantization or the dir layout changes: older dirs get rebuilt.
BUILD_VERSION = "2"
_DATA = Path(__file__).resolve().parent.parent / "data"
# The package data the default model's lexicon is made of (`build/lexicon_build.py`,
# `build/learned_variants.py` write them; `build/decoder_files.py` copies them into the model).
PACKAGED_LEXICON = _DATA / "lexicon_en.tsv.gz"
LEARNED_LEXICON = _DATA / "lexicon_learned_en.tsv"


def hama_version() -> str:
    try:
        return version("hama")
    except PackageNotFoundError:
        return "unknown"


def _lexicon_digest() -> str:
    digest = hashlib.sha256(PACKAGED_LEXICON.read_bytes())
    if LEARNED_LEXICON.exists():
        digest.update(LEARNED_LEXICON.read_bytes())
    return digest.hexdigest()[:12]


def expected_version() -> str:
    """Changes whenever a rebuild would produce something different: hama's weights, the graph
    (`BUILD_VERSION`), the LM format or the packaged lexicon and its learned variants."""
    return f"hama-{hama_version()}+build{BUILD_VERSION}+lm{LM_FORMAT}+lexicon-{_lexicon_digest()}"


def is_current(model_dir: Path) -> bool:
    """True if `model_dir` holds a complete build of this version (file sizes, not checksums)."""
    try:
        card = load_card(model_dir / CARD_JSON)
    except ModelError:
        return False
    if card.version != expected_version() or not card.files:
        return False
    return all(
        (model_dir / name).is_file() and (model_dir / name).stat().st_size == entry.size
        for name, entry in card.files.items()
    )
