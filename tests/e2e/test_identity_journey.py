"""A new user's first visit, in a real browser: sign up, confirm the address from the mail that reached
the SMTP server, sign in, turn on an authenticator app, sign out, sign in again with a code from it,
upload an avatar and see it in the header, and sign out."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.async_api import FilePayload, Page, expect

from tests.e2e.conftest import BrowserLog
from tests.profiles import pictures
from tests.support.accounts import text_of
from tests.support.servers import SmtpServer

pytestmark = pytest.mark.browser

EMAIL = "margaret@example.com"
PASSWORD = "apollo guidance computer"
LINK = re.compile(r"https?://\S+/verify-email\?token=[A-Za-z0-9_\-]+")


@pytest.fixture
def settings_overrides(smtp_capture: SmtpServer) -> dict[str, Any]:
    return {"smtp_url": smtp_capture.url}


async def verification_path(smtp: SmtpServer, drain: Callable[..., Any]) -> str:
    await drain()
    [mail] = [captured.message for captured in smtp.messages if EMAIL in captured.recipients]
    found = LINK.search(text_of(mail))
    assert found, text_of(mail)
    link = urlsplit(found.group(0))
    return f"{link.path}?{link.query}"


async def sign_in(page: Page, server_url: str) -> None:
    await page.goto(server_url + "/sign-in")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()


async def sign_out(page: Page) -> None:
    await page.locator("[data-account-menu] summary").click()
    await page.get_by_role("menuitem", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()


async def test_sign_up_confirm_two_factor_avatar_and_sign_out(
    page: Page, server_url: str, smtp: SmtpServer, drain: Callable[..., Any], browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/sign-up")
    await page.get_by_label("Full name").fill("Margaret Hamilton")
    await page.get_by_label("Work email").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("I accept the terms").check()
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    await page.goto(server_url + await verification_path(smtp, drain))
    await page.get_by_role("button", name="Confirm email address").click()
    await expect(page.get_by_role("heading", name="How will you use Fairlx?")).to_be_visible()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Workspace name").fill("Apollo")
    await page.get_by_role("button", name="Create workspace").click()
    await expect(page.get_by_role("heading", name="Apollo")).to_be_visible()
    await sign_out(page)

    await sign_in(page, server_url)
    await expect(page.get_by_role("heading", name="Welcome, Margaret")).to_be_visible()

    await page.goto(server_url + "/settings/security")
    card = page.locator("#two-factor-card")
    await card.get_by_role("button", name="Set up").click()
    secret = (await card.locator("[data-totp-secret]").inner_text()).replace(" ", "")
    await expect(card.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    await card.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    await card.get_by_role("button", name="Turn on the app").click()
    await expect(card.get_by_text("Save your recovery codes")).to_be_visible()
    await card.get_by_role("button", name="I have saved them").click()
    await expect(card.locator("[data-method=totp]").get_by_text("On", exact=True)).to_be_visible()
    await sign_out(page)

    await sign_in(page, server_url)
    await expect(page).to_have_url(re.compile(r"/two-factor\?challenge="))
    # the code that turned the app on is spent; the next time step's code is within the accepted window
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
    await page.get_by_label("Authentication code").fill(code)
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("heading", name="Welcome, Margaret")).to_be_visible()

    await page.goto(server_url + "/settings/profile")
    photo: FilePayload = {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": pictures.rotated_jpeg()}
    await page.set_input_files("#avatar-file", files=[photo])
    await page.locator("#avatar-form").get_by_role("button", name="Upload").click()
    await expect(page.locator("#avatar-card img")).to_have_attribute("src", re.compile(r"/avatar\?v="))
    await page.reload()
    header_avatar = page.locator("[data-account-menu] summary img")
    await expect(header_avatar).to_have_attribute("src", re.compile(r"^/api/v1/users/.+/avatar\?v=[0-9a-f]{12}$"))
    await page.wait_for_function("document.querySelector('[data-account-menu] summary img')?.naturalWidth === 256")
    await sign_out(page)
    await page.goto(server_url + "/settings/profile")
    await expect(page).to_have_url(re.compile(r"/sign-in\?return_to=/settings/profile$"))
    assert await browser_log.problems() == []
