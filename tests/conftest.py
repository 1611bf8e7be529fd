"""Fixtures shared by the whole suite.

A test that asks for `settings`, `app`, `api` or `infra` runs once per leg (`[embedded]` and
`[service]`). Every such test gets its own data folder and Redis key prefix, and the database is
emptied after it, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import event

from fairlx.app import create_app
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox.dispatcher import Dispatcher
from fairlx.core.ratelimit import Preset
from fairlx.settings import Settings
from tests.support.accounts import Account, sign_up
from tests.support.backends import Leg, empty_all_tables, open_leg, services_required
from tests.support.servers import SmtpServer, live_server, s3_server, smtp_server

LEG_IN_TEST_ID = {leg: re.compile(rf"[\[-]{leg}[\]-]") for leg in ("embedded", "service")}
TEST_SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
_test_counter = itertools.count()


@pytest_asyncio.fixture(scope="session", params=["embedded", "service"])
async def leg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Leg]:
    async with open_leg(request.param, tmp_path_factory.mktemp(request.param)) as opened:
        yield opened


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module (or with `@pytest.mark.parametrize`) to change settings."""
    return {}


@pytest.fixture
def settings(leg: Leg, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": leg.database_url,
        "redis_url": leg.redis_url,
        "redis_prefix": f"{leg.redis_prefix}{next(_test_counter)}:",
        "secret_key": TEST_SECRET_KEY,
        "dispatcher": "off",
        "log_format": "console",
        "log_level": "WARNING",
        # Every test client shares one address: the budgets would trip long tests. Tests of rate limiting
        # set their own presets.
        "rate_limit_overrides": {preset.value: "100000/minute" for preset in Preset},
        "password_hash_time_cost": 1,  # Argon2id at its cheapest: tests check behaviour, not hashing cost
        "password_hash_memory_kib": 8,
    }
    return Settings(_env_file=None, **(values | settings_overrides))


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    await empty_all_tables(settings.effective_database_url)


@pytest.fixture
def infra(app: FastAPI) -> Infrastructure:
    infrastructure: Infrastructure = app.state.infra
    return infrastructure


@pytest_asyncio.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest_asyncio.fixture
async def server_url(app: FastAPI) -> AsyncIterator[str]:
    """The app served by uvicorn on a free loopback port."""
    async with live_server(app) as url:
        yield url


@pytest.fixture
def drain(infra: Infrastructure) -> Callable[..., Any]:
    """Run every due job (and due schedule) to completion: the way tests wait for background work."""

    async def run_due_jobs(max_jobs: int = 1000) -> int:
        return await Dispatcher(infra, concurrency=4).run_until_idle(max_jobs=max_jobs)

    return run_due_jobs


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_sql(infra: Infrastructure) -> Callable[[], Any]:
    """`with count_sql() as counter: ...` records every SQL statement the block runs."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        engine = infra.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def smtp_capture() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def smtp(smtp_capture: SmtpServer) -> SmtpServer:
    smtp_capture.messages.clear()
    return smtp_capture


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


def _passed_by_kind(config: pytest.Config) -> dict[str, int]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    passed = [report for report in getattr(reporter, "stats", {}).get("passed", []) if report.when == "call"]
    counts = {
        leg: sum(bool(pattern.search(report.nodeid)) for report in passed) for leg, pattern in LEG_IN_TEST_ID.items()
    }
    counts["browser"] = sum("/e2e/" in report.nodeid for report in passed)
    counts["system"] = sum("/system/" in report.nodeid for report in passed)
    return counts


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    counts = _passed_by_kind(config)
    terminalreporter.section("legs")
    terminalreporter.line(
        f"embedded leg: {counts['embedded']} passed · service leg (PostgreSQL + Redis): {counts['service']} passed · "
        f"browser: {counts['browser']} passed · multi-process: {counts['system']} passed"
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a whole run where a leg ran nothing is a failure, not a quiet skip."""
    config = session.config
    narrowed = bool(config.getoption("markexpr") or config.getoption("keyword")) or config.args not in ([], ["tests"])
    if not services_required() or exitstatus != 0 or narrowed or hasattr(config, "workerinput"):
        return
    counts = _passed_by_kind(config)
    empty = [kind for kind in ("service", "browser", "system") if counts[kind] == 0]
    if empty:
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI requires every leg to run, but these ran no test: {', '.join(empty)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest_asyncio.fixture
async def account(api: httpx.AsyncClient, settings: Settings, drain: Callable[..., Any]) -> Account:
    """A verified account; `api` is signed in as it."""
    return await sign_up(api, settings, drain)


@pytest_asyncio.fixture
async def second_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser (its own cookie jar) against the same app."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
