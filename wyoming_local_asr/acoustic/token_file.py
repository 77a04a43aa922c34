"""`tokens.txt` in the sherpa-onnx layout: one `<token> <id>` line per token, ids 0..V-1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import ModelError


def write_tokens(path: Path, tokens: Sequence[str]) -> None:
    lines = [f"{token} {index}\n" for index, token in enumerate(tokens)]
    path.write_text("".join(lines), encoding="utf-8")


def read_tokens(path: Path) -> list[str]:
    """Tokens in id order. The id is the last field, so a token may itself be a space."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ModelError(f"cannot read tokens file {path}: {err}") from err
    by_id: dict[int, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        token, _, id_text = line.rstrip("\r").rpartition(" ")
        if not id_text.isdigit() or not token:
            raise ModelError(f"{path}:{number}: expected '<token> <id>', got {line!r}")
        by_id[int(id_text)] = token
    if not by_id or sorted(by_id) != list(range(len(by_id))):
        raise ModelError(f"{path}: token ids must run from 0 without gaps")
    return [by_id[i] for i in range(len(by_id))]
