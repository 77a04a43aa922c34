"""Where models live: `<data dir>/models/<name>/`, and the file names inside a model dir."""

from __future__ import annotations

from pathlib import Path

from ..config import DEFAULT_MODEL, default_data_dir

FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENS_FILE = "tokens.txt"
CARD_JSON = "card.json"
CARD_MARKDOWN = "README.md"


def models_dir(data_dir: Path | None = None) -> Path:
    return (data_dir if data_dir is not None else default_data_dir()) / "models"


def model_dir(name: str = DEFAULT_MODEL, data_dir: Path | None = None) -> Path:
    return models_dir(data_dir) / name
