"""An organization owner sets up in the browser: creates the organization and its first workspace,
invites a teammate by email; the teammate accepts from the mail that reached the SMTP server and sees
only what a viewer may see."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from fairlx.auth.sessions import SESSION_COOKIE
from fairlx.settings import Settings
from tests.e2e.conftest import BrowserLog
from tests.support.accounts import Mailbox, sign_up, text_of, use_session
from tests.support.servers import SmtpServer

pytestmark = pytest.mark.browser

TEAMMATE = "katherine@example.com"
INVITATION_LINK = re.compile(r"https?://\S+/invitations/[A-Za-z0-9_\-]+")


@pytest.fixture
def settings_overrides(smtp_capture: SmtpServer) -> dict[str, Any]:
    return {"smtp_url": smtp_capture.url}


async def signed_in_page(browser: Browser, server_url: str, client: httpx.AsyncClient) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    session = client.cookies.get(SESSION_COOKIE)
    assert session
    await context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": server_url}])
    return await context.new_page()


def smtp_mailbox(smtp: SmtpServer, drain: Callable[..., Any]) -> Mailbox:
    """The newest mail to an address among those the SMTP server received."""

    async def newest(address: str) -> EmailMessage:
        await drain()
        received = [captured.message for captured in smtp.messages if address in captured.recipients]
        assert received, f"no mail to {address}"
        return received[-1]

    return newest


def invitation_path(smtp: SmtpServer) -> str:
    received = [text_of(captured.message) for captured in smtp.messages if TEAMMATE in captured.recipients]
    links = [found.group(0) for text in received if (found := INVITATION_LINK.search(text))]
    assert links, received
    return urlsplit(links[0]).path


@pytest.mark.usefixtures("smtp")
async def test_owner_sets_up_an_org_and_a_teammate_joins_by_email(  # noqa: PLR0917 (fixtures)
    page: Page,
    browser: Browser,
    server_url: str,
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    settings: Settings,
    smtp_capture: SmtpServer,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    mailbox = smtp_mailbox(smtp_capture, drain)
    await sign_up(api, settings, drain, "dorothy@example.com", name="Dorothy Vaughan", mailbox=mailbox)
    await api.post("/api/v1/auth/onboarding", json={"account_type": "ORG"})
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": api.cookies[SESSION_COOKIE], "url": server_url}])

    await page.goto(server_url + "/home")
    await page.get_by_label("Organization name").fill("Langley")
    await page.get_by_label("Workspace name").fill("Flight Research")
    await page.get_by_role("button", name="Create workspace").click()
    await expect(page).to_have_url(re.compile(r"/workspaces/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", name="Flight Research", exact=True)).to_be_visible()
    workspace_url = page.url

    await page.goto(workspace_url + "/settings")
    invitations = page.locator("#invitations")
    await invitations.get_by_label("Email address").fill(TEAMMATE)
    await invitations.get_by_label("Role").select_option("WS_VIEWER")
    await invitations.get_by_role("button", name="Send invitation").click()
    await expect(invitations.get_by_text(TEAMMATE)).to_be_visible()
    await drain()  # the invitation goes out before the teammate's own sign-up mail

    await sign_up(second_client, settings, drain, TEAMMATE, name="Katherine Johnson", mailbox=mailbox)
    use_session(second_client, settings)
    teammate = await signed_in_page(browser, server_url, second_client)
    await teammate.goto(server_url + invitation_path(smtp_capture))
    await expect(teammate.get_by_role("heading", name="Join Flight Research")).to_be_visible()
    await teammate.get_by_role("button", name="Accept invitation").click()
    await expect(teammate).to_have_url(workspace_url)
    await expect(teammate.get_by_role("heading", name="Flight Research", exact=True)).to_be_visible()

    await teammate.goto(workspace_url + "/settings")
    await expect(teammate.locator("#members")).to_be_visible()
    await expect(teammate.locator("#invitations")).to_have_count(0)
    await expect(teammate.get_by_role("button", name="Send invitation")).to_have_count(0)
    organization_id = (await api.get("/api/v1/organizations")).json()["items"][0]["id"]
    audit = await teammate.goto(f"{server_url}/orgs/{organization_id}/settings/audit")
    assert audit is not None
    assert audit.status == 403
    assert await browser_log.problems() == []
    await teammate.context.close()
