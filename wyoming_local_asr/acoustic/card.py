"""The model card: `card.json` (read by the runner and `model verify`) and its `README.md` twin."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ModelError

FRONTENDS = ("waveform", "fbank80")
FEATURE_LAYOUTS = ("BTF", "BFT")
WAVEFORM_NORMALIZATIONS = ("none", "zero_mean_unit_var")


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass
class ModelCard:
    """What a model dir declares about itself. Measurements are free-form dicts of numbers."""

    name: str
    frontend: str
    description: str = ""
    version: str = "1"
    languages: list[str] = field(default_factory=lambda: ["en"])
    license: str = "unknown"
    source: str = ""
    attribution_name: str = ""
    attribution_url: str = ""
    token_type: str = "phoneme"
    blank: str = "<blank>"
    word_boundary: str | None = None
    # Milliseconds of audio per output frame (20 for ours, 40 for NeMo/zipformer CTC).
    frame_shift_ms: float = 20.0
    # "logprobs" if the graph ends in log-softmax, "logits" if the runner must normalize.
    output: str = "logprobs"
    # fbank80 only: "BTF" = [batch, frames, 80] (zipformer), "BFT" = [batch, 80, frames] (NeMo).
    feature_layout: str = "BTF"
    # waveform only: "zero_mean_unit_var" normalizes each utterance first (wav2vec2 exports).
    waveform_normalize: str = "none"
    fbank: dict[str, Any] = field(default_factory=dict)
    # True if the graph masks padding by its lengths input, so a row of a padded batch gives
    # what it gives alone (`OnnxAcousticModel.forward_batch`); other graphs run one by one.
    masks_padding: bool = False
    parameters: int | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    quantization: dict[str, Any] = field(default_factory=dict)
    accuracy: dict[str, Any] = field(default_factory=dict)
    speed: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        try:
            values["files"] = {
                name: FileEntry(sha256=str(e["sha256"]), size=int(e["size"]))
                for name, e in dict(values.get("files", {})).items()
            }
            card = cls(**values)
        except (TypeError, KeyError, ValueError) as err:
            raise ModelError(f"model card is malformed: {err}") from err
        if card.frontend not in FRONTENDS:
            raise ModelError(f"model card declares unknown frontend {card.frontend!r}")
        if card.feature_layout not in FEATURE_LAYOUTS:
            raise ModelError(f"model card declares unknown feature_layout {card.feature_layout!r}")
        if card.waveform_normalize not in WAVEFORM_NORMALIZATIONS:
            raise ModelError(
                f"model card declares unknown waveform_normalize {card.waveform_normalize!r}"
            )
        return card


def load_card(path: Path) -> ModelCard:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelError(f"model card {path} is missing") from err
    except (OSError, ValueError) as err:
        raise ModelError(f"model card {path} is unreadable: {err}") from err
    if not isinstance(data, dict):
        raise ModelError(f"model card {path} is not a JSON object")
    return ModelCard.from_dict(data)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> FileEntry:
    return FileEntry(sha256=sha256_of(path), size=path.stat().st_size)


def check_file(model_dir: Path, card: ModelCard, name: str) -> None:
    """Raise `ModelError` if `name` is missing or differs from the card's size/sha256."""
    path = model_dir / name
    if not path.is_file():
        raise ModelError(f"{path} is missing")
    entry = card.files.get(name)
    if entry is None:
        return
    if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
        raise ModelError(f"{path} does not match its checksum in card.json (corrupted?)")


def render_markdown(card: ModelCard) -> str:
    """The human-readable card written next to `card.json`."""
    lines = [f"# {card.name}", "", card.description, ""]
    lines += [
        f"- Source: {card.source}",
        f"- License: {card.license}; attribution: {card.attribution_name} ({card.attribution_url})",
        f"- Front end: `{card.frontend}`; tokens: {card.token_type}; "
        f"{card.frame_shift_ms:g} ms per output frame",
    ]
    if card.parameters is not None:
        lines.append(f"- Parameters: {card.parameters:,}")
    lines += ["", "## Files", "", "| file | size (bytes) | sha256 |", "| --- | ---: | --- |"]
    lines += [f"| `{name}` | {e.size:,} | `{e.sha256}` |" for name, e in sorted(card.files.items())]
    for title, block in (
        ("Quantization", card.quantization),
        ("Accuracy", card.accuracy),
        ("Speed", card.speed),
    ):
        if block:
            lines += ["", f"## {title}", ""]
            lines += [f"- {key}: {_format_value(value)}" for key, value in block.items()]
    if card.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in card.notes]
    return "\n".join(lines) + "\n"


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_format_value(v)}" for k, v in value.items())
    return str(value)
