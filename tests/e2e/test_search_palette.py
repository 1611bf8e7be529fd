"""The command palette in a real browser: someone signs in, creates a project, and jumps to a task of it
with Ctrl+K, a few letters of its title and Enter; the full results page lists the same matches."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.e2e.conftest import BrowserLog, sign_in_on_the_page
from tests.search.conftest import write_tasks
from tests.support.accounts import sign_up

pytestmark = pytest.mark.browser

EMAIL = "grace@example.com"


async def signed_in_with_a_project(page: Page, server_url: str, api: httpx.AsyncClient) -> uuid.UUID:
    """Signs in on the page, creates the project Website (WEB) there; its id."""
    created = await api.post("/api/v1/workspaces", json={"name": "Compilers"})
    assert created.status_code == 201, created.text
    await sign_in_on_the_page(page, server_url, EMAIL)

    await page.goto(f"{server_url}/workspaces/{created.json()['id']}/projects")
    await page.get_by_label("Name").fill("Website")
    await page.get_by_label("Key").fill("WEB")
    await page.get_by_role("button", name="Create project").click()
    await expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/board$"))
    return uuid.UUID(page.url.rsplit("/", 2)[-2])


async def test_ctrl_k_finds_a_task_and_enter_opens_it(  # noqa: PLR0917 (fixtures)
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    settings: Settings,
    infra: Infrastructure,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    await sign_up(api, settings, drain, EMAIL, name="Grace Hopper")
    project_id = await signed_in_with_a_project(page, server_url, api)
    await write_tasks(
        infra, project_id, [("Migrate the billing exports", "Move the nightly CSV export to the new ledger")]
    )
    palette = page.get_by_role("dialog", name="Search and jump to")
    search = palette.get_by_role("combobox", name="Search")

    await page.keyboard.press("Control+k")
    await expect(palette).to_be_visible()
    await expect(search).to_be_focused()
    pages = palette.get_by_role("group", name="Pages").get_by_role("option")
    await expect(pages).to_contain_text(["Home", "My work", "Settings", "Workspace settings"])
    await search.fill("billing exp")
    task = palette.get_by_role("option", name=re.compile("WEB-1"))
    await expect(task).to_have_attribute("aria-selected", "true")
    await expect(search).to_have_attribute("aria-activedescendant", await task.get_attribute("id") or "")
    await expect(task.locator("[data-mark=true]")).to_have_text(["billing", "exports"])
    await page.keyboard.press("ArrowDown")
    await expect(task).to_have_attribute("aria-selected", "false")
    await page.keyboard.press("ArrowUp")
    await expect(task).to_have_attribute("aria-selected", "true")
    assert await browser_log.problems() == []

    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{server_url}/tasks/WEB-1")


async def test_the_palette_closes_with_escape_and_leads_to_every_result(  # noqa: PLR0917 (fixtures)
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    settings: Settings,
    infra: Infrastructure,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    await sign_up(api, settings, drain, EMAIL, name="Grace Hopper")
    project_id = await signed_in_with_a_project(page, server_url, api)
    await write_tasks(infra, project_id, [("Ledger export", "Website ledger numbers"), ("Ledger import", None)])
    palette = page.get_by_role("dialog", name="Search and jump to")
    search = palette.get_by_role("combobox", name="Search")

    await page.keyboard.press("/")
    await expect(palette).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(palette).to_be_hidden()
    await page.get_by_role("button", name="Search").click()
    await expect(palette).to_be_visible()
    await search.fill("zzz nothing")
    await expect(palette.get_by_text("No matches for “zzz nothing”")).to_be_visible()

    await search.fill("ledger")
    see_all = palette.get_by_role("option", name=re.compile("See all results"))
    await expect(palette.get_by_role("group", name="Tasks").get_by_role("option")).to_have_count(2)
    await see_all.hover()
    await expect(see_all).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{server_url}/search?q=ledger")
    await expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    await expect(page.locator("[data-task-key]")).to_have_count(2)
    await expect(page.locator("[data-task-key=WEB-1] mark").first).to_have_text("Ledger")
    assert await browser_log.problems() == []
