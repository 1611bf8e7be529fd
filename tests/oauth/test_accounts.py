"""Which account a provider's identity lands in: an address that already has an account, a second
factor that still stands, and a password set later by someone who signed up with a provider."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.oauth.helpers import events, identities, refusal_code, users
from tests.support.accounts import DEFAULT_PASSWORD, Account, latest_mail, mails_to, sign_in, text_of, use_session
from tests.support.oauth_provider import LoopbackProvider, sign_in_with


async def test_an_unverified_account_with_the_same_email_is_not_taken_over(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    registered = await api.post(
        "/api/v1/auth/register",
        json={"name": "Someone", "email": "grace@example.com", "password": DEFAULT_PASSWORD, "accept_terms": True},
    )
    assert registered.status_code == 202

    refused = await sign_in_with(api, "google")

    assert refused.status_code == 409
    assert refusal_code(refused) == "oauth_email_taken"
    assert "An account with grace@example.com already exists" in refused.text
    assert "connect Google from Settings" in refused.text
    assert await identities(infra) == []
    assert (await api.get("/api/v1/auth/me")).status_code == 401


async def test_a_verified_account_is_linked_when_the_provider_verified_the_address_too(
    api: httpx.AsyncClient,
    *,
    second_client: httpx.AsyncClient,
    account: Account,
    provider: LoopbackProvider,
    infra: Infrastructure,
    settings: Settings,
    drain: Callable[..., Any],
) -> None:
    provider.user.email = "ADA@example.com"

    back = await sign_in_with(second_client, "google", return_to="/projects")

    assert back.status_code == 303, back.text
    me = (await second_client.get("/api/v1/auth/me")).json()["user"]
    assert me["id"] == account.user_id
    assert me["has_password"] is True
    assert len(await users(infra)) == 1
    [identity] = await identities(infra, account.user_id)
    assert identity.provider.value == "google"
    assert ("identity_linked", {"provider": "google", "via": "verified_email"}) in await events(infra, account.user_id)
    mail = await latest_mail(settings, drain, account.email)
    assert mail["Subject"] == "Google was connected to your account"
    assert "http://testserver/settings/connections" in text_of(mail)


async def test_a_verified_account_is_not_linked_on_an_address_the_provider_did_not_verify(
    second_client: httpx.AsyncClient, account: Account, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    provider.user.email, provider.user.email_verified = account.email, False

    refused = await sign_in_with(second_client, "google")

    assert refusal_code(refused) == "oauth_email_unverified"
    assert await identities(infra) == []
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401


async def test_a_second_factor_is_still_asked_for(
    api: httpx.AsyncClient,
    *,
    second_client: httpx.AsyncClient,
    account: Account,
    provider: LoopbackProvider,
    settings: Settings,
    drain: Callable[..., Any],
) -> None:
    assert (await api.post("/api/v1/auth/2fa/email/setup")).status_code == 202
    code = await mailed_code(settings, drain, account.email)
    assert (await api.post("/api/v1/auth/2fa/email/enable", json={"code": code})).status_code == 200
    provider.user.email = account.email

    back = await sign_in_with(second_client, "google", return_to="/projects")

    assert back.status_code == 303, back.text
    target = httpx.URL(back.headers["location"])
    assert target.path == "/two-factor"
    assert target.params["return_to"] == "/projects"
    assert "fairlx-session" not in back.headers.get("set-cookie", "")
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401
    challenge = target.params["challenge"]
    sent = await second_client.post("/api/v1/auth/2fa/email/send", json={"challenge_token": challenge})
    assert sent.status_code == 202, sent.text
    code = await mailed_code(settings, drain, account.email)
    verified = await second_client.post(
        "/api/v1/auth/2fa/verify", json={"challenge_token": challenge, "code": code, "method": "email"}
    )
    assert verified.status_code == 200, verified.text
    assert (await second_client.get("/api/v1/auth/me")).json()["user"]["id"] == account.user_id


async def mailed_code(settings: Settings, drain: Callable[..., Any], address: str) -> str:
    """The six-digit code in the newest mail that has one."""
    await drain()
    for message in reversed(mails_to(settings, address)):
        if found := re.search(r"\b(\d{6})\b", text_of(message)):
            return found.group(1)
    raise AssertionError(f"no mail with a code to {address}")


async def test_someone_who_signed_up_with_a_provider_can_set_a_password(
    api: httpx.AsyncClient, provider: LoopbackProvider, settings: Settings
) -> None:
    await sign_in_with(api, "github")
    use_session(api, settings)
    new_password = "a brand new passphrase for grace"

    too_short = await api.post("/api/v1/auth/change-password", json={"new_password": "short"})
    assert too_short.status_code == 422
    changed = await api.post("/api/v1/auth/change-password", json={"new_password": new_password})

    assert changed.status_code == 204, changed.text
    assert (await api.get("/api/v1/auth/me")).json()["user"]["has_password"] is True
    assert (await api.post("/api/v1/auth/logout")).status_code == 204
    api.cookies.clear()
    api.headers.pop("x-csrf-token")
    answer = await sign_in(api, settings, Account("grace@example.com", new_password, "Grace", ""))
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "SIGNED_IN"
