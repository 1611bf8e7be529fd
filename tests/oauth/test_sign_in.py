"""Signing in with Google (OpenID Connect) and GitHub against a loopback provider that checks the
protocol: the account it creates or finds, and every way a callback is refused."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import time_machine

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.oauth.helpers import events, flows, identities, refusal_code, users
from tests.support.accounts import use_session
from tests.support.oauth_provider import CLIENT_ID, LoopbackProvider, authorize, s256, sign_in_with, start


async def test_google_sign_up_creates_a_verified_account_without_a_password(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure, settings: Settings
) -> None:
    started = await start(api, "google", return_to="/projects/7")
    asked = httpx.URL(started.headers["location"])
    assert str(asked.copy_with(query=None)) == f"{provider.base_url}/authorize"
    params = dict(asked.params)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://testserver/oauth/google/callback"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["nonce"]
    assert params["state"]
    cookie = started.headers["set-cookie"]
    assert cookie.startswith("fairlx-oauth=")
    assert all(part in cookie for part in ("HttpOnly", "Path=/oauth", "SameSite=lax", "Max-Age=600"))

    back = await api.get(await authorize(str(asked)))

    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/onboarding"  # a new account chooses its type first
    me = await api.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    user = me.json()["user"]
    assert (user["email"], user["name"]) == ("grace@example.com", "Grace Hopper")
    assert user["email_verified"] is True
    assert user["has_password"] is False
    # the provider saw the verifier whose S256 matches the challenge it was shown
    assert s256(provider.token_requests[-1]["code_verifier"]) == params["code_challenge"]
    [created] = await users(infra)
    assert created.terms_version == settings.terms_version
    assert created.terms_accepted_at is not None
    [identity] = await identities(infra, created.id)
    assert (identity.provider.value, identity.subject, identity.email) == ("google", "10001", "grace@example.com")
    assert identity.last_used_at is not None
    kinds = [kind for kind, _ in await events(infra, created.id)]
    assert kinds == ["registered", "identity_linked", "login"]
    [flow] = await flows(infra)
    assert flow.used_at is not None
    assert flow.return_to == "/projects/7"
    assert params["state"] not in (flow.state_digest, flow.code_verifier_encrypted)


async def test_github_sign_up_uses_the_primary_verified_email(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    provider.user.subject, provider.user.email, provider.user.name = "583231", "Octo@Example.com", None

    started = await start(api, "github")
    asked = httpx.URL(started.headers["location"])
    assert str(asked.copy_with(query=None)) == f"{provider.base_url}/login/oauth/authorize"
    assert asked.params["scope"] == "read:user user:email"
    assert asked.params["code_challenge_method"] == "S256"
    assert "nonce" not in asked.params
    back = await api.get(await authorize(str(asked)))

    assert back.status_code == 303, back.text
    me = (await api.get("/api/v1/auth/me")).json()["user"]
    assert me["email"] == "octo@example.com"
    assert me["name"] == "grace"  # no display name at GitHub: the login stands in
    [identity] = await identities(infra, me["id"])
    assert (identity.provider.value, identity.subject) == ("github", "583231")


async def test_returning_user_signs_in_with_the_same_identity_and_lands_on_return_to(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure, settings: Settings
) -> None:
    await sign_in_with(api, "google")
    use_session(api, settings)
    assert (await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})).status_code == 200
    assert (await api.post("/api/v1/auth/logout")).status_code == 204
    api.headers.pop("x-csrf-token")
    provider.user.email = "grace@new-domain.example"  # the address at the provider changed meanwhile

    back = await sign_in_with(api, "google", return_to="/projects/7?tab=board")

    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/projects/7?tab=board"
    assert (await api.get("/api/v1/auth/me")).json()["user"]["email"] == "grace@example.com"
    assert len(await users(infra)) == 1
    [identity] = await identities(infra)
    assert identity.email == "grace@new-domain.example"

    back = await sign_in_with(api, "google", return_to="https://evil.example/phish")
    assert back.headers["location"] == "/home"


async def test_unknown_or_missing_state_is_refused(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    await start(api, "google")
    for query in ("?code=abc&state=not-a-state", "?code=abc"):
        refused = await api.get(f"/oauth/google/callback{query}")
        assert refused.status_code == 422
        assert refusal_code(refused) == "oauth_state_invalid"
        assert "fairlx-session" not in refused.headers.get("set-cookie", "")
        assert 'href="/sign-in"' in refused.text
    assert provider.token_requests == []


async def test_a_state_for_another_provider_is_refused(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    callback = httpx.URL(await authorize((await start(api, "google")).headers["location"]))
    refused = await api.get("/oauth/github/callback", params=dict(callback.params))
    assert refusal_code(refused) == "oauth_state_invalid"


async def test_replayed_callback_is_refused(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    callback = await authorize((await start(api, "google")).headers["location"])
    assert (await api.get(callback)).status_code == 303

    replayed = await api.get(callback)

    assert replayed.status_code == 422
    assert refusal_code(replayed) == "oauth_state_used"
    assert len(provider.token_requests) == 1  # the code never went to the provider twice
    assert len(await users(infra)) == 1


async def test_expired_state_is_refused(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    callback = await authorize((await start(api, "google")).headers["location"])

    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        refused = await api.get(callback)

    assert refused.status_code == 422
    assert refusal_code(refused) == "oauth_state_expired"
    assert provider.token_requests == []
    assert await users(infra) == []


async def test_callback_in_another_browser_is_refused_and_leaves_the_flow_usable(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    callback = await authorize((await start(api, "google")).headers["location"])

    elsewhere = await second_client.get(callback)  # no binding cookie at all
    assert elsewhere.status_code == 403
    assert refusal_code(elsewhere) == "oauth_browser_mismatch"
    forged = await second_client.get(callback, headers={"cookie": f"fairlx-oauth={'x' * 43}"})  # not the bound one
    assert refusal_code(forged) == "oauth_browser_mismatch"
    assert provider.token_requests == []
    assert await users(infra) == []

    assert (await api.get(callback)).status_code == 303  # the browser that started it still can


async def test_a_tampered_pkce_challenge_fails_at_the_provider(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    callback = await authorize((await start(api, "google")).headers["location"])
    provider.grant_for(callback).code_challenge = s256("a verifier this flow never had")

    refused = await api.get(callback)

    assert refused.status_code == 403
    assert refusal_code(refused) == "oauth_exchange_failed"
    assert "PKCE verification failed" in refused.text
    assert await users(infra) == []
    assert (await api.get("/api/v1/auth/me")).status_code == 401


async def test_github_refuses_a_tampered_challenge_too(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    callback = await authorize((await start(api, "github")).headers["location"])
    provider.grant_for(callback).code_challenge = s256("another verifier")

    refused = await api.get(callback)

    assert refusal_code(refused) == "oauth_exchange_failed"
    assert await users(infra) == []


async def test_provider_error_is_shown_in_its_words_and_spends_the_flow(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    provider.refuse_with = ("access_denied", "The user denied your request.")
    callback = await authorize((await start(api, "google")).headers["location"])
    assert "error=access_denied" in callback
    assert "code=" not in callback

    refused = await api.get(callback)

    assert refused.status_code == 403
    assert refusal_code(refused) == "oauth_provider_error"
    assert "You cancelled, or Google did not allow the sign-in." in refused.text
    assert "Google said: The user denied your request." in refused.text
    assert provider.token_requests == []
    assert refusal_code(await api.get(callback)) == "oauth_state_used"


@pytest.mark.parametrize(
    "claims",
    [{"nonce": "another-nonce"}, {"aud": "another-client"}, {"iss": "https://issuer.invalid"}, {"exp": 1_000_000}],
    ids=["nonce", "audience", "issuer", "expired"],
)
async def test_an_id_token_that_does_not_check_out_is_refused(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure, claims: dict[str, object]
) -> None:
    provider.id_token_overrides = claims

    refused = await sign_in_with(api, "google")

    assert refused.status_code == 403
    assert refusal_code(refused) == "oauth_id_token_invalid"
    assert await users(infra) == []


async def test_an_address_the_provider_has_not_verified_creates_no_account(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    provider.user.email_verified = False
    for name in ("google", "github"):
        refused = await sign_in_with(api, name)
        assert refused.status_code == 403
        assert refusal_code(refused) == "oauth_email_unverified"
        assert "has not verified grace@example.com" in refused.text
    assert await users(infra) == []


async def test_github_account_without_an_email_creates_no_account(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    provider.user.email = None
    refused = await sign_in_with(api, "github")
    assert refusal_code(refused) == "oauth_email_missing"
    assert await users(infra) == []


async def test_old_flows_are_cleared_when_a_new_one_starts(
    api: httpx.AsyncClient, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    await start(api, "google")
    await start(api, "github")
    assert len(await flows(infra)) == 2

    with time_machine.travel(utcnow() + timedelta(days=1, minutes=11), tick=False):
        await start(api, "google")

    [kept] = await flows(infra)
    assert kept.provider.value == "google"
    assert kept.created_at > utcnow()
