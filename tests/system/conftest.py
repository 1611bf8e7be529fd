"""What system tests share: PostgreSQL and Redis settings for real processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from fairlx.core.db.migrations import upgrade
from tests.support.backends import (
    create_postgres_database,
    delete_redis_prefix,
    drop_postgres_database,
    redis_url,
    require_services,
)
from tests.support.processes import clean_environment

SYSTEM_SECRET_KEY = "system-test-secret"


@pytest_asyncio.fixture
async def production_like(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """PostgreSQL and Redis settings for processes, as a production deployment would have them."""
    await require_services()
    database_url = await create_postgres_database("fairlx_system")
    await asyncio.to_thread(upgrade, database_url)
    prefix = f"{tmp_path.name}:"
    try:
        yield clean_environment(
            FAIRLX_DATA_DIR=str(tmp_path / "var"),
            FAIRLX_DATABASE_URL=database_url,
            FAIRLX_REDIS_URL=redis_url(),
            FAIRLX_REDIS_PREFIX=prefix,
            FAIRLX_SECRET_KEY=SYSTEM_SECRET_KEY,
            FAIRLX_DISPATCHER="off",
            FAIRLX_JOB_POLL_SECONDS="600",
            FAIRLX_LOG_FORMAT="json",
        )
    finally:
        await drop_postgres_database(database_url)
        await delete_redis_prefix(prefix)
