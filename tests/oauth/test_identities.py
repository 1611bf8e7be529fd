"""Linked identities through the API: listing, linking while signed in, and unlinking, which never
leaves an account without a way to sign in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.oauth.helpers import events, identities, refusal_code
from tests.support.accounts import Account, latest_mail, use_session
from tests.support.oauth_provider import LoopbackProvider, authorize, sign_in_with


async def link(api: httpx.AsyncClient, provider: str, return_to: str | None = None) -> httpx.Response:
    """Connect `provider` to the signed-in account, all the way back from the provider."""
    params = {"return_to": return_to} if return_to else {}
    started = await api.post(f"/api/v1/me/identities/{provider}", params=params)
    assert started.status_code == 200, started.text
    assert started.headers["set-cookie"].startswith("fairlx-oauth=")
    return await api.get(await authorize(started.json()["authorize_url"]))


async def test_identities_are_listed(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    await sign_in_with(api, "google")

    listed = await api.get("/api/v1/me/identities")

    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["provider"] == "google"
    assert item["email"] == "grace@example.com"
    assert item["created_at"]
    assert item["last_used_at"]
    assert set(item) == {"id", "provider", "email", "created_at", "last_used_at"}


async def test_identities_need_a_signed_in_user(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    assert (await api.get("/api/v1/me/identities")).status_code == 401
    refused = await api.post("/api/v1/me/identities/github")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"


async def test_linking_while_signed_in_connects_another_provider_account(
    api: httpx.AsyncClient,
    *,
    account: Account,
    provider: LoopbackProvider,
    infra: Infrastructure,
    settings: Settings,
    drain: Callable[..., Any],
) -> None:
    provider.user.subject, provider.user.email = "4242", "ada.codes@example.org"  # another address: fine

    back = await link(api, "github")

    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/settings/connections?connected=github"
    [item] = (await api.get("/api/v1/me/identities")).json()["items"]
    assert (item["provider"], item["email"], item["last_used_at"]) == ("github", "ada.codes@example.org", None)
    assert (await api.get("/api/v1/auth/me")).json()["user"]["email"] == account.email
    assert ("identity_linked", {"provider": "github", "via": "settings"}) in await events(infra, account.user_id)
    assert (await latest_mail(settings, drain, account.email))["Subject"] == "GitHub was connected to your account"

    api.cookies.clear()  # signed out: the linked identity now signs Ada in
    again = await sign_in_with(api, "github", return_to="/projects")
    assert again.status_code == 303
    assert (await api.get("/api/v1/auth/me")).json()["user"]["id"] == account.user_id


async def test_linking_an_identity_that_belongs_to_someone_else_is_refused(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, provider: LoopbackProvider
) -> None:
    await sign_in_with(second_client, "google")  # Grace's Google account is Grace's account here

    refused = await link(api, "google")

    assert refused.status_code == 409
    assert refusal_code(refused) == "identity_taken"
    assert 'href="/settings/connections"' in refused.text
    assert (await api.get("/api/v1/me/identities")).json()["items"] == []


async def test_a_second_account_of_a_linked_provider_is_refused(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider
) -> None:
    await link(api, "google")

    again = await api.post("/api/v1/me/identities/google")

    assert again.status_code == 409
    assert again.json()["code"] == "provider_already_linked"


async def test_linking_the_same_identity_twice_is_harmless(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    """Two tabs start connecting Google; the second to finish finds it already linked."""
    hx = {"hx-request": "true"}
    first = await api.post("/oauth/google/connect", headers=hx)
    second = await api.post("/oauth/google/connect", headers=hx)
    assert (await api.get(await authorize(first.headers["hx-redirect"]))).status_code == 303

    back = await api.get(await authorize(second.headers["hx-redirect"]))

    assert back.status_code == 303
    assert len(await identities(infra, account.user_id)) == 1


async def test_linking_needs_a_browser_session(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider, app: Any
) -> None:
    created = await api.post("/api/v1/me/tokens", json={"name": "script"})
    assert created.status_code == 201, created.text
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {created.json()['token']}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as script:
        assert (await script.get("/api/v1/me/identities")).status_code == 200
        refused = await script.post("/api/v1/me/identities/google")
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_required"


async def test_unlinking_an_identity(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider, infra: Infrastructure
) -> None:
    await link(api, "github")
    [item] = (await api.get("/api/v1/me/identities")).json()["items"]

    unlinked = await api.delete(f"/api/v1/me/identities/{item['id']}")

    assert unlinked.status_code == 204
    assert (await api.get("/api/v1/me/identities")).json()["items"] == []
    assert ("identity_unlinked", {"provider": "github"}) in await events(infra, account.user_id)
    again = await api.delete(f"/api/v1/me/identities/{item['id']}")
    assert again.status_code == 404
    assert again.json()["code"] == "identity_not_found"


async def test_the_last_way_to_sign_in_cannot_be_unlinked(
    api: httpx.AsyncClient, provider: LoopbackProvider, settings: Settings, infra: Infrastructure
) -> None:
    await sign_in_with(api, "google")
    use_session(api, settings)
    [google] = (await api.get("/api/v1/me/identities")).json()["items"]

    refused = await api.delete(f"/api/v1/me/identities/{google['id']}")

    assert refused.status_code == 409
    assert refused.json()["code"] == "last_sign_in_method"
    assert "Set a password" in refused.json()["detail"]
    assert len(await identities(infra)) == 1

    provider.user.subject = "777"
    assert (await link(api, "github")).status_code == 303
    assert (await api.delete(f"/api/v1/me/identities/{google['id']}")).status_code == 204  # GitHub remains
    [github] = (await api.get("/api/v1/me/identities")).json()["items"]
    assert github["provider"] == "github"
    last = await api.delete(f"/api/v1/me/identities/{github['id']}")
    assert last.status_code == 409
    assert last.json()["code"] == "last_sign_in_method"


async def test_a_password_makes_the_identity_removable(
    api: httpx.AsyncClient, provider: LoopbackProvider, settings: Settings
) -> None:
    await sign_in_with(api, "google")
    use_session(api, settings)
    [google] = (await api.get("/api/v1/me/identities")).json()["items"]
    changed = await api.post("/api/v1/auth/change-password", json={"new_password": "grace's own passphrase"})
    assert changed.status_code == 204

    assert (await api.delete(f"/api/v1/me/identities/{google['id']}")).status_code == 204


async def test_someone_elses_identity_cannot_be_unlinked(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, provider: LoopbackProvider
) -> None:
    await sign_in_with(second_client, "google")
    [grace] = (await second_client.get("/api/v1/me/identities")).json()["items"]

    refused = await api.delete(f"/api/v1/me/identities/{grace['id']}")

    assert refused.status_code == 404
    assert len((await second_client.get("/api/v1/me/identities")).json()["items"]) == 1
