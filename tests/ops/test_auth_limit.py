"""The failed-authentication limit per client address, on the operations API and Wyoming."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_http_api import bearer, start_api

from wyoming_local_asr.ops.auth import Authorizer, Outcome
from wyoming_local_asr.ops.auth_limit import FailureLimiter, client_key
from wyoming_local_asr.ops.roles import TRANSCRIBE, Roles
from wyoming_local_asr.ops.token_store import TokenStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_refused_for_the_rest_of_the_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=3, window_s=60, max_addresses=100, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.failed("10.0.0.1")
    clock.now += 10
    assert limiter.retry_after("10.0.0.1") == pytest.approx(50)
    assert limiter.retry_after("10.0.0.2") is None  # other addresses are not affected
    limiter.failed("10.0.0.1")  # more failures in the window: logged once only
    limiter.failed("10.0.0.1")
    assert len([r for r in caplog.records if "failed authentications" in r.getMessage()]) == 1
    counts = limiter.counts()
    assert (counts.failures_total, counts.refused_total, counts.blocked_addresses) == (5, 1, 1)
    clock.now += 51
    assert limiter.retry_after("10.0.0.1") is None
    assert limiter.counts().blocked_addresses == 0


def test_failures_spread_over_windows_are_not_refused() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=3, window_s=60, max_addresses=100, clock=clock)
    for _ in range(10):
        limiter.failed("10.0.0.1")
        limiter.failed("10.0.0.1")
        clock.now += 61
        assert limiter.retry_after("10.0.0.1") is None


def test_the_table_is_bounded() -> None:
    limiter = FailureLimiter(max_failures=3, window_s=60, max_addresses=50)
    for index in range(5000):
        limiter.failed(f"10.{index // 65536}.{index // 256 % 256}.{index % 256}")
    assert len(limiter) == 50


def test_limit_zero_is_off() -> None:
    limiter = FailureLimiter(max_failures=0, window_s=60, max_addresses=50)
    for _ in range(100):
        limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") is None


def test_addresses_are_grouped_as_one_client() -> None:
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_key("2001:db8:1:2:3:4:5:6") == client_key("2001:db8:1:2:ffff::1")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key(None) == "local"


async def test_authorizer_refuses_without_verifying(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    _, token = store.create("user")
    limiter = FailureLimiter(max_failures=2, window_s=60, max_addresses=10)
    authorizer = Authorizer(Roles.from_config(None), store, limiter)
    for _ in range(2):
        decision = await authorizer.check_client("lasr_x_y", TRANSCRIBE, peer="10.0.0.9")
        assert decision.outcome is Outcome.UNAUTHENTICATED
    # Even the right token is refused now: nothing is verified for this address.
    limited = await authorizer.check_client(token, TRANSCRIBE, peer="10.0.0.9")
    assert limited.outcome is Outcome.LIMITED and limited.retry_after == 60
    assert (await authorizer.check_client(token, TRANSCRIBE, peer="10.0.0.8")).allowed
    # No token at all is not a failure (a client that does not know about tokens).
    for _ in range(5):
        await authorizer.check_client(None, TRANSCRIBE, peer="10.0.0.7")
    assert (await authorizer.check_client(token, TRANSCRIBE, peer="10.0.0.7")).allowed


async def test_api_answers_429_with_retry_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = FailureLimiter(max_failures=3, window_s=120, max_addresses=10)
    server, api = await start_api(tmp_path, require_token=False, limiter=limiter)
    try:
        statuses = []
        for _ in range(6):
            async with api.session.post(
                api.url + "/api/model/reload", headers=bearer("lasr_00000000_wrong")
            ) as response:
                statuses.append(response.status)
                if response.status == 429:
                    assert 1 <= int(response.headers["Retry-After"]) <= 120
                    assert (await response.json())["error"] == "too_many_auth_failures"
        assert statuses == [401, 401, 401, 429, 429, 429]
        # The right token from the same address is refused too, on every guarded path.
        async with api.session.get(api.url + "/api/token", headers=bearer(api.admin)) as response:
            assert response.status == 429
        async with api.session.post(
            api.url + "/api/model/reload", headers=bearer(api.admin)
        ) as response:
            assert response.status == 429
        assert api.control.reloads == 0
        logged = [r for r in caplog.records if "failed authentications" in r.getMessage()]
        assert len(logged) == 1
        async with api.session.get(api.url + "/metrics") as response:  # open: no token
            text = await response.text()
        limiter_families = {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert limiter_families["wyoming_local_asr_auth_failures_total"] == 3
        assert limiter_families["wyoming_local_asr_auth_refused_total"] == 5
        assert limiter_families["wyoming_local_asr_auth_blocked_addresses"] == 1
    finally:
        await api.session.close()
        await server.stop()


@pytest.fixture(autouse=True)
def _warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
