"""Signing in and out, the session cookie, and the sessions a user can see and end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import select

from fairlx.auth.models import AuthEvent, AuthEventKind, User, UserSession
from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.security.passwords import Passwords
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, sign_in

LOGIN = "/api/v1/auth/login"
THIRTY_DAYS = 30 * 24 * 3600


def session_cookie_header(response: httpx.Response) -> str:
    [header] = [value for value in response.headers.get_list("set-cookie") if value.startswith("fairlx-session=")]
    return header


async def test_sign_in_sets_a_30_day_http_only_lax_cookie(
    second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    answer = await sign_in(second_client, settings, account)
    assert answer.status_code == 200
    assert answer.json()["state"] == "SIGNED_IN"
    assert answer.json()["user"]["email"] == account.email
    cookie = session_cookie_header(answer).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert f"max-age={THIRTY_DAYS}" in cookie or f"max-age={THIRTY_DAYS - 1}" in cookie
    assert "secure" not in cookie
    me = await second_client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["id"] == account.user_id


@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://fairlx.example.com"}])
async def test_the_cookie_is_secure_under_https(
    second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    answer = await second_client.post(LOGIN, json={"email": account.email, "password": account.password})
    assert "secure" in session_cookie_header(answer).lower()


async def test_wrong_password_and_unknown_account_answer_alike_and_are_audited(
    second_client: httpx.AsyncClient, infra: Infrastructure, account: Account
) -> None:
    wrong = await second_client.post(LOGIN, json={"email": account.email, "password": "not the password"})
    unknown = await second_client.post(LOGIN, json={"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "fairlx-session" not in wrong.cookies
    async with infra.db.unit_of_work(read_only=True) as db:
        failures = list(await db.scalars(select(AuthEvent).where(AuthEvent.kind == AuthEventKind.LOGIN_FAILED)))
    assert {str(event.user_id) if event.user_id else None for event in failures} == {account.user_id, None}
    assert all(event.ip == "127.0.0.2" for event in failures)


async def test_an_unverified_address_cannot_sign_in_and_is_told_how_to_resend(
    api: httpx.AsyncClient, drain: Drain
) -> None:
    await api.post(
        "/api/v1/auth/register",
        json={"name": "Alan", "email": "alan@example.com", "password": "a long enough secret", "accept_terms": True},
    )
    answer = await api.post(LOGIN, json={"email": "alan@example.com", "password": "a long enough secret"})
    assert answer.status_code == 403
    assert answer.json()["code"] == "email_unverified"
    assert answer.json()["resend"] == "/api/v1/auth/resend-verification"


async def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(
    second_client: httpx.AsyncClient, settings: Settings, infra: Infrastructure, account: Account
) -> None:
    infra.passwords = Passwords(time_cost=2, memory_cost_kib=16)
    answer = await sign_in(second_client, settings, account)
    assert answer.status_code == 200
    async with infra.db.unit_of_work(read_only=True) as db:
        user = await db.scalar(select(User).where(User.email == account.email))
    assert user is not None
    assert user.password_hash is not None
    assert "m=16,t=2" in user.password_hash


async def test_me_needs_a_credential(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.get("/api/v1/auth/me")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


async def test_a_forged_cookie_is_no_session(second_client: httpx.AsyncClient, account: Account) -> None:
    second_client.cookies.set("fairlx-session", "forged-value")
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401


async def test_sign_out_ends_the_session_for_good(api: httpx.AsyncClient, settings: Settings, account: Account) -> None:
    cookie = api.cookies.get("fairlx-session")
    answer = await api.post("/api/v1/auth/logout")
    assert answer.status_code == 204
    assert 'fairlx-session=""' in answer.headers["set-cookie"] or "max-age=0" in answer.headers["set-cookie"].lower()
    api.cookies.set("fairlx-session", cookie or "")
    assert (await api.get("/api/v1/auth/me")).status_code == 401


async def test_sessions_are_listed_and_one_can_be_ended_from_another(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    await sign_in(second_client, settings, account)
    listed = await api.get("/api/v1/auth/sessions")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2
    [current] = [item for item in items if item["current"]]
    [other] = [item for item in items if not item["current"]]
    assert other["ip"] == "127.0.0.2"

    ended = await api.delete(f"/api/v1/auth/sessions/{other['id']}")
    assert ended.status_code == 204
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401
    assert (await api.get("/api/v1/auth/me")).status_code == 200
    missing = await api.delete(f"/api/v1/auth/sessions/{other['id']}")
    assert missing.status_code == 404
    assert current["id"] != other["id"]


async def test_sign_out_everywhere_ends_every_session(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    await sign_in(second_client, settings, account)
    answer = await api.delete("/api/v1/auth/sessions")
    assert answer.status_code == 200
    assert answer.json() == {"ended": 2}
    assert (await api.get("/api/v1/auth/me")).status_code == 401
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401


async def test_an_active_session_slides_and_an_idle_one_expires(
    api: httpx.AsyncClient, infra: Infrastructure, account: Account
) -> None:
    async with infra.db.unit_of_work(read_only=True) as db:
        [before] = list(await db.scalars(select(UserSession)))
    with time_machine.travel(utcnow() + timedelta(days=20)):
        refreshed = await api.get("/api/v1/auth/me")
    assert refreshed.status_code == 200
    assert "max-age=" in session_cookie_header(refreshed).lower()
    async with infra.db.unit_of_work(read_only=True) as db:
        [after] = list(await db.scalars(select(UserSession)))
    assert after.expires_at - before.expires_at >= timedelta(days=19)

    with time_machine.travel(utcnow() + timedelta(days=20 + 31)):
        idle = await api.get("/api/v1/auth/me")
    assert idle.status_code == 401


@pytest.mark.parametrize("leg", ["service"], indirect=True)
async def test_a_warm_request_runs_no_sql_for_the_session(
    api: httpx.AsyncClient, account: Account, count_sql: Any
) -> None:
    await api.get("/api/v1/me/tokens")  # warms the session and user entries in Redis
    with count_sql() as counter:
        answer = await api.get("/api/v1/me/tokens")
    assert answer.status_code == 200
    assert counter.count == 1
    assert "api_tokens" in counter.statements[0]
    assert not any("user_sessions" in statement or "FROM users" in statement for statement in counter.statements)


async def test_choosing_the_account_type_finishes_onboarding_once(api: httpx.AsyncClient, account: Account) -> None:
    chosen = await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    assert chosen.status_code == 200
    assert chosen.json()["account_type"] == "PERSONAL"
    assert (await api.get("/api/v1/auth/me")).json()["lifecycle"] == "ACTIVE"
    changed = await api.post("/api/v1/auth/onboarding", json={"account_type": "ORG"})
    assert changed.status_code == 409
    assert changed.json()["code"] == "account_type_chosen"
    bad = await api.post("/api/v1/auth/onboarding", json={"account_type": "TEAM"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"].endswith("account_type")


async def test_sign_in_input_is_validated(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.post(LOGIN, json={"email": "ada@example.com"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"].endswith("password")


async def test_a_write_from_an_idle_session_slides_it_too(api: httpx.AsyncClient, account: Account) -> None:
    with time_machine.travel(utcnow() + timedelta(days=2)):
        answer = await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
        assert answer.status_code == 200
        assert "max-age=" in session_cookie_header(answer).lower()
        listed = await api.get("/api/v1/auth/sessions")
    [session] = listed.json()["items"]
    assert session["expires_at"] > (utcnow() + timedelta(days=31)).isoformat()


async def test_a_bad_bearer_token_is_refused_even_beside_a_good_cookie(
    api: httpx.AsyncClient, account: Account
) -> None:
    answer = await api.get("/api/v1/auth/me", headers={"Authorization": "Bearer fx_not-a-real-token"})
    assert answer.status_code == 401
