"""Known models (the manifest), installed model dirs, and `verify` of a model dir."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..config import DEFAULT_MODEL
from ..recognizer import SAMPLE_RATE
from .card import ModelCard, file_entry, load_card, sha256_of
from .errors import ModelError
from .paths import CARD_JSON, CARD_MARKDOWN, FP32_FILE, INT8_FILE, TOKENS_FILE, models_dir
from .runner import OnnxAcousticModel

MANIFEST_RESOURCE = "models_manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    description: str
    source: str
    license: str
    frontend: str
    how: str  # "build" (made locally) or "download"
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def load_manifest(path: Path | None = None) -> list[ManifestEntry]:
    """The packaged manifest (a copy of the repo's `models/manifest.json`), or `path`."""
    try:
        if path is None:
            resource = resources.files("wyoming_local_asr").joinpath("data", MANIFEST_RESOURCE)
            text = resource.read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        return [ManifestEntry(**entry) for entry in data["models"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelError(f"models manifest is unreadable: {err}") from err


def installed_models(data_dir: Path | None = None) -> dict[str, Path]:
    """Model dirs (with a card) under `<data dir>/models/`, by name."""
    root = models_dir(data_dir)
    if not root.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(root.iterdir())
        if p.is_dir() and not p.name.startswith(".") and (p / CARD_JSON).is_file()
    }


def resolve_model(name_or_dir: str, data_dir: Path | None = None) -> Path:
    """A model dir given as a path or as the name of an installed model."""
    as_path = Path(name_or_dir).expanduser()
    if as_path.is_dir():
        return as_path
    installed = installed_models(data_dir)
    if name_or_dir in installed:
        return installed[name_or_dir]
    hint = ""
    if name_or_dir == DEFAULT_MODEL:
        hint = " (`wyoming-local-asr model build` makes it)"
    raise ModelError(f"{name_or_dir!r} is neither a model dir nor an installed model{hint}")


@dataclass
class VerifyReport:
    """The outcome of `verify_model`: one line per check, `ok` if all passed."""

    model_dir: Path
    checks: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(passed for passed, _ in self.checks)

    def add(self, passed: bool, message: str) -> bool:
        self.checks.append((passed, message))
        return passed


def verify_model(model_dir: Path) -> VerifyReport:
    """Checksums against the card, each model file loadable, tokens count == output width."""
    report = VerifyReport(model_dir)
    try:
        card = load_card(model_dir / CARD_JSON)
    except ModelError as err:
        report.add(False, str(err))
        return report
    report.add(True, f"card: {card.name} (frontend {card.frontend})")
    for name, entry in sorted(card.files.items()):
        path = model_dir / name
        if not path.is_file():
            report.add(False, f"{name}: missing")
        elif path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
            report.add(False, f"{name}: checksum mismatch (corrupted or replaced)")
        else:
            report.add(True, f"{name}: sha256 ok")
    model_files = [n for n in (INT8_FILE, FP32_FILE) if (model_dir / n).is_file()]
    if not report.add(bool(model_files), f"model files: {', '.join(model_files) or 'none'}"):
        return report
    if not (model_dir / TOKENS_FILE).is_file():
        report.add(False, f"{TOKENS_FILE}: missing")
        return report
    for name in model_files:
        _verify_runs(report, model_dir, quantized=name == INT8_FILE, label=name)
    return report


def _verify_runs(report: VerifyReport, model_dir: Path, quantized: bool, label: str) -> None:
    try:
        model = OnnxAcousticModel(
            model_dir, quantized=quantized, device="cpu", verify_checksum=False
        )
        logprobs = model(np.zeros(SAMPLE_RATE, dtype=np.float32))
    except ModelError as err:
        report.add(False, f"{label}: {err}")
        return
    report.add(
        logprobs.ndim == 2 and logprobs.shape[1] == model.vocab_size,
        f"{label}: loads and runs; {logprobs.shape[0]} frames x {logprobs.shape[1]} classes "
        f"for 1 s, {model.vocab_size} tokens",
    )


def card_from_manifest(entry: ManifestEntry, model_dir: Path) -> ModelCard:
    """A card for a downloaded model dir: the manifest's template plus checksums of its files."""
    if not entry.card:
        raise ModelError(f"{entry.name} has no card template in the manifest (not runnable)")
    data: dict[str, Any] = {
        "name": entry.name,
        "description": entry.description,
        "source": entry.source,
        **entry.card,
    }
    card = ModelCard.from_dict(data)
    card.files = {
        p.name: file_entry(p)
        for p in sorted(model_dir.iterdir())
        if p.is_file() and p.name not in (CARD_JSON, CARD_MARKDOWN)
    }
    return card
