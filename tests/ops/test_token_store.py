"""Token store: create, verify, revoke; only keyed hashes on disk; legacy scrypt files."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
import time
from pathlib import Path

import pytest

from wyoming_local_asr.ops.auth import Authorizer, Outcome, bearer_token
from wyoming_local_asr.ops.roles import Roles
from wyoming_local_asr.ops.token_store import TokensFileError, TokenStore


def test_create_verify_revoke(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    record, token = store.create("admin", "home assistant")
    assert token.startswith(f"lasr_{record.id}_")
    assert store.verify(token) == record
    assert store.verify(token + "x") is None
    assert store.verify(token[:-1]) is None
    assert store.verify("") is None
    assert store.verify("lasr_ffffffff_" + token.split("_", 2)[2]) is None
    assert [r.id for r in store.records()] == [record.id]
    assert store.revoke(record.id)
    assert store.verify(token) is None
    assert not store.revoke(record.id)
    assert store.records() == []


def test_file_holds_keyed_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tokens.json"
    store = TokenStore(path)
    _, first_token = store.create("admin")
    second, second_token = store.create("user", "kitchen")
    text = path.read_text()
    for token in (first_token, second_token):
        assert token not in text
        assert token.split("_", 2)[2] not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_path = tmp_path / "data" / "tokens.key"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = bytes.fromhex(key_path.read_text().strip())
    assert len(key) == 32
    stored = {entry["id"]: entry for entry in json.loads(text)["tokens"]}
    entry = stored[second.id]
    assert (entry["role"], entry["name"], entry["kdf"]) == ("user", "kitchen", "hmac-sha256")
    secret = second_token.split("_", 2)[2]
    expected = hmac.digest(key, f"{second.id}:{secret}".encode(), "sha256")
    assert entry["hash"] == expected.hex()


def test_another_process_shares_the_key(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    record, token = TokenStore(path).create("admin")  # the CLI
    assert TokenStore(path).verify(token) == record  # the server, started later


def test_verification_is_fast_and_lock_free(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    record, token = store.create("admin")
    assert store.is_fast(token) and store.is_fast("lasr_ffffffff_x") and store.is_fast("junk")
    with store._lock:  # a writer holding the lock does not block verification
        assert store.verify(token) == record
        assert store.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    # Microseconds, not scrypt's tens of milliseconds (a loose bound for a busy machine).
    started = time.perf_counter()
    for _ in range(200):
        store.verify(token)
        store.verify("lasr_ffffffff_" + "x" * 43)
    assert (time.perf_counter() - started) / 400 < 0.002


def _legacy_file(path: Path) -> tuple[str, str]:
    """A tokens file as the scrypt version wrote it, with one admin token."""
    secret = "s" * 43
    salt = bytes(range(16))
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    entry = {
        "id": "0badc0de",
        "name": "old",
        "role": "admin",
        "created": "2026-01-01T00:00:00+00:00",
        "salt": salt.hex(),
        "hash": digest.hex(),
        "kdf": "scrypt",
        "n": 2**14,
        "r": 8,
        "p": 1,
    }
    path.write_text(json.dumps({"version": 1, "tokens": [entry]}))
    return "0badc0de", f"lasr_0badc0de_{secret}"


def test_legacy_scrypt_token_is_migrated_when_first_presented(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token_id, token = _legacy_file(path)
    store = TokenStore(path)
    assert not store.is_fast(token)
    assert store.verify(token[:-1] + "t") is None  # a wrong secret leaves the record alone
    assert json.loads(path.read_text())["tokens"][0]["kdf"] == "scrypt"
    record = store.verify(token)
    assert record is not None and (record.id, record.role, record.name) == (
        token_id,
        "admin",
        "old",
    )
    entry = json.loads(path.read_text())["tokens"][0]
    assert entry["kdf"] == "hmac-sha256" and entry["salt"] == "" and entry["n"] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.is_fast(token)
    assert store.verify(token) == record
    assert TokenStore(path).verify(token) == record  # a new process reads the migrated form
    assert TokenStore(path).verify(token[:-1] + "t") is None


def test_a_running_store_sees_tokens_created_and_revoked_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    server = TokenStore(path)
    cli = TokenStore(path)
    assert server.verify("lasr_00000000_nothing") is None
    record, token = cli.create("user")
    assert server.verify(token) == record
    assert server.verify(token) == record
    TokenStore(path).revoke(record.id)
    assert server.verify(token) is None


def test_corrupt_tokens_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(TokensFileError, match="not a valid tokens file"):
        TokenStore(path).records()
    path.write_text('{"version": 99, "tokens": []}')
    with pytest.raises(TokensFileError, match="unsupported version"):
        TokenStore(path).records()


def test_authorizer_decisions(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    authorizer = Authorizer(Roles.from_config(None), store)
    admin, admin_token = store.create("admin")
    user, user_token = store.create("user")

    assert authorizer.check(None, "model:write").outcome is Outcome.UNAUTHENTICATED
    assert authorizer.check("garbage", "model:write").outcome is Outcome.UNAUTHENTICATED
    forbidden = authorizer.check(user_token, "model:write")
    assert forbidden.outcome is Outcome.FORBIDDEN
    assert user.id in forbidden.reason
    assert user_token not in forbidden.reason
    assert authorizer.check(user_token, "transcribe").allowed
    allowed = authorizer.check(admin_token, "model:write")
    assert allowed.allowed
    assert allowed.token == admin


def test_token_of_a_role_that_no_longer_exists_has_no_permission(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    _, token = store.create("operator")
    authorizer = Authorizer(Roles.from_config(None), store)
    assert authorizer.check(token, "model:read").outcome is Outcome.FORBIDDEN


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc  ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_header(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected
