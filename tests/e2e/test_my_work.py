"""My work and the personal backlog in a real browser: someone signs in, sees the items assigned to them
across workspaces, adds backlog items, drags one to another column, edits one in its dialog and
promotes another into a project."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from fairlx.core.clock import utcnow
from fairlx.settings import Settings
from tests.e2e.conftest import BrowserLog, sign_in_on_the_page
from tests.e2e.test_web_shell import drag
from tests.support.accounts import sign_up

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"


async def signed_in_workspace(page: Page, server_url: str, api: httpx.AsyncClient) -> dict[str, Any]:
    """A workspace with the project Website (WEB); the browser is signed in."""
    created = await api.post("/api/v1/workspaces", json={"name": "Analytical Engines"})
    assert created.status_code == 201, created.text
    workspace = created.json()
    project = await api.post(f"/api/v1/workspaces/{workspace['id']}/projects", json={"name": "Website", "key": "WEB"})
    assert project.status_code == 201, project.text
    await sign_in_on_the_page(page, server_url, EMAIL)
    return {"workspace": workspace, "project": project.json()}


async def test_my_work_lists_assigned_items_with_overdue_dates_in_red(  # noqa: PLR0917 (fixtures)
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    settings: Settings,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    account = await sign_up(api, settings, drain, EMAIL, name="Ada Lovelace")
    world = await signed_in_workspace(page, server_url, api)
    today = utcnow().date()
    for title, offset in (("Write the release notes", -2), ("Fix the footer links", 3), ("Plan the launch", None)):
        due = {"due_date": (today + timedelta(days=offset)).isoformat()} if offset is not None else {}
        response = await api.post(
            f"/api/v1/projects/{world['project']['id']}/tasks",
            json={"title": title, "assignee_ids": [account.user_id], "priority": "HIGH"} | due,
        )
        assert response.status_code == 201, response.text

    await page.goto(f"{server_url}/my-work")
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My work")).to_have_attribute(
        "aria-current", "page"
    )
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("Write the release notes")
    await expect(rows.first.locator("[data-overdue]")).to_have_class(re.compile("text-danger-text"))
    await expect(page.locator("[data-bar=OPEN]")).to_have_attribute("data-count", "3")

    await page.get_by_role("link", name="Due soon").click()
    await expect(rows).to_have_count(2)
    await page.get_by_role("link", name="Recently updated").click()
    await expect(rows).to_have_count(3)
    assert await browser_log.problems() == []


async def test_the_backlog_adds_drags_edits_and_promotes(  # noqa: PLR0917 (fixtures)
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    settings: Settings,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    await sign_up(api, settings, drain, EMAIL, name="Ada Lovelace")
    world = await signed_in_workspace(page, server_url, api)
    backlog_api = f"/api/v1/workspaces/{world['workspace']['id']}/backlog"
    await page.goto(f"{server_url}/workspaces/{world['workspace']['id']}/backlog")
    await expect(page.locator("[data-empty]")).to_be_visible()

    for title in ("Sketch the onboarding", "Read the API guide"):
        await page.get_by_placeholder("Add an item to your backlog…").fill(title)
        await page.keyboard.press("Enter")
        await expect(page.locator("[data-backlog-item]", has_text=title)).to_be_visible()
    todo = page.locator("[data-column=TODO]")
    doing = page.locator("[data-column=IN_PROGRESS]")
    await expect(todo.locator("[data-backlog-item]")).to_have_count(2)

    card = todo.locator("[data-backlog-item]", has_text="Read the API guide")
    async with page.expect_response(lambda response: response.url.endswith("/backlog/move")) as moved:
        await drag(page, card, doing)
    assert (await moved.value).status == 204
    await expect(doing.locator("[data-backlog-item]")).to_have_count(1)
    assert await _statuses(api, backlog_api) == {"Sketch the onboarding": "TODO", "Read the API guide": "IN_PROGRESS"}

    await page.get_by_role("button", name="Edit Sketch the onboarding").click()
    dialog = page.get_by_role("dialog", name="Edit item")
    await expect(dialog.get_by_label("Title")).to_have_value("Sketch the onboarding")
    await dialog.get_by_label("Title").fill("")
    await dialog.get_by_role("button", name="Save item").click()
    await expect(dialog.get_by_text("Every backlog item needs its title.")).to_be_visible()
    await dialog.get_by_label("Title").fill("Sketch the onboarding flow")
    await dialog.get_by_label("Labels").fill("ux, research")
    await dialog.get_by_role("button", name="Save item").click()
    await expect(dialog).to_be_hidden()
    edited = page.locator("[data-backlog-item]", has_text="Sketch the onboarding flow")
    await expect(edited).to_contain_text("research")

    await page.get_by_role("button", name="Promote Sketch the onboarding flow to a project").click()
    promote = page.get_by_role("dialog", name="Promote to a project")
    await promote.get_by_label("Project").select_option(label="WEB · Website")
    await promote.get_by_role("button", name="Promote").click()
    await expect(promote).to_be_hidden()
    await expect(edited.locator("[data-promoted]")).to_have_text("WEB-1")
    assert (await api.get("/api/v1/tasks/WEB-1")).json()["title"] == "Sketch the onboarding flow"
    refused_form = "the server responded with a status of 422"  # the browser logs the refused title
    assert [problem for problem in await browser_log.problems() if refused_form not in problem] == []


async def _statuses(api: httpx.AsyncClient, url: str) -> dict[str, str]:
    return {item["title"]: item["status"] for item in (await api.get(url)).json()["items"]}
