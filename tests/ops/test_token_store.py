"""Token store: create, verify, revoke; only salted hashes on disk."""

from __future__ import annotations

import hashlib
import json
import stat
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


def test_file_holds_salted_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "tokens.json"
    store = TokenStore(path)
    first, first_token = store.create("admin")
    second, second_token = store.create("user", "kitchen")
    text = path.read_text()
    for token in (first_token, second_token):
        assert token not in text
        assert token.split("_", 2)[2] not in text
    assert first.salt != second.salt
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = {entry["id"]: entry for entry in json.loads(text)["tokens"]}
    entry = stored[second.id]
    assert entry["role"] == "user"
    assert entry["name"] == "kitchen"
    secret = second_token.split("_", 2)[2]
    expected = hashlib.scrypt(
        secret.encode(),
        salt=bytes.fromhex(entry["salt"]),
        n=entry["n"],
        r=entry["r"],
        p=entry["p"],
        dklen=32,
    )
    assert entry["hash"] == expected.hex()


def test_a_running_store_sees_tokens_created_and_revoked_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    server = TokenStore(path)
    cli = TokenStore(path)
    assert server.verify("lasr_00000000_nothing") is None
    record, token = cli.create("user")
    assert server.verify(token) == record
    assert server.verify(token) == record  # cached the second time
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
