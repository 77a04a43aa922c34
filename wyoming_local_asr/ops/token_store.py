"""API tokens bound to a role, kept on disk only as keyed hashes.

A token reads `lasr_<id>_<secret>` with a 256-bit random secret: the id finds the record, and
the secret is checked against the record's HMAC-SHA256, keyed with a secret of this store
(`<tokens file>.key` beside it, e.g. `tokens.key`, mode 0600, made on first use), in
constant time. A random 256-bit secret needs no slow key derivation: one check costs a few
microseconds and takes no lock, so it may run on the event loop.

Tokens files written before this kept salted scrypt hashes (`"kdf": "scrypt"`). Such a
record is still accepted: the first time its token is presented it is checked the old way
(about 30 ms, never on the event loop: `is_fast` tells the caller) and the record is then
rewritten in the keyed form, so existing tokens keep working without any user action.
Losing the key file invalidates every migrated or new token (create new ones).

The tokens file is JSON, written atomically with mode 0600; a running server notices when
`wyoming-local-asr token ...` changes it.
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
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TOKEN_PREFIX = "lasr"
FILE_VERSION = 1
KEYED = "hmac-sha256"
LEGACY = "scrypt"
_KEY_BYTES = 32
_MAX_TOKEN_LENGTH = 256
# Work spent on a token with an unknown id, so that timing does not reveal which ids exist.
_DUMMY_KEY = secrets.token_bytes(_KEY_BYTES)


@dataclass(frozen=True)
class TokenRecord:
    """What the tokens file keeps about one token (never the token itself)."""

    id: str
    name: str
    role: str
    created: str
    hash: str
    kdf: str = KEYED
    # Only for legacy scrypt records: their salt and cost parameters.
    salt: str = ""
    n: int = 0
    r: int = 0
    p: int = 0


class TokenStore:
    """The tokens file: create, list, revoke and verify tokens. Thread-safe; `verify` of a
    keyed record is lock-free."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key_path = path.with_suffix(".key")
        # Serializes writers (create, revoke, migration) and legacy scrypt checks (16 MiB each).
        self._lock = threading.Lock()
        # Replaced whole, never mutated: readers need no lock.
        self._records: dict[str, TokenRecord] = {}
        self._stamp: tuple[int, int, int] | None = None
        self._key: bytes | None = None

    def create(self, role: str, name: str = "") -> tuple[TokenRecord, str]:
        """A new token for `role`; returns its record and the token, which is shown once."""
        with self._lock:
            records = dict(self._load())
            token_id = secrets.token_hex(4)
            while token_id in records:
                token_id = secrets.token_hex(4)
            secret = secrets.token_urlsafe(32)
            record = TokenRecord(
                id=token_id,
                name=name,
                role=role,
                created=datetime.now(UTC).isoformat(timespec="seconds"),
                hash=self._keyed_hash(token_id, secret).hex(),
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
            records = dict(self._load())
            if records.pop(token_id, None) is None:
                return False
            self._save(records)
            return True

    def is_fast(self, token: str | None) -> bool:
        """Whether `verify(token)` costs microseconds (False only for a token whose record is
        still in the legacy scrypt form: verify that one off the event loop)."""
        record = self._record_of(token) if token else None
        return record is None or record.kdf != LEGACY

    def verify(self, token: str | None) -> TokenRecord | None:
        """The record of a valid token, else None. Never logs or keeps the token."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        token_id, secret = _split(token)
        record = self._record_of(token)
        if record is None:
            hmac.compare_digest(hmac.digest(_DUMMY_KEY, secret.encode(), "sha256"), b"\0" * 32)
            return None
        if record.kdf == LEGACY:
            return self._verify_legacy(record, secret)
        try:
            expected = bytes.fromhex(record.hash)
        except ValueError:
            return None
        actual = self._keyed_hash(token_id, secret)
        return record if hmac.compare_digest(expected, actual) else None

    def _record_of(self, token: str) -> TokenRecord | None:
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        if token.partition("_")[0] != TOKEN_PREFIX:
            return None
        return self._load().get(_split(token)[0])

    def _verify_legacy(self, record: TokenRecord, secret: str) -> TokenRecord | None:
        """Check against the scrypt hash; on success rewrite the record in the keyed form."""
        with self._lock:
            current = self._load().get(record.id)
            if current is None:
                return None
            if current.kdf != LEGACY:  # migrated meanwhile by another thread
                actual = self._keyed_hash(record.id, secret)
                return current if hmac.compare_digest(bytes.fromhex(current.hash), actual) else None
            try:
                actual = hashlib.scrypt(
                    secret.encode(),
                    salt=bytes.fromhex(current.salt),
                    n=current.n,
                    r=current.r,
                    p=current.p,
                    maxmem=64 * 1024 * 1024,
                    dklen=_KEY_BYTES,
                )
            except ValueError:
                return None
            if not hmac.compare_digest(bytes.fromhex(current.hash), actual):
                return None
            migrated = replace(
                current,
                kdf=KEYED,
                hash=self._keyed_hash(current.id, secret).hex(),
                salt="",
                n=0,
                r=0,
                p=0,
            )
            self._save({**self._load(), current.id: migrated})
            return migrated

    def _keyed_hash(self, token_id: str, secret: str) -> bytes:
        return hmac.digest(self._store_key(), f"{token_id}:{secret}".encode(), "sha256")

    def _store_key(self) -> bytes:
        """This store's secret key, read from (or first written to) the key file."""
        key = self._key
        if key is None:
            key = self._key = _read_or_make_key(self.key_path)
        return key

    def _load(self) -> dict[str, TokenRecord]:
        """The file's records (do not mutate), read again only when the file changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._records, self._stamp = {}, None
            return self._records
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp:
            records = _read(self.path)
            self._records, self._stamp = records, stamp
            return records
        return self._records

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
        stat = self.path.stat()
        self._records, self._stamp = dict(records), (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class TokensFileError(ValueError):
    """The tokens file (or its key file) exists but cannot be understood."""


def _split(token: str) -> tuple[str, str]:
    _, _, rest = token.partition("_")
    token_id, _, secret = rest.partition("_")
    return token_id, secret


def _read_or_make_key(path: Path) -> bytes:
    """The key in `path`; a new random one (mode 0600) when there is none. The new key is
    written to a temporary file and linked into place, which fails if another process got
    there first: every process then reads the same, complete key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tokens-key-")
        try:
            with os.fdopen(handle, "w") as file:
                os.fchmod(file.fileno(), 0o600)
                file.write(secrets.token_bytes(_KEY_BYTES).hex() + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            Path(temporary).unlink()
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as error:
        raise TokensFileError(f"{path}: cannot read the token key ({error})") from error
    if len(key) != _KEY_BYTES:
        raise TokensFileError(f"{path}: not a token key file ({_KEY_BYTES} bytes in hex)")
    return key


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
