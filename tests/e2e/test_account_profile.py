"""The profile and API-token settings in a real browser: the theme applies at once, an avatar uploads
through htmx under our CSP, refused fields say why, and a new token is shown once and copied."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import FilePayload, Page, expect

from fairlx.auth.sessions import SESSION_COOKIE
from tests.e2e.conftest import BrowserLog
from tests.profiles import pictures
from tests.support.accounts import Account

pytestmark = pytest.mark.browser


async def signed_in(page: Page, server_url: str, api: httpx.AsyncClient) -> None:
    """The browser holds the session the API client signed up with."""
    session = api.cookies.get(SESSION_COOKIE)
    assert session
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": server_url}])


async def test_profile_theme_and_avatar_in_the_browser(
    page: Page, server_url: str, api: httpx.AsyncClient, account: Account, browser_log: BrowserLog
) -> None:
    await signed_in(page, server_url, api)
    await page.goto(server_url + "/settings/profile")
    await expect(page.get_by_role("heading", name="Account settings")).to_be_visible()

    await page.get_by_text("Always dark").click()

    await expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    await expect(page.get_by_text("Dark theme saved")).to_be_visible()
    await expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")

    photo: FilePayload = {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": pictures.rotated_jpeg()}
    await page.set_input_files("#avatar-file", files=[photo])
    await page.locator("#avatar-form").get_by_role("button", name="Upload").click()

    avatar = page.locator("#avatar-card img")
    await expect(avatar).to_have_attribute("src", re.compile(r"^/api/v1/users/.+/avatar\?v=[0-9a-f]{12}$"))
    await expect(page.get_by_text("Avatar updated")).to_be_visible()
    await expect(avatar).to_have_js_property("naturalWidth", 256)  # read by Playwright, not by eval in the page

    await page.get_by_label("LinkedIn").fill("linkedin.com/in/ada")
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_text("Enter a web address starting with https:// or http://.")).to_be_visible()
    await page.get_by_label("LinkedIn").fill("https://www.linkedin.com/in/ada")
    await page.get_by_label("Tools").fill("Jira, Figma")
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_text("Profile saved")).to_be_visible()
    await expect(page.get_by_label("Tools")).to_have_value("Jira, Figma")

    await page.reload()
    await expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    # The browser logs the refused save (422) it was meant to get; nothing else went wrong.
    assert [problem for problem in await browser_log.problems() if "status of 422" not in problem] == []


async def test_a_new_token_is_shown_once_copied_and_revoked_in_the_browser(
    page: Page, server_url: str, api: httpx.AsyncClient, account: Account, browser_log: BrowserLog
) -> None:
    await signed_in(page, server_url, api)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    await page.goto(server_url + "/settings/tokens")
    await expect(page.get_by_text("No API tokens yet")).to_be_visible()

    await page.get_by_label("Name").fill("Deploy bot")
    await page.get_by_role("button", name="Create token").click()

    secret_box = page.locator("#new-token-secret")
    await expect(secret_box).to_have_text(re.compile(r"^fx_"))
    secret = (await secret_box.text_content() or "").strip()
    await page.get_by_role("button", name="Copy token").click()
    await expect(page.get_by_text("Token copied")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == secret

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Revoke Deploy bot").click()

    await expect(page.get_by_text("No API tokens yet")).to_be_visible()
    await expect(page.locator("#new-token-secret")).to_have_count(0)
    assert await browser_log.problems() == []
