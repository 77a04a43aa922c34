"""`wyoming-local-asr token create|list|revoke` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wyoming_local_asr.cli import main
from wyoming_local_asr.ops.token_store import TokenStore


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["token", "--data-dir", str(tmp_path)]
    assert main([*data, "create", "--role", "admin", "--name", "ha"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("lasr_")
    path = tmp_path / "tokens.json"
    assert token not in path.read_text()
    record = TokenStore(path).verify(token)
    assert record is not None
    assert (record.role, record.name) == ("admin", "ha")

    assert main([*data, "list"]) == 0
    listing = capsys.readouterr().out
    assert record.id in listing
    assert "admin" in listing
    assert token not in listing

    assert main([*data, "revoke", record.id]) == 0
    assert TokenStore(path).verify(token) is None
    assert main([*data, "revoke", record.id]) == 1


def test_unknown_role_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--data-dir", str(tmp_path), "create", "--role", "root"]) == 2
    assert "unknown role 'root'" in capsys.readouterr().err
    assert not (tmp_path / "tokens.json").exists()


def test_roles_from_the_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"roles": {"operator": ["model:read", "model:write"]}}))
    tokens = tmp_path / "elsewhere" / "tokens.json"
    args = ["token", "--config", str(config), "--tokens-file", str(tokens)]
    assert main([*args, "create", "--role", "operator"]) == 0
    token = capsys.readouterr().out.strip()
    record = TokenStore(tokens).verify(token)
    assert record is not None
    assert record.role == "operator"
