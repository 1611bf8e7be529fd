"""`emit`: queue a job inside the caller's transaction, so it exists exactly when the change does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.clock import utcnow
from fairlx.core.db import new_id
from fairlx.core.outbox.models import Job, JobStatus
from fairlx.core.outbox.registry import registry
from fairlx.core.outbox.signal import NOTIFY_CHANNEL, mark_jobs_emitted

DEFAULT_MAX_ATTEMPTS = 8


async def emit(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    run_at: datetime | None = None,
) -> bool:
    """Queue `kind` with a JSON payload. With a `dedupe_key` a second emit is ignored; returns whether
    a job was queued. Dispatchers wake as soon as the transaction commits."""
    registered = registry.kind(kind)
    values = {
        "id": new_id(),
        "kind": kind,
        "payload": payload,
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "max_attempts": registered.max_attempts if registered else DEFAULT_MAX_ATTEMPTS,
        "run_at": run_at or utcnow(),
        "dedupe_key": dedupe_key,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Job).values(values).on_conflict_do_nothing(index_elements=[Job.dedupe_key])
    result = await session.execute(statement)
    queued = bool(result.rowcount)  # type: ignore[attr-defined]
    if queued:
        if dialect == "postgresql":  # delivered by PostgreSQL on commit, to every listening process
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        mark_jobs_emitted(session)
    return queued
