"""The profile over the API: reading and changing it, what is refused (naming the field), and the theme
preference reaching the pages through the `fairlx-theme` cookie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from fairlx.settings import Settings
from tests.support.accounts import Account, sign_in

PROFILE = "/api/v1/me/profile"
FULL_PROFILE = {
    "name": "Ada King",
    "phone": "+44 20 7946 0958",
    "linkedin_url": "https://www.linkedin.com/in/ada-lovelace",
    "portfolio_url": "http://ada.example.org/work?tab=notes",
    "working_domain": "Analytical engines",
    "job_role": "Mathematician",
    "designation": "Countess",
    "tools": ["Difference engine", "Punched cards"],
}


@pytest_asyncio.fixture
async def other_browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.4", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def field_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


async def test_a_new_account_has_an_empty_profile(api: httpx.AsyncClient, account: Account) -> None:
    profile = await api.get(PROFILE)

    assert profile.status_code == 200
    body = profile.json()
    assert body["name"] == account.name
    assert body["email"] == account.email
    assert body["theme"] == "system"
    assert body["avatar_url"] is None
    assert body["tools"] == []
    assert all(body[name] is None for name in ("phone", "linkedin_url", "portfolio_url", "job_role"))


async def test_the_whole_profile_is_saved_and_read_back(api: httpx.AsyncClient, account: Account) -> None:
    saved = await api.patch(PROFILE, json=FULL_PROFILE)

    assert saved.status_code == 200, saved.text
    assert {name: saved.json()[name] for name in FULL_PROFILE} == FULL_PROFILE
    again = (await api.get(PROFILE)).json()
    assert {name: again[name] for name in FULL_PROFILE} == FULL_PROFILE
    assert (await api.get("/api/v1/auth/me")).json()["user"]["name"] == "Ada King"


async def test_a_patch_changes_only_what_it_names_and_blank_or_null_clears(
    api: httpx.AsyncClient, account: Account
) -> None:
    await api.patch(PROFILE, json=FULL_PROFILE)

    changed = await api.patch(
        PROFILE, json={"job_role": "  Engineer  ", "phone": None, "designation": "", "tools": None}
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["job_role"] == "Engineer"
    assert body["phone"] is None
    assert body["designation"] is None
    assert body["tools"] == []
    assert body["name"] == "Ada King"
    assert body["linkedin_url"] == FULL_PROFILE["linkedin_url"]


async def test_tools_are_trimmed_and_each_is_kept_once(api: httpx.AsyncClient, account: Account) -> None:
    saved = await api.patch(PROFILE, json={"tools": [" Jira ", "Figma", "jira", "FIGMA", "Python"]})

    assert saved.json()["tools"] == ["Jira", "Figma", "Python"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"linkedin_url": "ftp://files.example.com/me"}, "linkedin_url"),
        ({"linkedin_url": "javascript:alert(document.cookie)"}, "linkedin_url"),
        ({"linkedin_url": "linkedin.com/in/ada"}, "linkedin_url"),
        ({"portfolio_url": "https://exa mple.com"}, "portfolio_url"),
        ({"portfolio_url": "https://user:secret@example.com/"}, "portfolio_url"),
        ({"portfolio_url": "https://example.com/" + "a" * 490}, "portfolio_url"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+1 234 567 890 123 456 789"}, "phone"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "A" * 121}, "name"),
        ({"job_role": "x" * 121}, "job_role"),
        ({"working_domain": "x" * 121}, "working_domain"),
        ({"designation": "x" * 121}, "designation"),
        ({"tools": [f"tool {number}" for number in range(21)]}, "tools"),
        ({"tools": ["x" * 41]}, "tools.0"),
        ({"tools": "Jira, Figma"}, "tools"),
        ({"theme": "purple"}, "theme"),
        ({"theme": None}, "theme"),
        ({"email": "someone.else@example.com"}, "email"),
        ({"avatar_key": "avatars/other/file.webp"}, "avatar_key"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    api: httpx.AsyncClient, account: Account, body: dict[str, Any], field: str
) -> None:
    refused = await api.patch(PROFILE, json=body)

    assert field_of(refused) == [field]
    assert refused.json()["code"] == "validation_failed"
    profile = (await api.get(PROFILE)).json()
    assert profile["name"] == account.name
    assert profile["email"] == account.email


async def test_the_profile_needs_a_signed_in_user(other_browser: httpx.AsyncClient) -> None:
    for response in (await other_browser.get(PROFILE), await other_browser.patch(PROFILE, json={"name": "Eve"})):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_a_theme_change_sets_the_cookie_and_every_page_follows_it(
    api: httpx.AsyncClient, account: Account, other_browser: httpx.AsyncClient, settings: Settings
) -> None:
    assert 'data-theme="system"' in (await api.get("/settings/profile")).text

    changed = await api.patch(PROFILE, json={"theme": "dark"})

    assert changed.status_code == 200
    cookie = changed.headers["set-cookie"]
    assert cookie.startswith("fairlx-theme=dark;")
    assert "Path=/" in cookie
    assert "HttpOnly" not in cookie  # the header's switcher reads and rewrites it
    assert "samesite=lax" in cookie.lower()
    me = (await api.get("/api/v1/auth/me")).json()
    assert me["user"]["theme"] == "dark"
    assert '<html lang="en" class="dark" data-theme="dark">' in (await api.get("/settings/profile")).text
    # Another browser, without the cookie, renders the saved preference once signed in.
    await sign_in(other_browser, settings, account)
    assert 'data-theme="dark"' in (await other_browser.get("/settings/profile")).text

    light = await api.patch(PROFILE, json={"theme": "light"})
    assert light.headers["set-cookie"].startswith("fairlx-theme=light;")
    assert 'data-theme="light"' in (await other_browser.get("/settings/profile")).text
    untouched = await api.patch(PROFILE, json={"job_role": "Analyst"})
    assert "set-cookie" not in untouched.headers


async def test_a_new_name_shows_in_the_page_header_at_once(api: httpx.AsyncClient, account: Account) -> None:
    assert f"Account menu for {account.name}" in (await api.get("/settings/tokens")).text

    await api.patch(PROFILE, json={"name": "Augusta Ada King"})

    assert "Account menu for Augusta Ada King" in (await api.get("/settings/tokens")).text
