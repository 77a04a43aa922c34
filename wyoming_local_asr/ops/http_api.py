"""The operations API (aiohttp): health, metrics, info and the admin actions.

Reads (`/api/health`, `/api/info`, `/metrics`) are open unless `require_token` is set, in
which case they need `model:read`. Admin actions always need a bearer token whose role
holds the action's permission: no or invalid token -> 401, wrong role -> 403, an address
that sent too many wrong tokens -> 429 with `Retry-After`. With an allow-list
(`--allow-network`) other addresses get 403 on every path. JSON bodies nested deeper than
`MAX_JSON_DEPTH` get 400.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import voluptuous as vol
from aiohttp import web

from .. import __version__
from ..config import ConfigError
from ..vocabulary.builder import TooMuchWork
from .access import AllowList
from .auth import Authorizer, Decision, Outcome, bearer_token
from .config_api import CONFIG_CHANGES_SCHEMA, describe_invalid
from .control import ServiceControl
from .health import Thresholds, health_report
from .metrics import Metrics
from .prometheus import CONTENT_TYPE, render
from .remote_calls import RemoteCalls
from .roles import CONFIG_UPDATE, MODEL_READ, MODEL_WRITE
from .system import SystemReader

_LOGGER = logging.getLogger(__name__)

SERVER_NAME = "wyoming-local-asr"
DEFAULT_PORT = 10301
# `PUT /api/vocabulary` changes runtime configuration, like `vocabulary` in `PUT /api/config`.
VOCABULARY_PERMISSION = CONFIG_UPDATE
# Bodies over this get 413 (a home vocabulary of the largest size allowed fits).
_MAX_BODY_BYTES = 1024 * 1024
# No document of this API nests deeper (a vocabulary entity's aliases are at depth 4).
MAX_JSON_DEPTH = 32

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class OpsApi:
    """Builds the aiohttp application around the server's `ServiceControl`."""

    def __init__(
        self,
        control: ServiceControl,
        metrics: Metrics,
        authorizer: Authorizer,
        server_id: str,
        *,
        system: SystemReader | None = None,
        thresholds: Thresholds | None = None,
        require_token: bool = False,
        allow_list: AllowList | None = None,
        remote: RemoteCalls | None = None,
    ) -> None:
        self.control = control
        # The remote recognizer's state and calls (`serve --recognizer ray`), else None.
        self.remote = remote
        self.metrics = metrics
        self.authorizer = authorizer
        self.server_id = server_id
        self.system = system if system is not None else SystemReader()
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        self.require_token = require_token
        self.allow_list = allow_list

    def app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY_BYTES, middlewares=[self._allowed])
        read = MODEL_READ if self.require_token else None
        app.router.add_get("/api/health", self._guard(read, self.health))
        app.router.add_get("/api/info", self._guard(read, self.info))
        app.router.add_get("/metrics", self._guard(read, self.prometheus))
        app.router.add_get("/api/token", self.whoami)
        app.router.add_post("/api/model/reload", self._guard(MODEL_WRITE, self.reload_model))
        app.router.add_put("/api/config", self._guard(CONFIG_UPDATE, self.update_config))
        app.router.add_put("/api/vocabulary", self._guard(VOCABULARY_PERMISSION, self.vocabulary))
        app.router.add_get("/api/vocabulary", self._guard(read, self.get_vocabulary))
        return app

    async def health(self, request: web.Request) -> web.Response:
        system = await asyncio.get_running_loop().run_in_executor(None, self.system.read)
        models = self.control.info().models
        report = health_report(
            models[0] if models else None, self.metrics.snapshot(), system, self.thresholds
        )
        # A client that syncs the vocabulary sees here whether the server holds its copy.
        summary = self.control.vocabulary_summary()
        report["vocabulary"] = {"version": summary["version"], "build": summary["build"]}
        if self.remote is not None:
            report["recognizer"] = self.remote.health()
            if not report["recognizer"]["reachable"]:
                report["status"] = "warning"
                report["warnings"].append(
                    f"the recognizer's Ray cluster at {self.remote.address} is unreachable: "
                    f"{report['recognizer']['error']}"
                )
        return web.json_response(report)

    async def prometheus(self, request: web.Request) -> web.Response:
        system = await asyncio.get_running_loop().run_in_executor(None, self.system.read)
        models = self.control.info().models
        limiter = self.authorizer.limiter
        text = render(
            models[0] if models else None,
            self.metrics.snapshot(),
            system,
            auth=limiter.counts() if limiter is not None else None,
            remote=self.remote.snapshot() if self.remote is not None else None,
        )
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def info(self, request: web.Request) -> web.Response:
        info = self.control.info()
        languages = sorted({language for model in info.models for language in model.languages})
        return web.json_response(
            {
                "server_id": self.server_id,
                "name": SERVER_NAME,
                "version": __version__,
                "models": [
                    {
                        "name": model.name,
                        "version": model.version,
                        "description": model.description,
                        "languages": list(model.languages),
                        "license": model.license,
                        "attribution": {
                            "name": model.attribution_name,
                            "url": model.attribution_url,
                        },
                        "active": index == 0,
                    }
                    for index, model in enumerate(info.models)
                ],
                "languages": languages,
                "wyoming_port": info.wyoming_port,
                "tls": info.tls,
                "require_token": self.require_token,
            }
        )

    async def whoami(self, request: web.Request) -> web.Response:
        """The bearer token's id, role and permissions (401 without a valid token), so that a
        client can check a token without side effects."""
        token = bearer_token(request.headers.get("Authorization"))
        # Any permission will do: only the token's validity is asked.
        decision = await self.authorizer.check_client(token, MODEL_READ, peer=request.remote)
        record = decision.token
        if record is None:
            return _refuse(request, decision)
        permissions = sorted(self.authorizer.roles.permissions(record.role))
        return web.json_response({"id": record.id, "role": record.role, "permissions": permissions})

    async def reload_model(self, request: web.Request) -> web.Response:
        model = await self.control.reload_model()
        _LOGGER.info("Model reloaded: %s %s", model.name, model.version)
        return web.json_response({"model": {"name": model.name, "version": model.version}})

    async def update_config(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        try:
            changes = CONFIG_CHANGES_SCHEMA(body)
        except vol.Invalid as error:
            raise _bad_request(describe_invalid(error)) from error
        try:
            effective = await self.control.update_config(changes)
        except TooMuchWork as error:
            raise _too_much_work(request, error) from error
        except ConfigError as error:
            raise _bad_request(str(error)) from error
        _LOGGER.info("Configuration changed: %s", ", ".join(sorted(changes)))
        return web.json_response({"config": effective})

    async def vocabulary(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        try:
            summary = await self.control.set_vocabulary(body)
        except TooMuchWork as error:
            raise _too_much_work(request, error) from error
        except ConfigError as error:
            raise _bad_request(str(error)) from error
        _LOGGER.info("Vocabulary %s: %s", summary.get("version"), summary)
        return web.json_response(summary)

    async def get_vocabulary(self, request: web.Request) -> web.Response:
        document = self.control.vocabulary_document()
        return web.json_response({**document, "build": self.control.vocabulary_summary()["build"]})

    def _guard(self, permission: str | None, handler: Handler) -> Handler:
        if permission is None:
            return handler

        async def guarded(request: web.Request) -> web.StreamResponse:
            token = bearer_token(request.headers.get("Authorization"))
            decision = await self.authorizer.check_client(token, permission, peer=request.remote)
            if not decision.allowed:
                return _refuse(request, decision)
            return await handler(request)

        return guarded

    @web.middleware
    async def _allowed(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        remote = request.remote
        if self.allow_list is not None and remote and not self.allow_list.allows(remote):
            _LOGGER.warning(
                "Refused %s %s from %s: not in --allow-network",
                request.method,
                request.path,
                remote,
            )
            return web.json_response(
                {"error": "forbidden", "message": "your address is not allowed"}, status=403
            )
        return await handler(request)


def _refuse(request: web.Request, decision: Decision) -> web.Response:
    if decision.outcome is Outcome.LIMITED:  # logged once a window by the limiter
        return web.json_response(
            {"error": "too_many_auth_failures", "message": decision.reason},
            status=429,
            headers={"Retry-After": str(decision.retry_after)},
        )
    _LOGGER.warning(
        "Refused %s %s from %s: %s", request.method, request.path, request.remote, decision.reason
    )
    if decision.outcome is Outcome.UNAUTHENTICATED:
        return web.json_response(
            {"error": "unauthorized", "message": "a valid bearer token is required"},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="wyoming-local-asr"'},
        )
    return web.json_response({"error": "forbidden", "message": decision.reason}, status=403)


async def _json_body(request: web.Request) -> Any:
    try:
        document = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _bad_request("the body must be JSON") from error
    except RecursionError:  # the parser's own limit, far above MAX_JSON_DEPTH
        raise _bad_request(f"the body nests deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise _bad_request(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    return document


def _depth(document: Any) -> int:
    """How deep lists and objects nest in `document` (iteratively: any depth is safe)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _too_much_work(request: web.Request, error: TooMuchWork) -> web.HTTPRequestEntityTooLarge:
    return web.HTTPRequestEntityTooLarge(
        max_size=_MAX_BODY_BYTES,
        actual_size=request.content_length or 0,
        text=json.dumps({"error": "too_much_work", "message": str(error)}),
        content_type="application/json",
    )


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": "bad_request", "message": message}),
        content_type="application/json",
    )
