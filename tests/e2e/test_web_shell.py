"""The web shell in a real browser: pages load cleanly under our CSP, the theme sticks, and the shared
components (modal, toasts, kanban) work with mouse and keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, Response, expect

from tests.e2e.conftest import BrowserLog

pytestmark = pytest.mark.browser

IMMUTABLE = "public, max-age=31536000, immutable"
PROBLEM = "application/problem+json"
STYLE_SECTIONS = ["buttons", "forms", "table", "badges", "cards", "empty", "modal", "toasts", "kanban", "loading"]


async def focus_is_inside(page: Page, selector: str) -> bool:
    inside: bool = await page.evaluate(
        "(selector) => document.querySelector(selector).contains(document.activeElement)", selector
    )
    return inside


async def drag(page: Page, source: Locator, target: Locator) -> None:
    """Press on the source, move in small steps (as a hand would) and release over the target."""
    await source.scroll_into_view_if_needed()
    start = await source.bounding_box()
    end = await target.bounding_box()
    assert start is not None
    assert end is not None
    start_x, start_y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    await page.mouse.move(start_x, start_y)
    await page.mouse.down()
    await page.mouse.move(start_x + 8, start_y + 8, steps=4)
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=20)
    await page.mouse.up()


async def test_landing_page_loads_cleanly_with_immutable_assets(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    assets: list[Response] = []
    page.on("response", lambda response: assets.append(response) if "/static/" in response.url else None)
    await page.goto(server_url + "/")
    await page.wait_for_load_state("networkidle")

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Plan, track and ship")
    await expect(page.get_by_role("link", name="Sign up", exact=True)).to_have_attribute("href", "/sign-up")
    await expect(page.get_by_role("link", name="Sign in", exact=True).first).to_have_attribute("href", "/sign-in")
    loaded = {re.sub(r"\.[0-9a-f]{12}\.", ".", response.url.rsplit("/", 1)[1]) for response in assets}
    assert {"app.css", "app.js", "theme.js", "favicon.svg"} <= loaded
    for response in assets:
        assert response.status == 200, response.url
        assert response.headers["cache-control"] == IMMUTABLE, response.url
    assert await page.evaluate("typeof window.Alpine === 'object' && typeof window.htmx === 'object'")
    assert await browser_log.problems() == []


async def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page: Page, server_url: str) -> None:
    await page.goto(server_url + "/style")
    await page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    await expect(skip_link).to_be_focused()
    await expect(skip_link).to_be_visible()
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()


async def test_style_page_renders_every_component(page: Page, server_url: str, browser_log: BrowserLog) -> None:
    await page.goto(server_url + "/style")
    await page.wait_for_load_state("networkidle")

    for section in STYLE_SECTIONS:
        await expect(page.locator(f"#{section}")).to_be_visible()
    await expect(page.get_by_role("button", name="Create issue")).to_be_visible()
    await expect(page.locator("#project-key")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#project-key-error")).to_have_text("Use 2 to 10 capital letters or digits, like WEB.")
    await expect(page.get_by_role("table")).to_contain_text("Sign webhook deliveries with HMAC")
    await expect(page.get_by_text("No work items yet")).to_be_visible()
    await expect(page.locator("[data-sortable-item]")).to_have_count(4)
    await expect(page.locator("dialog.modal")).to_have_count(2)
    await expect(page.locator("dialog.modal").first).to_be_hidden()
    await expect(page.get_by_role("progressbar", name="Importing issues")).to_be_visible()
    # Alpine took over the theme switch: the pressed state is now bound, not just server-rendered.
    await expect(page.locator("[data-theme-value=system]")).to_have_attribute("aria-pressed", "true")
    assert await browser_log.problems() == []


async def test_theme_toggle_switches_to_dark_and_survives_a_reload(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/style")
    html = page.locator("html")
    await expect(html).not_to_have_class(re.compile(r"\bdark\b"))

    await page.get_by_role("button", name="Dark theme").click()

    await expect(html).to_have_class(re.compile(r"\bdark\b"))
    await expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    assert cookies["fairlx-theme"] == "dark"
    reloaded = await page.reload()
    assert reloaded is not None
    assert re.search(r'<html[^>]*class="dark"', await reloaded.text()), "the server renders the dark class: no flash"
    await expect(html).to_have_class(re.compile(r"\bdark\b"))
    assert await browser_log.problems() == []


async def test_system_theme_follows_the_operating_system(page: Page, server_url: str) -> None:
    await page.goto(server_url + "/")
    await page.get_by_role("button", name="System theme").click()
    html = page.locator("html")

    await page.emulate_media(color_scheme="dark")
    await expect(html).to_have_class(re.compile(r"\bdark\b"))
    await page.emulate_media(color_scheme="light")
    await expect(html).not_to_have_class(re.compile(r"\bdark\b"))
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    assert cookies["fairlx-theme"] == "system"


async def test_modal_opens_by_keyboard_traps_focus_and_closes_with_escape(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/style")
    trigger = page.locator("[data-modal-target=invite-modal]")
    dialog = page.locator("#invite-modal")

    await trigger.focus()
    await page.keyboard.press("Enter")

    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("aria-modal", "true")
    await expect(page.get_by_label("Email addresses")).to_be_focused()
    for _ in range(7):
        await page.keyboard.press("Tab")
        assert await focus_is_inside(page, "#invite-modal")
    for _ in range(7):
        await page.keyboard.press("Shift+Tab")
        assert await focus_is_inside(page, "#invite-modal")

    await page.keyboard.press("Escape")

    await expect(dialog).to_be_hidden()
    await expect(trigger).to_be_focused()
    assert await browser_log.problems() == []


async def test_toasts_appear_from_the_page_and_from_an_hx_trigger_header(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/style")
    toasts = page.locator("[data-toast]")

    await page.locator("[data-toast-kind=success]").click()
    await expect(toasts.filter(has_text="Project created")).to_be_visible()
    await expect(toasts.filter(has_text="Project created")).to_have_attribute("data-kind", "success")

    await page.locator("[data-server-toast]").click()
    await expect(toasts.filter(has_text="Saved on the server")).to_be_visible()

    await toasts.filter(has_text="Project created").get_by_role("button", name="Dismiss notification").click()
    await expect(toasts.filter(has_text="Project created")).to_have_count(0)
    await expect(toasts).to_have_count(1)
    assert await browser_log.problems() == []


async def test_kanban_cards_move_between_columns_by_drag_and_by_keyboard(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/style")
    done = page.locator("[data-column=done]")
    doing = page.locator("[data-column=doing]")
    counts = page.locator("[data-kanban-column] [data-column-count]")

    await drag(page, page.locator("[data-id=c1]"), done)

    await expect(done.locator("[data-id=c1]")).to_have_count(1)
    await expect(counts).to_have_text(["2", "1", "1"])

    await page.locator("[data-id=c2]").focus()
    await page.keyboard.press("Alt+ArrowRight")

    await expect(doing.locator("[data-sortable-item]")).to_have_count(2)
    await expect(doing.locator("[data-id=c2]")).to_be_focused()
    await expect(counts).to_have_text(["1", "2", "1"])
    await expect(page.locator("#announcer")).to_contain_text(
        "Moved Burndown chart for the active sprint to In progress"
    )
    assert await browser_log.problems() == []


async def test_a_move_the_server_refuses_puts_the_card_back_and_says_why(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    await page.goto(server_url + "/style")
    # Point the board's move endpoint at a route that only answers GET: the server refuses the POST.
    await page.locator("[role=group][aria-label='Sprint board']").evaluate(
        "(board) => { board.dataset.moveUrl = '/style/toast'; }"
    )
    todo = page.locator("[data-column=todo]")

    await drag(page, page.locator("[data-id=c1]"), page.locator("[data-column=done]"))

    error_toast = page.locator("[data-toast][data-kind=error]")
    await expect(error_toast).to_contain_text("Method Not Allowed")
    await expect(error_toast).to_contain_text("POST is not allowed on /style/toast.")
    await expect(todo.locator("[data-sortable-item]").first).to_have_attribute("data-id", "c1")
    await expect(page.locator("[data-kanban-column] [data-column-count]")).to_have_text(["3", "1", "0"])
    assert all("405" in problem for problem in await browser_log.problems())


async def test_missing_page_shows_the_error_page_and_missing_api_gives_problem_json(
    page: Page, server_url: str, browser_log: BrowserLog
) -> None:
    response = await page.goto(server_url + "/no/such/page")

    assert response is not None
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    await expect(page.locator("[data-request-id]")).to_have_text(response.headers["x-request-id"])
    await expect(page.get_by_role("link", name="Go to the home page")).to_have_attribute("href", "/")
    assert await page.evaluate("getComputedStyle(document.body).display") == "flex", "the page is styled"
    page_problems = await browser_log.problems()

    api_response = await page.goto(server_url + "/api/v1/no-such-thing")

    assert api_response is not None
    assert api_response.status == 404
    assert api_response.headers["content-type"] == PROBLEM
    assert (await api_response.json())["code"] == "not_found"
    assert all("404" in problem for problem in page_problems), page_problems  # only the document's own status


async def test_api_docs_render_swagger_ui_without_errors(page: Page, server_url: str, browser_log: BrowserLog) -> None:
    await page.goto(server_url + "/api/docs")

    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Fairlx")
    await expect(page.locator(".opblock-summary-path", has_text="/healthz").first).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert await browser_log.problems() == []
