"""Only providers with both a client id and a secret are offered; Google's endpoints come from its
discovery document, fetched once and cached."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.oauth.helpers import BROWSER_ACCEPT
from tests.support.accounts import Account
from tests.support.oauth_provider import LoopbackProvider, start

NO_PROVIDERS = pytest.mark.parametrize(
    "settings_overrides",
    [{}, {"oauth_google_client_id": "id-without-a-secret", "oauth_github_client_secret": "secret-without-an-id"}],
    ids=["unset", "half-set"],
)


@pytest.fixture
def settings_overrides(provider: LoopbackProvider) -> dict[str, Any]:
    return provider.settings(github=False)


async def test_only_configured_providers_are_offered(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    listed = await api.get("/api/v1/auth/oauth/providers")
    assert listed.json()["items"] == [
        {"provider": "google", "label": "Google", "start_url": "/api/v1/auth/oauth/google/start"}
    ]
    page = await api.get("/sign-in", headers={"accept": BROWSER_ACCEPT})
    assert "Continue with Google" in page.text
    assert "Continue with GitHub" not in page.text

    for path in ("/api/v1/auth/oauth/github/start", "/api/v1/auth/oauth/gitlab/start"):
        refused = await api.get(path)
        assert refused.status_code == 404
    assert (await api.get("/api/v1/auth/oauth/github/start")).json()["code"] == "oauth_provider_disabled"
    assert (await api.get("/api/v1/auth/oauth/gitlab/start")).json()["code"] == "oauth_provider_unknown"
    page = await api.get("/oauth/github", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 404
    assert "Signing in with GitHub is not set up on this server." in page.text


async def test_discovery_is_fetched_once(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    await start(api, "google")
    await start(api, "google")
    assert provider.discovery_hits == 1


@NO_PROVIDERS
async def test_without_providers_no_button_is_shown(api: httpx.AsyncClient, account: Account) -> None:
    assert (await api.get("/api/v1/auth/oauth/providers")).json()["items"] == []
    page = await api.get("/settings/connections", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    assert "No sign-in providers are set up" in page.text
    assert "data-connect" not in page.text
    api.cookies.clear()
    sign_in = await api.get("/sign-in", headers={"accept": BROWSER_ACCEPT})
    assert "data-oauth-buttons" not in sign_in.text
    assert (await api.get("/api/v1/auth/oauth/google/start")).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": {"login": "2/minute"}}], ids=["tight"])
async def test_starting_flows_is_rate_limited(api: httpx.AsyncClient) -> None:
    """Each start writes a row before anyone signs in: a client address gets a budget of them."""
    answers = [(await api.get("/api/v1/auth/oauth/github/start")).status_code for _ in range(2)]
    assert answers == [404, 404]  # not configured, but the budget is spent all the same
    limited = await api.get("/oauth/github", headers={"accept": "application/json"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
