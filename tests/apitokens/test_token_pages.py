"""The API tokens settings page over HTTP, as htmx drives it: the empty state, a new token shown once
with its warning and copy button, messages beside refused fields, and revoking."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest_asyncio
from fastapi import FastAPI

from tests.support.accounts import Account

HTMX = {"HX-Request": "true"}
PAGE = "/settings/tokens"
SECRET = re.compile(r"fx_[A-Za-z0-9_\-]{40,}")


@pytest_asyncio.fixture
async def script(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_an_account_without_tokens_sees_the_empty_state(api: httpx.AsyncClient, account: Account) -> None:
    page = await api.get(PAGE)

    assert page.status_code == 200
    assert "No API tokens yet" in page.text
    assert "<table" not in page.text
    assert 'hx-post="/settings/tokens"' in page.text
    assert re.search(r'<a href="/settings/tokens" aria-current="page"', page.text)
    for choice in ('value="30"', 'value="90"', 'value="365"', 'value="never"'):
        assert choice in page.text


async def test_a_new_token_is_shown_once_with_a_warning_and_works(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    created = await api.post(PAGE, data={"name": "CI deploys", "expires_in": "30"}, headers=HTMX)

    assert created.status_code == 200, created.text
    assert json.loads(created.headers["hx-trigger"])["toast"]["title"] == "Token created"
    secrets_shown = SECRET.findall(created.text)
    assert len(set(secrets_shown)) == 1
    secret = secrets_shown[0]
    assert "this is the only time it is shown" in created.text
    assert 'x-data="copyButton"' in created.text
    assert 'data-copy-target="new-token-secret"' in created.text
    assert 'id="new-token-secret"' in created.text
    assert "<table" in created.text
    assert "CI deploys" in created.text
    me = await script.get("/api/v1/auth/me", headers={"authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json()["user"]["email"] == account.email
    expires_at = datetime.fromisoformat((await api.get("/api/v1/me/tokens")).json()["items"][0]["expires_at"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)

    later = await api.get(PAGE)

    assert secret not in later.text
    assert not SECRET.search(later.text)
    assert secret[:11] in later.text  # the hint tells tokens apart
    assert "this is the only time it is shown" not in later.text
    assert "CI deploys" in later.text
    assert (expires_at.strftime("%d %b %Y")) in later.text


async def test_a_token_that_never_expires_says_so_and_its_last_use_shows(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    created = await api.post(PAGE, data={"name": "Forever", "expires_in": "never"}, headers=HTMX)
    secret = SECRET.findall(created.text)[0]
    row = created.text.split("Forever</p>")[1].split("</tr>")[0]
    assert row.count("Never") == 2  # expires never, used never

    await script.get("/api/v1/auth/me", headers={"authorization": f"Bearer {secret}"})

    row = (await api.get(PAGE)).text.split("Forever</p>")[1].split("</tr>")[0]
    assert row.count("Never") == 1
    assert "UTC" in row


async def test_a_refused_form_says_why_beside_the_field(api: httpx.AsyncClient, account: Account) -> None:
    refused = await api.post(PAGE, data={"name": "  ", "expires_in": "30"}, headers=HTMX)

    assert refused.status_code == 422
    assert 'id="field-name-error"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert not SECRET.search(refused.text)

    bad_expiry = await api.post(PAGE, data={"name": "Odd", "expires_in": "7"}, headers=HTMX)
    assert bad_expiry.status_code == 422
    assert 'id="field-expires_in-error"' in bad_expiry.text
    assert (await api.get("/api/v1/me/tokens")).json()["items"] == []


async def test_revoking_from_the_page_asks_first_and_stops_the_token(
    api: httpx.AsyncClient, account: Account, script: httpx.AsyncClient
) -> None:
    created = await api.post(PAGE, data={"name": "Old laptop", "expires_in": "90"}, headers=HTMX)
    secret = SECRET.findall(created.text)[0]
    token_id = (await api.get("/api/v1/me/tokens")).json()["items"][0]["id"]
    page = await api.get(PAGE)
    assert f'hx-post="/settings/tokens/{token_id}/revoke"' in page.text
    assert "hx-confirm=" in page.text

    revoked = await api.post(f"{PAGE}/{token_id}/revoke", headers=HTMX)

    assert revoked.status_code == 200
    assert json.loads(revoked.headers["hx-trigger"])["toast"]["title"] == "Token revoked"
    assert "Old laptop" not in revoked.text
    assert "No API tokens yet" in revoked.text
    assert (await script.get("/api/v1/auth/me", headers={"authorization": f"Bearer {secret}"})).status_code == 401
    again = await api.post(f"{PAGE}/{token_id}/revoke", headers=HTMX)
    assert again.status_code == 404
