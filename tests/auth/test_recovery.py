"""Forgotten passwords, changing a password, and magic links."""

from __future__ import annotations

from datetime import timedelta

import httpx
import time_machine

from fairlx.core.clock import utcnow
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, latest_mail, mails_to, sign_in, text_of, token_in, use_session

NEW_PASSWORD = "a brand new passphrase"


async def request_reset(client: httpx.AsyncClient, settings: Settings, drain: Drain, email: str) -> str:
    answer = await client.post("/api/v1/auth/forgot-password", json={"email": email})
    assert answer.status_code == 202
    mail = await latest_mail(settings, drain, email)
    assert mail["Subject"] == "Reset your password"
    return token_in(mail)


async def test_reset_signs_in_with_the_new_password_and_ends_other_sessions(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    token = await request_reset(second_client, settings, drain, account.email)
    reset = await second_client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert reset.status_code == 200
    assert reset.json()["state"] == "SIGNED_IN"

    assert (await api.get("/api/v1/auth/me")).status_code == 401  # the older session ended
    assert (await second_client.get("/api/v1/auth/me")).status_code == 200
    old = await sign_in(api, settings, account)
    assert old.status_code == 401
    account.password = NEW_PASSWORD
    assert (await sign_in(api, settings, account)).status_code == 200


async def test_a_reset_link_works_once_and_for_an_hour(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    token = await request_reset(second_client, settings, drain, account.email)
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        late = await second_client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert late.json()["code"] == "token_expired"

    token = await request_reset(second_client, settings, drain, account.email)
    weak = await second_client.post("/api/v1/auth/reset-password", json={"token": token, "password": "123456"})
    assert weak.status_code == 422
    assert weak.json()["errors"][0]["field"] == "password"
    first = await second_client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    use_session(second_client, settings)
    again = await second_client.post("/api/v1/auth/reset-password", json={"token": token, "password": NEW_PASSWORD})
    assert first.status_code == 200
    assert again.json()["code"] == "token_used"


async def test_forgot_password_answers_alike_for_unknown_addresses(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    known = await second_client.post("/api/v1/auth/forgot-password", json={"email": account.email})
    unknown = await second_client.post("/api/v1/auth/forgot-password", json={"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    await drain()
    assert mails_to(settings, "nobody@example.com") == []


async def test_changing_the_password_needs_the_current_one_and_keeps_this_session(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    await sign_in(second_client, settings, account)
    wrong = await api.post(
        "/api/v1/auth/change-password", json={"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    same = await api.post(
        "/api/v1/auth/change-password", json={"current_password": account.password, "new_password": account.password}
    )
    assert same.json()["code"] == "password_unchanged"

    changed = await api.post(
        "/api/v1/auth/change-password", json={"current_password": account.password, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    assert (await api.get("/api/v1/auth/me")).status_code == 200
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401


async def test_a_magic_link_signs_in_once_within_15_minutes(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    asked = await second_client.post("/api/v1/auth/magic-link", json={"email": account.email})
    unknown = await second_client.post("/api/v1/auth/magic-link", json={"email": "nobody@example.com"})
    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()
    mail = await latest_mail(settings, drain, account.email)
    assert f"{settings.public_url}/magic-link?token=" in text_of(mail)
    token = token_in(mail)

    signed_in = await second_client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert signed_in.status_code == 200
    assert signed_in.json()["state"] == "SIGNED_IN"
    use_session(second_client, settings)
    reused = await second_client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert reused.json()["code"] == "token_used"

    await second_client.post("/api/v1/auth/magic-link", json={"email": account.email})
    late_token = token_in(await latest_mail(settings, drain, account.email))
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        late = await second_client.post("/api/v1/auth/magic-link/verify", json={"token": late_token})
    assert late.json()["code"] == "token_expired"
