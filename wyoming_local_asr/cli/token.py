"""`wyoming-local-asr token create|list|revoke`: API tokens for the operations API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..config import ConfigError, load_settings
from ..ops.roles import Roles
from ..ops.token_store import TokensFileError, TokenStore


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "token",
        help="create, list or revoke API tokens",
        description="Tokens are stored only as salted hashes; a new token is shown once.",
    )
    parser.add_argument("--config", type=Path, help="the server's config file (for its roles)")
    parser.add_argument("--data-dir", help="data directory (tokens file: <data-dir>/tokens.json)")
    parser.add_argument("--tokens-file", help="the tokens file (overrides --data-dir)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--role", required=True, help="admin, user or a role from the config")
    create.add_argument("--name", default="", help="a label to recognize the token by")
    actions.add_parser("list", help="list tokens (id, name, role, created)")
    revoke = actions.add_parser("revoke", help="revoke a token")
    revoke.add_argument("id", help="the token's id (see `token list`)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cli: dict[str, Any] = {}
    if args.data_dir:
        cli["data_dir"] = args.data_dir
    if args.tokens_file:
        cli["tokens_file"] = args.tokens_file
    try:
        settings = load_settings(cli, config_path=args.config)
        roles = Roles.from_config(dict(settings.roles))
        store = TokenStore(settings.tokens_path)
        if args.action == "create":
            return _create(store, roles, args.role, args.name)
        if args.action == "list":
            return _list(store)
        return _revoke(store, args.id)
    except (ConfigError, TokensFileError) as error:
        print(f"token: {error}", file=sys.stderr)
        return 2


def _create(store: TokenStore, roles: Roles, role: str, name: str) -> int:
    if role not in roles:
        print(f"token: unknown role {role!r} (known: {', '.join(roles.names())})", file=sys.stderr)
        return 2
    record, token = store.create(role, name)
    print(token)
    print(
        f"Created token {record.id} (role {record.role}) in {store.path}. "
        "This is the only time the token is shown.",
        file=sys.stderr,
    )
    return 0


def _list(store: TokenStore) -> int:
    records = store.records()
    if not records:
        print(f"No tokens in {store.path}", file=sys.stderr)
        return 0
    print(f"{'ID':<10}{'ROLE':<10}{'CREATED':<27}NAME")
    for record in records:
        print(f"{record.id:<10}{record.role:<10}{record.created:<27}{record.name}")
    return 0


def _revoke(store: TokenStore, token_id: str) -> int:
    if not store.revoke(token_id):
        print(f"token: no token with id {token_id!r} in {store.path}", file=sys.stderr)
        return 1
    print(f"Revoked token {token_id}", file=sys.stderr)
    return 0
