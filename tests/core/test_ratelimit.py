"""Rate limits on both legs: the middleware's presets per client address, and the limiter that
services call with their own identities. The window is a moving one, measured on the wall clock, so
tests move time instead of waiting."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import APIRouter, FastAPI

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset, build_rate_limiter
from fairlx.settings import Settings
from tests.support.servers import free_port

PROBLEM = "application/problem+json"
TEST_ROUTE = "/api/v1/test-ratelimit"
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
CLOSED_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_overrides": {"default": "5/minute", "write": "2/minute", "login": "2/minute"}}


@pytest.fixture
def client(app: FastAPI, api: httpx.AsyncClient) -> httpx.AsyncClient:
    """The API client, with a read and a write route under `/api/`."""
    router = APIRouter()

    @router.get(TEST_ROUTE)
    async def read() -> dict[str, str]:
        return {"read": "ok"}

    @router.post(TEST_ROUTE, status_code=201)
    async def write() -> dict[str, str]:
        return {"written": "ok"}

    app.include_router(router)
    return api


async def test_api_responses_carry_the_rate_limit_headers(client: httpx.AsyncClient) -> None:
    before = utcnow().timestamp()
    first = await client.get(TEST_ROUTE)
    second = await client.get(TEST_ROUTE)
    after = utcnow().timestamp()

    assert first.status_code == 200
    assert first.headers["x-ratelimit-limit"] == "5"
    assert first.headers["x-ratelimit-remaining"] == "4"
    assert second.headers["x-ratelimit-remaining"] == "3"
    # the window opened with the first request, somewhere between `before` and `after`
    assert before + 60 <= int(second.headers["x-ratelimit-reset"]) <= after + 61


async def test_even_unknown_api_paths_spend_the_budget(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["x-ratelimit-remaining"] == "4"


async def test_an_exhausted_preset_answers_429_with_retry_after(client: httpx.AsyncClient) -> None:
    with time_machine.travel(utcnow(), tick=False):
        answers = [await client.get(TEST_ROUTE) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["status"] == 429
    assert body["retry_after_seconds"] == 60
    assert body["request_id"] == refused.headers["x-request-id"]
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-limit"] == "5"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert all(name in refused.headers for name in RATE_HEADERS)


async def test_writes_also_spend_the_write_budget(client: httpx.AsyncClient) -> None:
    with time_machine.travel(utcnow(), tick=False):
        writes = [await client.post(TEST_ROUTE) for _ in range(3)]
        read = await client.get(TEST_ROUTE)

    assert [write.status_code for write in writes] == [201, 201, 429]
    assert writes[0].headers["x-ratelimit-limit"] == "2"  # the tighter of default and write
    assert writes[1].headers["x-ratelimit-remaining"] == "0"
    assert writes[2].json()["code"] == "rate_limited"
    assert read.status_code == 200  # reads have budget left: 3 of 5 spent
    assert read.headers["x-ratelimit-remaining"] == "1"


async def test_the_window_slides_and_lets_the_client_back_in(client: httpx.AsyncClient) -> None:
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(3):
            assert (await client.get(TEST_ROUTE)).status_code == 200
        traveller.shift(timedelta(seconds=30))
        for _ in range(2):
            assert (await client.get(TEST_ROUTE)).status_code == 200
        refused = await client.get(TEST_ROUTE)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "30"  # when the first three leave the window

        traveller.shift(timedelta(seconds=29))
        assert (await client.get(TEST_ROUTE)).status_code == 429
        traveller.shift(timedelta(seconds=2))
        allowed = await client.get(TEST_ROUTE)
        assert allowed.status_code == 200
        assert allowed.headers["x-ratelimit-remaining"] == "2"  # two still in the window, plus this one


async def test_each_client_address_has_its_own_budget(app: FastAPI, client: httpx.AsyncClient) -> None:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        with time_machine.travel(utcnow(), tick=False):
            for _ in range(5):
                await client.get(TEST_ROUTE)
            assert (await client.get(TEST_ROUTE)).status_code == 429
            fresh = await other.get(TEST_ROUTE)
    assert fresh.status_code == 200
    assert fresh.headers["x-ratelimit-remaining"] == "4"


async def test_health_endpoints_are_never_limited(client: httpx.AsyncClient) -> None:
    with time_machine.travel(utcnow(), tick=False):
        for _ in range(5):
            await client.get(TEST_ROUTE)
        health = [await client.get(path) for path in ("/healthz", "/readyz") * 4]
    assert all(response.status_code == 200 for response in health)
    assert not any(name in response.headers for response in health for name in RATE_HEADERS)


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limits_enabled": False, "rate_limit_overrides": {"default": "1/minute"}}]
)
async def test_rate_limits_can_be_switched_off(client: httpx.AsyncClient, infra: Infrastructure) -> None:
    answers = [await client.get(TEST_ROUTE) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert not any(name in answers[-1].headers for name in RATE_HEADERS)
    assert (await infra.rate_limiter.hit(Preset.LOGIN, "account:ada")).allowed
    assert infra.backends()["rate limits"].endswith("disabled")


async def test_services_limit_their_own_identities(infra: Infrastructure) -> None:
    limiter = infra.rate_limiter
    with time_machine.travel(utcnow(), tick=False) as traveller:
        first = await limiter.hit(Preset.LOGIN, "account:ada")
        second = await limiter.hit(Preset.LOGIN, "account:ada")
        refused = await limiter.hit(Preset.LOGIN, "account:ada")
        other_account = await limiter.hit(Preset.LOGIN, "account:grace")
        other_preset = await limiter.hit(Preset.REGISTER, "account:ada")
        expected_reset = utcnow() + timedelta(seconds=60)
        traveller.shift(timedelta(seconds=61))
        later = await limiter.hit(Preset.LOGIN, "account:ada")

    assert (first.allowed, first.limit, first.remaining, first.retry_after_seconds) == (True, 2, 1, 0)
    assert (second.allowed, second.remaining) == (True, 0)
    assert (refused.allowed, refused.remaining, refused.retry_after_seconds) == (False, 0, 60)
    assert abs((refused.reset_at - expected_reset).total_seconds()) < 1
    assert (other_account.allowed, other_account.remaining) == (True, 1)
    assert (other_preset.allowed, other_preset.limit) == (True, 5)  # the built-in size of REGISTER
    assert later.allowed
    if infra.redis is not None:  # the counters live in Redis, under the configured prefix
        assert [key async for key in infra.redis.scan_iter(match=f"{infra.settings.redis_prefix}ratelimit:*")]


@pytest.mark.parametrize("settings_overrides", [{"redis_url": CLOSED_REDIS_URL, "rate_limit_overrides": {}}])
async def test_an_unreachable_redis_lets_requests_through(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [await client.get(TEST_ROUTE) for _ in range(7)]

    assert [answer.status_code for answer in answers] == [200] * 7
    assert answers[-1].headers["x-ratelimit-limit"] == "100"
    warnings = [r.msg for r in caplog.records if r.levelno == logging.WARNING and isinstance(r.msg, dict)]
    assert any(w.get("event") == "rate_limit_unavailable" and w.get("preset") == "default" for w in warnings)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"defualt": "3/minute"}, "unknown presets ['defualt']"),
        ({"login": "lots"}, "'login'] = 'lots' is not a rate"),
        ({"write": "0/minute"}, "'write'] = '0/minute' is not a rate"),
    ],
)
def test_a_wrong_override_stops_startup_naming_the_setting(overrides: dict[str, str], complaint: str) -> None:
    settings = Settings(_env_file=None, rate_limit_overrides=overrides)
    with pytest.raises(ValueError, match="FAIRLX_RATE_LIMIT_OVERRIDES") as refusal:
        build_rate_limiter(settings, None)
    assert complaint in str(refusal.value)
