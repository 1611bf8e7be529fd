"""The two legs of the suite. The embedded leg uses a SQLite file per test process and in-memory
cache; the service leg uses a fresh PostgreSQL database per test process and a Redis key prefix per
run. In CI (`CI=true`) the service leg must run: unreachable services fail the run instead of skipping."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from fairlx.core.db import Database
from fairlx.core.db.migrations import upgrade
from fairlx.core.db.registry import load_models

DEFAULT_TEST_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_SECONDS = 3.0


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def services_required() -> bool:
    return running_in_ci()


def postgres_admin_url() -> str:
    return os.environ.get("FAIRLX_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("FAIRLX_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)


@dataclass(frozen=True)
class Leg:
    name: str
    database_url: str
    redis_url: str | None
    redis_prefix: str

    @property
    def is_service(self) -> bool:
        return self.name == "service"


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create_postgres_database(prefix: str = "fairlx_test") -> str:
    name = f"{prefix}_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    connection = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def unreachable_services() -> str | None:
    """Why the service leg cannot run, or None when PostgreSQL and Redis both answer."""
    try:
        connection = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=CONNECT_TIMEOUT_SECONDS)
        await connection.close()
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {postgres_admin_url()} is unreachable: {error}"
    client = Redis.from_url(redis_url(), socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await client.ping()
    except Exception as error:
        return f"Redis at {redis_url()} is unreachable: {error}"
    finally:
        await client.aclose()
    return None


async def require_services() -> None:
    """Skip without PostgreSQL and Redis, or fail where they are required (CI)."""
    problem = await unreachable_services()
    if problem is None:
        return
    if services_required():
        pytest.fail(f"the service leg is required in CI: {problem}", pytrace=False)
    pytest.skip(f"service leg: {problem}")


@asynccontextmanager
async def open_leg(name: str, workdir: Path) -> AsyncIterator[Leg]:
    run_prefix = f"fairlx_test_{secrets.token_hex(4)}:"
    if name == "embedded":
        url = f"sqlite+aiosqlite:///{workdir / 'embedded.db'}"
        await asyncio.to_thread(upgrade, url)
        yield Leg(name, url, None, run_prefix)
        return
    await require_services()
    url = await create_postgres_database()
    try:
        await asyncio.to_thread(upgrade, url)
        yield Leg(name, url, redis_url(), run_prefix)
    finally:
        await drop_postgres_database(url)
        await delete_redis_prefix(run_prefix)


async def delete_redis_prefix(prefix: str) -> None:
    client = Redis.from_url(redis_url())
    try:
        batch = [key async for key in client.scan_iter(match=f"{prefix}*", count=500)]
        if batch:
            await client.unlink(*batch)
    finally:
        await client.aclose()


async def empty_all_tables(database_url: str) -> None:
    """Test isolation: every table emptied after each test, children before parents."""
    database = Database(database_url)
    try:
        async with database.unit_of_work() as session:
            for table in reversed(load_models().sorted_tables):
                await session.execute(delete(table))
    finally:
        await database.dispose()
