"""API tokens bound to a role, kept on disk only as salted scrypt hashes.

A token reads `lasr_<id>_<secret>`: the id finds the record, the secret is checked
against its hash in constant time. The tokens file is JSON, written atomically with mode
0600; a running server notices when `wyoming-local-asr token ...` changes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TOKEN_PREFIX = "lasr"
FILE_VERSION = 1
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_KEY_BYTES = 32
_SALT_BYTES = 16
_MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class TokenRecord:
    """What the tokens file keeps about one token (never the token itself)."""

    id: str
    name: str
    role: str
    created: str
    salt: str
    hash: str
    kdf: str = "scrypt"
    n: int = _SCRYPT["n"]
    r: int = _SCRYPT["r"]
    p: int = _SCRYPT["p"]


class TokenStore:
    """The tokens file: create, list, revoke and verify tokens. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._records: dict[str, TokenRecord] = {}
        self._stamp: tuple[int, int, int] | None = None
        # Tokens already verified against the current file, keyed by a keyed digest so that
        # memory never holds a token either.
        self._verified: dict[bytes, TokenRecord] = {}
        self._cache_key = secrets.token_bytes(32)

    def create(self, role: str, name: str = "") -> tuple[TokenRecord, str]:
        """A new token for `role`; returns its record and the token, which is shown once."""
        with self._lock:
            records = self._load()
            token_id = secrets.token_hex(4)
            while token_id in records:
                token_id = secrets.token_hex(4)
            secret = secrets.token_urlsafe(32)
            salt = secrets.token_bytes(_SALT_BYTES)
            record = TokenRecord(
                id=token_id,
                name=name,
                role=role,
                created=datetime.now(UTC).isoformat(timespec="seconds"),
                salt=salt.hex(),
                hash=_derive(secret, salt, **_SCRYPT).hex(),
            )
            records[token_id] = record
            self._save(records)
            return record, f"{TOKEN_PREFIX}_{token_id}_{secret}"

    def records(self) -> list[TokenRecord]:
        with self._lock:
            return sorted(self._load().values(), key=lambda record: record.created)

    def revoke(self, token_id: str) -> bool:
        """Remove a token; False when no token has that id."""
        with self._lock:
            records = self._load()
            if records.pop(token_id, None) is None:
                return False
            self._save(records)
            return True

    def verify(self, token: str) -> TokenRecord | None:
        """The record of a valid token, else None. Never logs or keeps the token."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        cache_key = hmac.digest(self._cache_key, token.encode(), "sha256")
        with self._lock:
            records = self._load()
            cached = self._verified.get(cache_key)
            if cached is not None:
                return cached
            prefix, _, rest = token.partition("_")
            token_id, _, secret = rest.partition("_")
            record = records.get(token_id) if prefix == TOKEN_PREFIX else None
            if record is None:
                # Spend the same work as for a known id, so timing does not reveal ids.
                _derive(secret, b"\0" * _SALT_BYTES, **_SCRYPT)
                return None
            expected = bytes.fromhex(record.hash)
            actual = _derive(secret, bytes.fromhex(record.salt), record.n, record.r, record.p)
            if not hmac.compare_digest(expected, actual):
                return None
            self._verified[cache_key] = record
            return record

    def _load(self) -> dict[str, TokenRecord]:
        """The file's records, read again only when the file changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            stamp = None
        else:
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp or stamp is None:
            self._records = _read(self.path) if stamp is not None else {}
            self._stamp = stamp
            self._verified.clear()
        return dict(self._records)

    def _save(self, records: dict[str, TokenRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "version": FILE_VERSION,
            "tokens": [asdict(record) for record in records.values()],
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            with os.fdopen(handle, "w") as file:
                os.fchmod(file.fileno(), 0o600)
                json.dump(document, file, indent=2)
                file.write("\n")
            Path(temporary).replace(self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                Path(temporary).unlink()
            raise
        self._records = dict(records)
        stat = self.path.stat()
        self._stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        self._verified.clear()


class TokensFileError(ValueError):
    """The tokens file exists but cannot be understood."""


def _read(path: Path) -> dict[str, TokenRecord]:
    try:
        document: Any = json.loads(path.read_text())
        if document.get("version") != FILE_VERSION:
            raise TokensFileError(f"{path}: unsupported version {document.get('version')!r}")
        records = [TokenRecord(**entry) for entry in document["tokens"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        if isinstance(error, TokensFileError):
            raise
        raise TokensFileError(f"{path}: not a valid tokens file ({error})") from error
    return {record.id: record for record in records}


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=_KEY_BYTES
    )
