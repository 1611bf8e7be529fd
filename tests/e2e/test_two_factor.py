"""Two-factor authentication in a real browser: set up the authenticator app from the security settings
(QR code, key, confirming code), keep the recovery codes, regenerate them in a dialog that survives a
wrong password, then sign in on another browser with the code page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from fairlx.auth.sessions import SESSION_COOKIE
from tests.e2e.conftest import BrowserLog
from tests.support.accounts import Account
from tests.twofactor.flows import STEP, code_at, wrong_code

pytestmark = pytest.mark.browser


async def test_two_factor_set_up_and_sign_in_in_the_browser(
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    account: Account,
    browser: Browser,
    *,
    browser_log: BrowserLog,
) -> None:
    session = api.cookies.get(SESSION_COOKIE)
    assert session
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": server_url}])
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    await page.goto(server_url + "/settings/security")
    card = page.locator("#two-factor-card")
    await expect(card.get_by_role("heading", name="Two-factor authentication")).to_be_visible()

    await card.get_by_role("button", name="Set up").click()
    await expect(card.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    secret = (await card.locator("[data-totp-secret]").text_content() or "").replace(" ", "").strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    code_box = card.get_by_label("Code from the app")
    await expect(code_box).to_be_focused()
    await code_box.fill(wrong_code(secret))
    await card.get_by_role("button", name="Turn on the app").click()
    await expect(card.get_by_text("The code is not correct.")).to_be_visible()
    await card.get_by_label("Code from the app").fill(code_at(secret))
    await card.get_by_role("button", name="Turn on the app").click()

    codes_list = card.locator("#recovery-codes-list li")
    await expect(codes_list).to_have_count(10)
    first_codes = await codes_list.all_text_contents()
    await card.get_by_role("button", name="Copy codes").click()
    await expect(page.get_by_text("Recovery codes copied")).to_be_visible()
    assert (await page.evaluate("navigator.clipboard.readText()")).split() == first_codes

    await card.get_by_role("button", name="Make new codes").click()
    dialog = page.get_by_role("dialog", name="Make new recovery codes?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Your password").fill("not the password")
    await dialog.get_by_role("button", name="Make new codes").click()
    await expect(dialog.get_by_text("The password is not correct.")).to_be_visible()
    await dialog.get_by_label("Your password").fill(account.password)
    await dialog.get_by_role("button", name="Make new codes").click()
    await expect(page.get_by_text("New recovery codes made")).to_be_visible()
    await expect(codes_list).to_have_count(10)
    assert set(await codes_list.all_text_contents()).isdisjoint(first_codes)

    # Another browser signs in: password first, then the code page.
    other = await browser.new_context()
    try:
        visitor = await other.new_page()
        await visitor.goto(server_url + "/sign-in")
        await visitor.get_by_label("Email").fill(account.email)
        await visitor.get_by_label("Password").fill(account.password)
        await visitor.get_by_role("button", name="Sign in").click()
        await expect(visitor).to_have_url(re.compile(r"/two-factor\?challenge="))
        code_input = visitor.get_by_label("Authentication code")
        await expect(code_input).to_be_focused()
        await expect(code_input).to_have_attribute("autocomplete", "one-time-code")
        await code_input.fill(code_at(secret, STEP))  # the next step: the one that enabled the app is used
        await visitor.get_by_role("button", name="Verify").click()
        await expect(visitor).to_have_url(re.compile(r"/onboarding$"))
        assert any(cookie["name"] == SESSION_COOKIE for cookie in await other.cookies())
    finally:
        await other.close()

    # The browser logs the refused attempts (422) it was meant to get; nothing else went wrong.
    assert [problem for problem in await browser_log.problems() if "status of 422" not in problem] == []
