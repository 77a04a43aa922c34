"""Client of the server's operations API (HTTP, JSON): health, info, token and admin actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from .const import MODEL_RELOAD_TIMEOUT, REQUEST_TIMEOUT


class OpsError(Exception):
    """The operations API could not answer."""


class OpsConnectionError(OpsError):
    """The server cannot be reached, or it answered with something that is not our API."""


class OpsAuthError(OpsError):
    """The token is missing, unknown or revoked (HTTP 401)."""


class OpsForbiddenError(OpsError):
    """The token's role lacks the permission (HTTP 403)."""


@dataclass(frozen=True)
class ServerInfo:
    """`GET /api/info`: who the server is."""

    server_id: str
    name: str
    version: str
    languages: list[str]
    model_name: str | None
    model_version: str | None
    require_token: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerInfo:
        models = data.get("models") or []
        active = next((model for model in models if model.get("active")), None)
        if active is None and models:
            active = models[0]
        return cls(
            server_id=str(data["server_id"]),
            name=str(data.get("name", "")),
            version=str(data.get("version", "")),
            languages=[str(language) for language in data.get("languages") or []],
            model_name=None if active is None else active.get("name"),
            model_version=None if active is None else active.get("version"),
            require_token=bool(data.get("require_token", False)),
        )


@dataclass(frozen=True)
class TokenInfo:
    """`GET /api/token`: the role of the token this client sends."""

    role: str
    permissions: frozenset[str] | None


@dataclass(frozen=True)
class Health:
    """`GET /api/health`: the figures the sensors show."""

    status: str
    warnings: list[str]
    version: str
    model_name: str | None
    model_version: str | None
    uptime_s: float
    utterances_total: int
    errors_total: int
    rtf_last: float | None
    rtf_p95: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cpu_temperature_c: float | None
    gpu_name: str | None
    gpu_temperature_c: float | None
    has_gpu: bool
    memory_rss_mb: float | None
    raw: dict[str, Any]
    # The version of the home vocabulary the server holds (None: a server without it).
    vocabulary_version: str | None = None

    @property
    def warning(self) -> bool:
        return self.status != "ok"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Health:
        model = data.get("model") or {}
        utterances = data.get("utterances") or {}
        rtf = utterances.get("rtf") or {}
        latency = utterances.get("latency_ms") or {}
        system = data.get("system") or {}
        gpu = system.get("gpu")
        # The rolling figures are 0 until the first successful utterance: no figure yet.
        measured = int(utterances.get("total", 0)) > int(utterances.get("errors", 0))
        return cls(
            status=str(data.get("status", "ok")),
            warnings=[str(warning) for warning in data.get("warnings") or []],
            version=str(data.get("version", "")),
            model_name=model.get("name"),
            model_version=model.get("version"),
            uptime_s=float(data.get("uptime_s", 0.0)),
            utterances_total=int(utterances.get("total", 0)),
            errors_total=int(utterances.get("errors", 0)),
            rtf_last=rtf.get("last") if measured else None,
            rtf_p95=rtf.get("p95") if measured else None,
            latency_p50_ms=latency.get("p50") if measured else None,
            latency_p95_ms=latency.get("p95") if measured else None,
            cpu_temperature_c=system.get("cpu_temperature_c"),
            gpu_name=None if gpu is None else gpu.get("name"),
            gpu_temperature_c=None if gpu is None else gpu.get("temperature_c"),
            has_gpu=gpu is not None,
            memory_rss_mb=system.get("memory_rss_mb"),
            raw=data,
            vocabulary_version=(data.get("vocabulary") or {}).get("version"),
        )


class OpsClient:
    """Talks to one server's operations API with Home Assistant's shared session."""

    def __init__(
        self, session: aiohttp.ClientSession, host: str, port: int, token: str | None = None
    ) -> None:
        self._session = session
        self.host = host
        self.port = port
        self._token = token or None
        bracketed = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{bracketed}:{port}"

    async def info(self) -> ServerInfo:
        data = await self._request("GET", "/api/info")
        try:
            return ServerInfo.from_json(data)
        except (KeyError, TypeError, AttributeError) as error:
            raise OpsConnectionError(f"unexpected /api/info answer: {error}") from error

    async def health(self) -> Health:
        data = await self._request("GET", "/api/health")
        try:
            return Health.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise OpsConnectionError(f"unexpected /api/health answer: {error}") from error

    async def token_info(self) -> TokenInfo | None:
        """The role of our token; None when the server cannot tell (no such endpoint).

        Raises OpsAuthError when the token is not valid.
        """
        if self._token is None:
            return None
        try:
            data = await self._request("GET", "/api/token")
        except _NotFoundError:
            return None
        permissions = data.get("permissions")
        return TokenInfo(
            role=str(data.get("role", "")),
            permissions=None if permissions is None else frozenset(map(str, permissions)),
        )

    async def reload_model(self) -> dict[str, Any]:
        return await self._request("POST", "/api/model/reload", seconds=MODEL_RELOAD_TIMEOUT)

    async def set_home_vocabulary(self, document: dict[str, Any]) -> dict[str, Any]:
        """Replace the server's home vocabulary; its answer holds the version and counts."""
        answer: dict[str, Any] = await self._request("PUT", "/api/vocabulary", document)
        return answer

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        seconds: float = REQUEST_TIMEOUT,
    ) -> dict[str, Any]:
        headers = {} if self._token is None else {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=seconds),
            ) as response:
                if response.status == 401:
                    raise OpsAuthError(f"{method} {path}: the server rejected the token")
                if response.status == 403:
                    raise OpsForbiddenError(f"{method} {path}: {await _message(response)}")
                if response.status == 404:
                    raise _NotFoundError(f"{method} {path}: not found")
                if response.status >= 400:
                    raise OpsError(
                        f"{method} {path}: HTTP {response.status}: {await _message(response)}"
                    )
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise OpsConnectionError(f"{method} {path}: {error or type(error).__name__}") from error
        if not isinstance(data, dict):
            raise OpsConnectionError(f"{method} {path}: the answer is not a JSON object")
        return data


class _NotFoundError(OpsConnectionError):
    """HTTP 404: the endpoint does not exist on this server."""


async def _message(response: aiohttp.ClientResponse) -> str:
    try:
        data = await response.json(content_type=None)
    except (aiohttp.ClientError, ValueError):
        return response.reason or ""
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])
    return response.reason or ""
