"""Personal API tokens over the API: the secret shown once, bearer requests without cookie or CSRF
token, revocation and expiry taking effect at once, the last use recorded, and warm requests that
resolve the token without SQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import time_machine
from fastapi import FastAPI

from fairlx.settings import Settings
from tests.support.accounts import Account, sign_up

TOKENS = "/api/v1/me/tokens"
ME = "/api/v1/auth/me"


@pytest_asyncio.fixture
async def script(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that holds no cookie: a script calling the API."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


async def create(api: httpx.AsyncClient, name: str = "CI deploys", **extra: Any) -> dict[str, Any]:
    created = await api.post(TOKENS, json={"name": name, **extra})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def assert_problem(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    if field is not None:
        assert field in [error["field"] for error in body["errors"]]


async def test_the_secret_is_shown_once_and_never_listed(api: httpx.AsyncClient, account: Account) -> None:
    created = await create(api, "Deploy bot")

    secret = created["token"]
    assert secret.startswith("fx_")
    assert len(secret) > 40
    assert secret.startswith(created["hint"])
    assert created["name"] == "Deploy bot"
    assert created["expires_at"] is None
    assert created["last_used_at"] is None
    listed = await api.get(TOKENS)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    assert "token" not in listed.json()["items"][0]
    assert secret not in listed.text


async def test_a_bearer_token_works_without_cookie_or_csrf_token(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    secret = (await create(api))["token"]
    assert not script.cookies

    me = await script.get(ME, headers=bearer(secret))
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] == account.email
    # An unsafe request too: a bearer token is no ambient credential, so no CSRF token is asked for.
    renamed = await script.patch("/api/v1/me/profile", json={"job_role": "Automation"}, headers=bearer(secret))
    assert renamed.status_code == 200, renamed.text
    assert (await api.get("/api/v1/me/profile")).json()["job_role"] == "Automation"
    assert "set-cookie" not in me.headers


@pytest.mark.parametrize("secret", ["", "fx_not-a-real-token", "not-even-the-prefix", "fx_" + "A" * 43])
async def test_unknown_tokens_are_refused(script: httpx.AsyncClient, secret: str) -> None:
    assert_problem(await script.get(ME, headers=bearer(secret)), 401, "not_authenticated")


async def test_a_revoked_token_stops_working_at_once(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    created = await create(api)
    for _ in range(3):  # resolved and cached
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200

    revoked = await api.delete(f"{TOKENS}/{created['id']}")

    assert revoked.status_code == 204
    assert_problem(await script.get(ME, headers=bearer(created["token"])), 401, "not_authenticated")
    assert (await api.get(TOKENS)).json()["items"] == []
    assert_problem(await api.delete(f"{TOKENS}/{created['id']}"), 404, "token_not_found")


async def test_an_expired_token_is_refused(api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient) -> None:
    expires_at = datetime.now(UTC) + timedelta(hours=1)
    created = await create(api, expires_at=expires_at.isoformat())
    assert datetime.fromisoformat(created["expires_at"]) == expires_at
    assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200

    with time_machine.travel(expires_at + timedelta(seconds=1)):
        assert_problem(await script.get(ME, headers=bearer(created["token"])), 401, "not_authenticated")
    with time_machine.travel(expires_at - timedelta(minutes=1)):
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "Old", "expires_at": "2001-01-01T00:00:00Z"}, "expiry_in_past", "expires_at"),
        ({"name": "Naive", "expires_at": "2999-01-01T00:00:00"}, "validation_failed", "expires_at"),
        ({"name": "Garbled", "expires_at": "next tuesday"}, "validation_failed", "expires_at"),
        ({}, "validation_failed", "name"),
        ({"name": ""}, "validation_failed", "name"),
        ({"name": "   "}, "validation_failed", "name"),
        ({"name": "x" * 101}, "validation_failed", "name"),
        ({"name": "Scoped", "scopes": ["admin"]}, "validation_failed", "scopes"),
    ],
)
async def test_bad_token_requests_are_refused_naming_the_field(
    api: httpx.AsyncClient, account: Account, body: dict[str, Any], code: str, field: str
) -> None:
    assert_problem(await api.post(TOKENS, json=body), 422, code, field)
    assert (await api.get(TOKENS)).json()["items"] == []


async def test_another_users_token_cannot_be_seen_or_revoked(
    api: httpx.AsyncClient,
    account: Account,
    second_client: httpx.AsyncClient,
    settings: Settings,
    drain: Callable[..., Any],
) -> None:
    mine = await create(api)
    await sign_up(second_client, settings, drain, "grace@example.com", name="Grace Hopper")

    assert (await second_client.get(TOKENS)).json()["items"] == []
    assert_problem(await second_client.delete(f"{TOKENS}/{mine['id']}"), 404, "token_not_found")
    assert (await second_client.get(ME, headers=bearer(mine["token"]))).json()["user"]["email"] == account.email
    assert [item["id"] for item in (await api.get(TOKENS)).json()["items"]] == [mine["id"]]


async def test_token_routes_need_a_signed_in_user(script: httpx.AsyncClient) -> None:
    assert_problem(await script.get(TOKENS), 401, "not_authenticated")
    assert_problem(await script.post(TOKENS, json={"name": "x"}), 401, "not_authenticated")


async def test_the_last_use_is_recorded_at_most_every_few_minutes(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    created = await create(api)
    start = datetime.now(UTC)

    with time_machine.travel(start, tick=False):
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200
    first_use = datetime.fromisoformat((await api.get(TOKENS)).json()["items"][0]["last_used_at"])
    assert abs(first_use - start) < timedelta(seconds=1)

    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200
    assert datetime.fromisoformat((await api.get(TOKENS)).json()["items"][0]["last_used_at"]) == first_use

    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert (await script.get(ME, headers=bearer(created["token"]))).status_code == 200
    later = datetime.fromisoformat((await api.get(TOKENS)).json()["items"][0]["last_used_at"])
    assert abs(later - (start + timedelta(minutes=11))) < timedelta(seconds=1)


async def test_a_warm_bearer_request_looks_the_token_up_without_sql(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient, count_sql: Callable[..., Any]
) -> None:
    secret = (await create(api))["token"]
    for _ in range(2):  # the first use is recorded; the next one caches the token again
        assert (await script.get(ME, headers=bearer(secret))).status_code == 200

    with count_sql() as counter:
        warm = await script.get(ME, headers=bearer(secret))

    assert warm.status_code == 200
    assert counter.count > 0  # the route itself reads the account
    assert not [statement for statement in counter.statements if "api_tokens" in statement]
    assert not [statement for statement in counter.statements if "user_sessions" in statement]

    with count_sql() as counter:
        guessed = await script.get(ME, headers=bearer("fx_" + "B" * 43))
        guessed_again = await script.get(ME, headers=bearer("fx_" + "B" * 43))
    assert guessed.status_code == guessed_again.status_code == 401
    assert len([statement for statement in counter.statements if "api_tokens" in statement]) == 1
