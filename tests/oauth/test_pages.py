"""The pages: "Continue with ..." buttons, the start link behind them, and Settings → Connected
accounts with its connect and disconnect buttons."""

from __future__ import annotations

import json

import httpx

from fairlx.settings import Settings
from tests.oauth.helpers import BROWSER_ACCEPT
from tests.support.accounts import Account, use_session
from tests.support.oauth_provider import LoopbackProvider, authorize, sign_in_with

HX = {"hx-request": "true"}


async def browse(client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await client.get(path, headers={"accept": BROWSER_ACCEPT})


async def test_sign_in_and_sign_up_pages_offer_the_configured_providers(
    api: httpx.AsyncClient, provider: LoopbackProvider
) -> None:
    for path in ("/sign-in?return_to=/projects/7", "/sign-up?return_to=/projects/7"):
        page = await browse(api, path)
        assert page.status_code == 200, page.text
        assert 'href="/oauth/google?return_to=/projects/7"' in page.text
        assert 'href="/oauth/github?return_to=/projects/7"' in page.text
        assert "Continue with Google" in page.text
        assert "Continue with GitHub" in page.text


async def test_the_button_link_starts_a_flow_and_two_tabs_can_both_finish(
    api: httpx.AsyncClient, provider: LoopbackProvider
) -> None:
    first = await browse(api, "/oauth/google?return_to=/projects/7")
    assert first.status_code == 303
    assert first.headers["location"].startswith(f"{provider.base_url}/authorize?")
    second = await browse(api, "/oauth/google")  # another tab, same browser: the binding is kept

    assert (await api.get(await authorize(first.headers["location"]))).status_code == 303
    assert (await api.get(await authorize(second.headers["location"]))).status_code == 303


async def test_refusals_render_a_page_that_leads_back(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    provider.refuse_with = ("access_denied", "Nope.")
    page = await sign_in_with(api, "github")

    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "Could not sign in with GitHub" in page.text
    assert 'href="/sign-in"' in page.text
    assert 'href="/oauth/github"' in page.text  # try again


async def test_connections_page_needs_a_signed_in_user(api: httpx.AsyncClient, provider: LoopbackProvider) -> None:
    page = await browse(api, "/settings/connections")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?return_to=/settings/connections"
    connect = await api.post(
        "/oauth/github/connect", headers=HX | {"hx-current-url": "http://testserver/settings/connections"}
    )
    assert connect.headers["hx-redirect"] == "/sign-in?return_to=/settings/connections"


async def test_connections_page_lists_the_identity_and_guards_the_only_one(
    api: httpx.AsyncClient, provider: LoopbackProvider
) -> None:
    await sign_in_with(api, "google")

    page = await browse(api, "/settings/connections")

    assert page.status_code == 200
    assert 'data-identity="google"' in page.text
    assert "grace@example.com" in page.text
    assert "is your only way to sign in" in page.text
    assert "hx-delete" not in page.text  # disconnecting would lock Grace out
    assert 'hx-post="/oauth/github/connect"' in page.text
    assert 'hx-post="/oauth/google/connect"' not in page.text
    assert 'aria-current="page"' in page.text


async def test_connections_page_empty_state_offers_every_provider(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider
) -> None:
    page = await browse(api, "/settings/connections")

    assert page.status_code == 200
    assert "No connected accounts" in page.text
    assert 'hx-post="/oauth/google/connect"' in page.text
    assert 'hx-post="/oauth/github/connect"' in page.text


async def test_connect_and_disconnect_from_the_page(
    api: httpx.AsyncClient, account: Account, provider: LoopbackProvider
) -> None:
    started = await api.post("/oauth/github/connect", headers=HX)
    assert started.status_code == 204, started.text
    assert started.headers["hx-redirect"].startswith(f"{provider.base_url}/login/oauth/authorize?")
    back = await api.get(await authorize(started.headers["hx-redirect"]))
    assert back.headers["location"] == "/settings/connections?connected=github"
    page = await browse(api, back.headers["location"])
    assert "GitHub is connected" in page.text
    [github] = (await api.get("/api/v1/me/identities")).json()["items"]
    assert f'hx-delete="/settings/connections/{github["id"]}"' in page.text

    removed = await api.delete(f"/settings/connections/{github['id']}", headers=HX)

    assert removed.status_code == 200
    assert 'id="connections"' in removed.text
    assert 'data-identity="github"' not in removed.text
    assert json.loads(removed.headers["hx-trigger"])["toast"]["title"] == "GitHub disconnected"
    assert (await api.get("/api/v1/me/identities")).json()["items"] == []


async def test_disconnecting_the_only_way_to_sign_in_from_the_page_is_refused(
    api: httpx.AsyncClient, provider: LoopbackProvider, settings: Settings
) -> None:
    await sign_in_with(api, "google")
    use_session(api, settings)
    [google] = (await api.get("/api/v1/me/identities")).json()["items"]

    refused = await api.delete(f"/settings/connections/{google['id']}", headers=HX)

    assert refused.status_code == 409
    assert refused.json()["code"] == "last_sign_in_method"  # htmx shows the detail as an error toast
    assert len((await api.get("/api/v1/me/identities")).json()["items"]) == 1


async def test_connect_without_the_csrf_token_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    api.headers.pop("x-csrf-token")
    refused = await api.post("/oauth/github/connect", headers=HX)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_token_invalid"
