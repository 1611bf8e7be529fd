"""CSRF defence for cookie requests, and the rate limits on every way into an account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fairlx.auth.models import AuthEvent, AuthEventKind
from fairlx.core.security.csrf import CSRF_HEADER
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, sign_in

TIGHT_LIMITS = {
    "default": "100000/minute",
    "write": "100000/minute",
    "login": "3/minute",
    "register": "2/minute",
    "magic_link": "2/minute",
    "password_reset": "2/minute",
}


async def test_a_cookie_request_without_the_page_token_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    del api.headers[CSRF_HEADER]
    missing = await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    api.headers[CSRF_HEADER] = "0" * 64
    wrong = await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    assert missing.status_code == wrong.status_code == 403
    assert missing.json()["code"] == wrong.json()["code"] == "csrf_token_invalid"
    assert (await api.get("/api/v1/auth/me")).json()["lifecycle"] == "ONBOARDING"


async def test_a_request_from_another_site_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    foreign = await api.post(
        "/api/v1/auth/onboarding", json={"account_type": "PERSONAL"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "cross_site_request"
    fetched = await api.post(
        "/api/v1/auth/login",
        json={"email": account.email, "password": account.password},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert fetched.json()["code"] == "cross_site_request"
    own = await api.post(
        "/api/v1/auth/onboarding", json={"account_type": "PERSONAL"}, headers={"Origin": "http://testserver"}
    )
    assert own.status_code == 200


async def test_a_bearer_token_needs_no_page_token(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    created = await api.post("/api/v1/me/tokens", json={"name": "ci"})
    secret = created.json()["token"]
    answer = await second_client.post(
        "/api/v1/auth/onboarding",
        json={"account_type": "ORG"},
        headers={"Authorization": f"Bearer {secret}", "Origin": "https://ci.example"},
    )
    assert answer.status_code == 200
    assert answer.json()["account_type"] == "ORG"


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": TIGHT_LIMITS}])
async def test_sign_in_attempts_are_limited_per_address(
    second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    answers = [
        await second_client.post("/api/v1/auth/login", json={"email": f"x{n}@example.com", "password": "whatever1"})
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1].headers["retry-after"]) >= 1


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": TIGHT_LIMITS}])
async def test_sign_in_attempts_are_limited_per_account_across_addresses(
    app: Any, settings: Settings, account: Account
) -> None:
    answers = []
    for n in range(4):
        transport = httpx.ASGITransport(app=app, client=(f"10.0.0.{n + 1}", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answers.append(
                await client.post("/api/v1/auth/login", json={"email": account.email, "password": "wrong guess"})
            )
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": TIGHT_LIMITS}])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/auth/register",
            {"name": "N", "email": "n@example.com", "password": "long password 1", "accept_terms": True},
        ),
        ("/api/v1/auth/magic-link", {"email": "n@example.com"}),
        ("/api/v1/auth/forgot-password", {"email": "n@example.com"}),
        ("/api/v1/auth/resend-verification", {"email": "n@example.com"}),
    ],
)
async def test_mail_sending_routes_are_limited(
    second_client: httpx.AsyncClient, drain: Drain, path: str, body: dict[str, Any]
) -> None:
    statuses = [(await second_client.post(path, json=body)).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]


async def test_the_auth_audit_trail_records_sign_ins(
    second_client: httpx.AsyncClient, settings: Settings, account: Account, infra: Any
) -> None:
    await sign_in(second_client, settings, account)
    async with infra.db.unit_of_work(read_only=True) as db:
        kinds = [event.kind for event in await db.scalars(select(AuthEvent).order_by(AuthEvent.created_at))]
    assert kinds[:3] == [AuthEventKind.REGISTERED, AuthEventKind.EMAIL_VERIFIED, AuthEventKind.LOGIN]
    assert kinds[-1] == AuthEventKind.LOGIN
