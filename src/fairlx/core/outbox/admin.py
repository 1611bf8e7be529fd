"""Operator actions on the job table, behind `fairlx jobs list|retry|purge`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.clock import utcnow
from fairlx.core.outbox.models import Job, JobStatus

LIST_LIMIT_MAX = 500


async def list_jobs(
    session: AsyncSession, *, status: JobStatus | None = None, kind: str | None = None, limit: int = 50
) -> list[Job]:
    query = select(Job).order_by(Job.created_at.desc()).limit(min(limit, LIST_LIMIT_MAX))
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(await session.scalars(query))


async def retry_dead(session: AsyncSession, job_ids: list[uuid.UUID] | None = None) -> int:
    """Give dead jobs a fresh set of attempts, now. Without ids, every dead job."""
    query = update(Job).where(Job.status == JobStatus.DEAD)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    now = utcnow()
    result = await session.execute(
        query.values(status=JobStatus.QUEUED, attempts=0, run_at=now, finished_at=None, updated_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_finished(session: AsyncSession, *, done_older_than: timedelta, dead_older_than: timedelta) -> int:
    """Delete finished jobs past their retention. Dead jobs are kept longer: someone may want to retry them."""
    now = utcnow()
    removed = 0
    for status, age in ((JobStatus.DONE, done_older_than), (JobStatus.DEAD, dead_older_than)):
        cutoff: datetime = now - age
        result = await session.execute(delete(Job).where(Job.status == status, Job.finished_at < cutoff))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    return removed
