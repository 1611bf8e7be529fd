"""Browser tests: Debian's Chromium driven by Playwright's async API (not pytest-playwright, whose sync
API clashes with our session event loop). Each test gets a fresh browser context on the live server
(`server_url`); the page's console errors, uncaught exceptions and CSP violations are collected for
the test to assert on, and a failing test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright, expect

from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.assets import require_built_assets
from tests.support.backends import running_in_ci

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ACTION_TIMEOUT_MS = 10_000
# Runs before any page script: records what the content security policy blocked.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def browser_required() -> bool:
    return running_in_ci() or os.environ.get("FAIRLX_TEST_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session", autouse=True)
def asset_manifest() -> dict[str, str]:
    return require_built_assets()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Skips the browser tests when Chromium is missing, or fails them where they are required."""
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if browser_required():
            pytest.fail(f"browser tests are required here: {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class BrowserLog:
    """What went wrong inside the page while the test drove it."""

    errors: list[str] = field(default_factory=list)
    page: Page | None = None

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught: {error}")

    async def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and CSP violations of the current document."""
        violations: list[str] = await self.page.evaluate("window.__cspViolations || []") if self.page else []
        return [*self.errors, *(f"csp: {violation}" for violation in violations)]


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser, browser_log: BrowserLog, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    await context.add_init_script(RECORD_CSP_VIOLATIONS)
    opened = await context.new_page()
    opened.on("console", browser_log.on_console)
    opened.on("pageerror", browser_log.on_page_error)
    browser_log.page = opened
    try:
        yield opened
    finally:
        if _failed(request.node):
            await opened.screenshot(path=_screenshot_path(request.node.nodeid), full_page=True)
        await context.close()


def _failed(item: pytest.Item) -> bool:
    return any(report.failed for report in item.stash.get(REPORTS, {}).values())


def _screenshot_path(nodeid: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', nodeid).strip('_')}.png"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test item, so the page fixture knows whether the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


async def sign_in_on_the_page(page: Page, server_url: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would, and wait to leave it."""
    await page.goto(server_url + "/sign-in")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).not_to_have_url(re.compile(r"/sign-in"))
