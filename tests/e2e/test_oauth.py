"""Signing in with a provider in a real browser: the "Continue with Google" button, the round trip
through a loopback provider, then connecting and disconnecting GitHub from the settings page (htmx
redirects off-site and back, under our CSP)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Dialog, Page, expect

from tests.e2e.conftest import BrowserLog
from tests.support.oauth_provider import LoopbackProvider, loopback_provider
from tests.support.servers import free_port

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture(scope="module")
async def identity_provider() -> AsyncIterator[LoopbackProvider]:
    async with loopback_provider() as provider:
        yield provider


@pytest.fixture
def site_port() -> int:
    return free_port()


@pytest.fixture
def settings_overrides(identity_provider: LoopbackProvider, site_port: int) -> dict[str, Any]:
    """The provider sends the browser back to `public_url`, so the site must be served exactly there."""
    identity_provider.reset()
    return identity_provider.settings() | {"public_url": f"http://127.0.0.1:{site_port}"}


@pytest_asyncio.fixture
async def site(app: FastAPI, site_port: int) -> AsyncIterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=site_port, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{site_port}"
    finally:
        server.should_exit = True
        await task


async def test_sign_in_with_google_then_connect_and_disconnect_github(
    page: Page, site: str, identity_provider: LoopbackProvider, browser_log: BrowserLog
) -> None:
    await page.goto(site + "/sign-in")
    await page.get_by_role("link", name="Continue with Google").click()

    await expect(page).to_have_url(site + "/onboarding")  # a new account, signed in
    await page.goto(site + "/settings/connections")
    google = page.locator('[data-identity="google"]')
    await expect(google).to_contain_text("grace@example.com")
    await expect(page.get_by_text("is your only way to sign in")).to_be_visible()

    identity_provider.user.subject = "5150"
    await page.get_by_role("button", name="Connect GitHub").click()

    await expect(page).to_have_url(site + "/settings/connections?connected=github")
    await expect(page.get_by_text("GitHub is connected")).to_be_visible()

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await page.locator('[data-identity="github"]').get_by_role("button", name="Disconnect").click()

    await expect(page.get_by_text("GitHub disconnected")).to_be_visible()
    await expect(page.locator('[data-identity="github"]')).to_have_count(0)
    await expect(page.locator('[data-identity="google"]')).to_have_count(1)
    await expect(page.get_by_role("button", name=re.compile("^Connect GitHub"))).to_be_visible()
    assert await browser_log.problems() == []
