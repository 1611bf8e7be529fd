"""The database: one async engine, sessions and units of work, tuned per dialect.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Its transactions begin with
`BEGIN IMMEDIATE`, taking the write lock up front, so two writers queue on the busy timeout instead of
failing when a read transaction tries to upgrade; read-only units of work opt into a deferred `BEGIN`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn

import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from fairlx.core.errors import Conflict

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = {"fairlx_read_only": True}
AFTER_COMMIT = "fairlx_after_commit"

log = structlog.get_logger(__name__)


async def commit_then_raise(session: AsyncSession, error: Exception) -> NoReturn:
    """Refuse the request but keep what was written so far: a failed sign-in's audit row, a wrong
    code's attempt counter. Without this, raising would roll them back with the rest."""
    await session.commit()
    raise error


def after_commit(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` once this unit of work has committed (never if it rolls back): for dropping cache
    entries that describe rows the transaction changed, so no reader re-caches the old rows."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


class Database:
    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.engine: AsyncEngine = create_async_engine(self.url, echo=echo, **_engine_options(self.url))
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def unit_of_work(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises. A constraint the
        change breaks (two requests racing for the same unique key, say) is a `Conflict`, not a crash."""
        async with self.sessions() as session:
            await session.connection(execution_options=READ_ONLY if read_only else None)
            try:
                yield session
                await session.commit()
            except IntegrityError as error:
                await session.rollback()
                raise Conflict(
                    "integrity_conflict", "The change conflicts with data saved meanwhile; reload and retry."
                ) from error
            except BaseException:
                await session.rollback()
                raise
            await _run_after_commit(session)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)


async def _run_after_commit(session: AsyncSession) -> None:
    for action in session.info.pop(AFTER_COMMIT, []):
        try:
            await action()
        except Exception:  # the change is committed; a failed follow-up must not turn it into an error
            log.exception("after_commit_failed", action=getattr(action, "__qualname__", repr(action)))


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    return {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True, "pool_recycle": 1800}


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # the driver must not issue its own BEGIN; on_begin does
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get("fairlx_read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
