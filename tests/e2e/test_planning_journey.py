"""The core planning loop in a real browser: a project on the Software Development workflow, items of
several types with a custom SELECT field, a card dragged across the board (and a move the workflow
forbids, refused with a message), the table filtered by the custom field, the view saved and reloaded
from its URL, and an item found with Ctrl+K."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from fairlx.settings import Settings
from tests.e2e.conftest import BrowserLog, sign_in_on_the_page
from tests.support.accounts import sign_up

pytestmark = pytest.mark.browser

EMAIL = "linus@example.com"


async def drag(page: Page, card: Locator, target: Locator) -> None:
    """Drag with the pointer, in small steps, as a person would (SortableJS listens to pointer moves)."""
    start = await card.bounding_box()
    end = await target.bounding_box()
    assert start is not None
    assert end is not None
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    await page.mouse.down()
    await page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=20)
    await page.mouse.up()


def column(page: Page, name: str) -> Locator:
    return page.locator(f'[data-kanban-column][data-column-title="{name}"] [data-column]')


async def new_item(page: Page, title: str, type_name: str) -> None:
    await page.get_by_role("button", name="New item").click()
    dialog = page.get_by_role("dialog", name="New item")
    await dialog.get_by_label("Title").fill(title)
    await dialog.get_by_label("Type").select_option(label=type_name)
    await dialog.get_by_role("button", name="Create item").click()
    await expect(page.get_by_label("Title", exact=True)).to_have_value(title)


async def test_plan_move_filter_save_and_find(  # noqa: PLR0917 (fixtures)
    page: Page,
    server_url: str,
    api: httpx.AsyncClient,
    settings: Settings,
    drain: Callable[..., Any],
    browser_log: BrowserLog,
) -> None:
    await sign_up(api, settings, drain, EMAIL, name="Linus Planner")
    workspace = (await api.post("/api/v1/workspaces", json={"name": "Kernel"})).json()
    await sign_in_on_the_page(page, server_url, EMAIL)

    # A project on the Software Development workflow
    await page.goto(f"{server_url}/workspaces/{workspace['id']}/projects")
    await page.get_by_label("Name").fill("Website")
    await page.get_by_label("Key").fill("WEB")
    await page.get_by_label("Workflow").select_option(label="Software Development")
    await page.get_by_role("button", name="Create project").click()
    await expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]{36}/board$"))
    board_url = page.url
    project_id = board_url.rsplit("/", 2)[-2]
    for status in ("To Do", "Assigned", "In Progress", "In Review", "Done"):
        await expect(page.locator(f'[data-column-title="{status}"]')).to_be_visible()

    # A custom SELECT field, then items of several types
    field = await api.post(
        f"/api/v1/projects/{project_id}/fields",
        json={
            "name": "Severity",
            "type": "SELECT",
            "show_in_card": True,
            "options": [{"value": "Minor"}, {"value": "Critical"}],
        },
    )
    assert field.status_code == 201, field.text
    await page.goto(board_url)
    await new_item(page, "Login fails on Safari", "Bug")
    await page.get_by_label("Severity").select_option(label="Critical")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("[data-toast]").filter(has_text="Item saved")).to_be_visible()
    await page.goto(board_url)
    await new_item(page, "Sign-up flow", "Story")
    await page.goto(board_url)
    await new_item(page, "Write the release notes", "Task")

    # Drag WEB-1 to Assigned (allowed), then to Done (no transition: refused, with the reason)
    await page.goto(board_url)
    card = page.locator('[data-sortable-item][data-title^="WEB-1 "]')
    await expect(card).to_contain_text(re.compile(r"Severity:\s*Critical"))
    await drag(page, card, column(page, "Assigned"))
    await expect(column(page, "Assigned").locator('[data-title^="WEB-1 "]')).to_be_visible()
    await expect(card).to_have_attribute(
        "data-status", await column(page, "Assigned").get_attribute("data-column") or ""
    )
    assert await task_status(api, "WEB-1") == "ASSIGNED"
    await drag(page, card, column(page, "Done"))
    refusal = page.locator("[data-toast]").filter(has_text="The workflow has no transition between these two statuses")
    await expect(refusal).to_be_visible()
    await expect(column(page, "Assigned").locator('[data-title^="WEB-1 "]')).to_be_visible()
    assert await task_status(api, "WEB-1") == "ASSIGNED"

    # Filter the table by the custom field, save the view, reload its URL
    await page.get_by_role("link", name="Items").click()
    await page.get_by_label("Field").first.select_option(label="Severity")
    await page.get_by_label("Operator").first.select_option(label="is")
    await page.get_by_label("Value").first.fill("Critical")
    await page.get_by_role("button", name="Apply").click()
    await expect(page).to_have_url(re.compile(r"where=cf\.severity%7CEQUALS%7CCritical"))
    rows = page.locator("tr[data-task-key]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-task-key", "WEB-1")
    await page.get_by_role("button", name="Save view").click()
    await page.get_by_role("dialog", name="Save this view").get_by_label("Name").fill("Critical bugs")
    await page.get_by_role("dialog", name="Save this view").get_by_role("button", name="Save view").click()
    await expect(page).to_have_url(re.compile(r"\?view=[0-9a-f-]{36}$"))
    await page.reload()
    await expect(page.get_by_role("link", name="Critical bugs")).to_have_attribute("aria-current", "page")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-task-key", "WEB-1")

    # Ctrl+K finds an item by its words
    await page.keyboard.press("Control+k")
    search = page.get_by_role("dialog", name="Search and jump to").get_by_role("combobox", name="Search")
    await search.fill("sign-up")
    await expect(page.get_by_role("option", name=re.compile("WEB-2"))).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{server_url}/tasks/WEB-2")
    refused_move = "status of 422"  # the browser logs the refused drop's answer; nothing else may go wrong
    assert [problem for problem in await browser_log.problems() if refused_move not in problem] == []


async def task_status(api: httpx.AsyncClient, key: str) -> str:
    return str((await api.get(f"/api/v1/tasks/{key}")).json()["status"]["key"])
