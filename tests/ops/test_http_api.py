"""The operations API over a real port on 127.0.0.1, with a test-local ServiceControl."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from wyoming_local_asr import __version__
from wyoming_local_asr.config import ConfigError
from wyoming_local_asr.ops.access import AllowList
from wyoming_local_asr.ops.auth import Authorizer
from wyoming_local_asr.ops.auth_limit import FailureLimiter
from wyoming_local_asr.ops.control import ServiceInfo
from wyoming_local_asr.ops.gpu import NvmlReader
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.roles import Roles
from wyoming_local_asr.ops.service import OpsServer
from wyoming_local_asr.ops.system import SystemReader
from wyoming_local_asr.ops.token_store import TokenStore
from wyoming_local_asr.recognizer import ModelInfo
from wyoming_local_asr.vocabulary.home import HomeVocabulary, parse_vocabulary

MODEL = ModelInfo(
    "hama-conformer-ctc-en", "1", "test", ["en"], "hama", "https://example.org", "Apache-2.0"
)


class RecordingControl:
    """A ServiceControl that remembers what the API asked of it."""

    def __init__(self) -> None:
        self.model = MODEL
        self.reloads = 0
        self.config: dict[str, Any] = {
            "language": "en",
            "beam": 8,
            "vad_aggressiveness": 2,
            "denoise": True,
            "vocabulary": [],
        }
        self.vocabulary: list[str] = []
        self.home = HomeVocabulary()

    def info(self) -> ServiceInfo:
        return ServiceInfo(models=[self.model], wyoming_port=10300, tls=False)

    async def reload_model(self) -> ModelInfo:
        self.reloads += 1
        self.model = replace(self.model, version=f"1.{self.reloads}")
        return self.model

    async def update_config(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        if changes.get("language") not in (None, "en"):
            raise ConfigError(f"no model for language {changes['language']!r}")
        self.config.update(changes)
        return dict(self.config)

    async def set_vocabulary(self, document: Mapping[str, Any]) -> dict[str, Any]:
        home = parse_vocabulary(document)
        self.home = home
        self.vocabulary = list(home.phrases)
        return self.vocabulary_summary()

    def vocabulary_document(self) -> dict[str, Any]:
        return self.home.to_document()

    def vocabulary_summary(self) -> dict[str, Any]:
        build = {"state": "ready", "active_version": self.home.version}
        return {"version": self.home.version, **self.home.counts(), "build": build}


@dataclass
class Api:
    url: str
    control: RecordingControl
    metrics: Metrics
    session: aiohttp.ClientSession
    admin: str
    user: str
    data_dir: Path


async def start_api(
    tmp_path: Path,
    require_token: bool,
    *,
    limiter: FailureLimiter | None = None,
    allow_list: AllowList | None = None,
) -> tuple[OpsServer, Api]:
    store = TokenStore(tmp_path / "tokens.json")
    _, admin = store.create("admin")
    _, user = store.create("user")
    control = RecordingControl()
    metrics = Metrics()
    server = OpsServer(
        control,
        metrics,
        Authorizer(Roles.from_config(None), store, limiter),
        tmp_path,
        require_token=require_token,
        allow_list=allow_list,
        system=SystemReader(tmp_path, NvmlReader("libnvidia-ml-absent.so")),
    )
    port = await server.start("127.0.0.1", 0)
    session = aiohttp.ClientSession()
    return server, Api(f"http://127.0.0.1:{port}", control, metrics, session, admin, user, tmp_path)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    server, handle = await start_api(tmp_path, require_token=False)
    yield handle
    await handle.session.close()
    await server.stop()


@pytest.fixture
async def locked_api(tmp_path: Path) -> AsyncIterator[Api]:
    server, handle = await start_api(tmp_path, require_token=True)
    yield handle
    await handle.session.close()
    await server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_health(api: Api) -> None:
    api.metrics.record(2.0, {"convert": 0.01, "model": 0.2, "decode": 0.05}, 0.3, ok=True)
    api.metrics.record(1.0, {}, 0.1, ok=False)
    async with api.session.get(api.url + "/api/health") as response:
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok"
    assert health["model"] == {
        "name": "hama-conformer-ctc-en",
        "version": "1",
        "execution_provider": "",
    }
    assert health["version"] == __version__
    assert health["uptime_s"] >= 0
    assert health["utterances"]["total"] == 2
    assert health["utterances"]["errors"] == 1
    assert health["utterances"]["rtf"]["last"] == pytest.approx(0.13)
    assert health["utterances"]["latency_ms"]["p50"] == pytest.approx(300.0)
    assert health["utterances"]["audio_seconds_total"] == 3.0
    assert health["utterances"]["stage_seconds"]["model"] == pytest.approx(0.2)
    # The fake root (tmp_path) has no thermal zones and no /proc.
    assert health["system"] == {
        "cpu_temperature_c": None,
        "gpu": None,
        "memory_rss_mb": None,
        "memory_peak_mb": None,
        "load_1m": None,
    }
    assert health["warnings"] == []


async def test_metrics_endpoint(api: Api) -> None:
    api.metrics.record(1.0, {"model": 0.1}, 0.2, ok=True)
    async with api.session.get(api.url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }
    assert samples["wyoming_local_asr_requests_total"] == 1
    assert samples["wyoming_local_asr_latency_seconds_count"] == 1


async def test_info_and_a_stable_server_id(api: Api) -> None:
    async with api.session.get(api.url + "/api/info") as response:
        info = await response.json()
    assert info["name"] == "wyoming-local-asr"
    assert info["version"] == __version__
    assert info["languages"] == ["en"]
    assert info["wyoming_port"] == 10300
    assert info["tls"] is False
    assert info["models"][0]["name"] == "hama-conformer-ctc-en"
    assert info["models"][0]["license"] == "Apache-2.0"
    assert info["models"][0]["active"] is True
    assert str(uuid.UUID(info["server_id"])) == info["server_id"]
    assert (api.data_dir / "server_id").read_text().strip() == info["server_id"]
    # A second server on the same data directory keeps the id.
    second = OpsServer(
        api.control,
        Metrics(),
        Authorizer(Roles.from_config(None), TokenStore(Path("x"))),
        api.data_dir,
    )
    assert second.api.server_id == info["server_id"]


ADMIN_ACTIONS = [
    ("POST", "/api/model/reload", None),
    ("PUT", "/api/config", {"beam": 16}),
    ("PUT", "/api/vocabulary", {"phrases": ["turn on the espresso machine"]}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ACTIONS)
async def test_admin_action_without_token_is_401(
    api: Api, method: str, path: str, body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    for headers in ({}, bearer("lasr_00000000_wrong"), {"Authorization": "Basic eDp5"}):
        async with api.session.request(method, api.url + path, json=body, headers=headers) as r:
            assert r.status == 401
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await r.json())["error"] == "unauthorized"
    assert api.control.reloads == 0
    assert api.control.config["beam"] == 8
    assert api.control.vocabulary == []
    refused = [record for record in caplog.records if "Refused" in record.getMessage()]
    assert len(refused) == 3
    assert "wrong" not in caplog.text


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ACTIONS)
async def test_admin_action_with_user_token_is_403(
    api: Api, method: str, path: str, body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with api.session.request(
        method, api.url + path, json=body, headers=bearer(api.user)
    ) as response:
        assert response.status == 403
        assert (await response.json())["error"] == "forbidden"
    assert api.control.reloads == 0
    assert api.control.config["beam"] == 8
    assert api.control.vocabulary == []
    assert "role user" in caplog.text
    assert api.user not in caplog.text
    assert api.user.split("_", 2)[2] not in caplog.text


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ACTIONS)
async def test_admin_action_with_admin_token_is_200(
    api: Api, method: str, path: str, body: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with api.session.request(
        method, api.url + path, json=body, headers=bearer(api.admin)
    ) as response:
        assert response.status == 200
        answer = await response.json()
    if path == "/api/model/reload":
        assert api.control.reloads == 1
        assert answer == {"model": {"name": "hama-conformer-ctc-en", "version": "1.1"}}
    elif path == "/api/config":
        assert api.control.config["beam"] == 16
        assert answer["config"]["beam"] == 16
        assert answer["config"]["language"] == "en"
    else:
        assert api.control.vocabulary == ["turn on the espresso machine"]
        assert answer["phrases"] == 1 and answer["entities"] == 0
        assert answer["version"] == api.control.home.version
    assert api.admin not in caplog.text


async def test_reload_shows_in_health(api: Api) -> None:
    async with api.session.post(api.url + "/api/model/reload", headers=bearer(api.admin)):
        pass
    async with api.session.get(api.url + "/api/health") as response:
        assert (await response.json())["model"]["version"] == "1.1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "name at least one setting"),
        ({"beam": 0}, "beam"),
        ({"beam": True}, "beam"),
        ({"vad_aggressiveness": 4}, "vad_aggressiveness"),
        ({"denoise": "yes"}, "denoise"),
        ({"language": "English!"}, "language"),
        ({"vocabulary": ["ok", ""]}, "vocabulary"),
        ({"threads": 8}, "threads"),
        ({"language": "de"}, "no model for language 'de'"),
    ],
)
async def test_invalid_config_is_400_and_changes_nothing(
    api: Api, body: dict[str, Any], message: str
) -> None:
    before = dict(api.control.config)
    async with api.session.put(
        api.url + "/api/config", json=body, headers=bearer(api.admin)
    ) as response:
        assert response.status == 400
        answer = await response.json()
    assert answer["error"] == "bad_request"
    assert message in answer["message"]
    assert api.control.config == before


async def test_config_update_of_several_settings(api: Api) -> None:
    changes = {"vad_aggressiveness": 3, "denoise": False, "vocabulary": [" Kaffeemaschine "]}
    async with api.session.put(
        api.url + "/api/config", json=changes, headers=bearer(api.admin)
    ) as response:
        assert response.status == 200
        config = (await response.json())["config"]
    assert config["vad_aggressiveness"] == 3
    assert config["denoise"] is False
    assert config["vocabulary"] == ["Kaffeemaschine"]


async def test_body_that_is_not_json_is_400(api: Api) -> None:
    async with api.session.put(
        api.url + "/api/vocabulary", data=b"phrases=a", headers=bearer(api.admin)
    ) as response:
        assert response.status == 400
    async with api.session.put(
        api.url + "/api/vocabulary", json={"phrases": "not a list"}, headers=bearer(api.admin)
    ) as response:
        assert response.status == 400
        assert "phrases" in (await response.json())["message"]


async def test_require_token_guards_the_reads(locked_api: Api) -> None:
    api = locked_api
    for path in ("/api/health", "/api/info", "/metrics"):
        async with api.session.get(api.url + path) as response:
            assert response.status == 401
        async with api.session.get(api.url + path, headers=bearer(api.user)) as response:
            assert response.status == 200
    async with api.session.get(api.url + "/api/info", headers=bearer(api.user)) as response:
        assert (await response.json())["require_token"] is True


async def test_revoked_admin_token_is_401(api: Api) -> None:
    store = TokenStore(api.data_dir / "tokens.json")
    admin_id = api.admin.split("_")[1]
    assert store.revoke(admin_id)
    async with api.session.post(
        api.url + "/api/model/reload", headers=bearer(api.admin)
    ) as response:
        assert response.status == 401
    assert api.control.reloads == 0


async def test_token_endpoint_names_the_role_without_side_effects(api: Api) -> None:
    async with api.session.get(api.url + "/api/token", headers=bearer(api.user)) as response:
        assert response.status == 200
        user = await response.json()
    assert user["role"] == "user"
    assert user["permissions"] == ["model:read", "transcribe"]
    assert user["id"] == api.user.split("_")[1]
    async with api.session.get(api.url + "/api/token", headers=bearer(api.admin)) as response:
        assert (await response.json())["role"] == "admin"
    for headers in ({}, bearer("lasr_nope_nope")):
        async with api.session.get(api.url + "/api/token", headers=headers) as response:
            assert response.status == 401
    assert api.control.reloads == 0
    assert api.control.vocabulary == []
