"""Where models live: `<data dir>/models/<name>/`, and the file names inside a model dir."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL_NAME = "hama-conformer-ctc-en"
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENS_FILE = "tokens.txt"
CARD_JSON = "card.json"
CARD_MARKDOWN = "README.md"
DATA_DIR_ENV = "LOCAL_ASR_DATA_DIR"


def default_data_dir() -> Path:
    """`$LOCAL_ASR_DATA_DIR`, else `$XDG_DATA_HOME/wyoming-local-asr`, else `~/.local/share/...`."""
    from ..config import default_data_dir as settings_default

    explicit = os.environ.get(DATA_DIR_ENV)
    return Path(explicit).expanduser() if explicit else settings_default()


def models_dir(data_dir: Path | None = None) -> Path:
    return (data_dir if data_dir is not None else default_data_dir()) / "models"


def model_dir(name: str = DEFAULT_MODEL_NAME, data_dir: Path | None = None) -> Path:
    return models_dir(data_dir) / name
