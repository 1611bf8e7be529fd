"""The dispatcher: claims due jobs, runs their handlers under a lease, retries with backoff.

Claiming is one UPDATE over a `FOR UPDATE SKIP LOCKED` subquery on PostgreSQL; on SQLite the same
statement runs inside `BEGIN IMMEDIATE`, which serializes claimers. A job whose lease expired (its
worker crashed or hung) is due again; the attempt it was on counts. Handlers run outside any database
transaction and renew their lease while they work.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import traceback
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.clock import utcnow
from fairlx.core.metrics import JOBS_FINISHED
from fairlx.core.outbox.emit import emit
from fairlx.core.outbox.models import Job, JobSchedule, JobStatus
from fairlx.core.outbox.registry import JobContext, JobRegistry, registry

if TYPE_CHECKING:
    from fairlx.core.infrastructure import Infrastructure

log = structlog.get_logger(__name__)

LEASE_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 3600.0
ERROR_TEXT_LIMIT = 4000
SHUTDOWN_GRACE_SECONDS = 10.0
UNKNOWN_KIND_RETRY = 60.0


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential backoff with jitter: about base·2^(attempt-1), spread over its upper half."""
    ceiling = min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (spreading retries, not secrecy)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(
        self,
        infra: Infrastructure,
        *,
        jobs: JobRegistry = registry,
        concurrency: int = 4,
        poll_seconds: float = 5.0,
        lease_seconds: float = LEASE_SECONDS,
        worker_id: str | None = None,
    ) -> None:
        self.infra = infra
        self.jobs = jobs
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.worker_id = worker_id or default_worker_id()
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self.idle = asyncio.Event()  # set while the loop waits with no job running

    # -- one pass, used by the loop, by `fairlx jobs run` and by tests ---------------------------

    async def run_until_idle(self, max_jobs: int = 10_000) -> int:
        """Fire due schedules and run due jobs one batch at a time until none is due."""
        ran = 0
        while ran < max_jobs:
            await self.fire_due_schedules()
            batch = await self.claim(self.concurrency)
            if not batch:
                return ran
            await asyncio.gather(*(self.execute(job) for job in batch))
            ran += len(batch)
        return ran

    async def claim(self, limit: int) -> list[ClaimedJob]:
        now = utcnow()
        async with self.infra.db.unit_of_work() as session:
            await self._bury_jobs_that_crashed_on_their_last_attempt(session, now)
            due = or_(
                and_(Job.status == JobStatus.QUEUED, Job.run_at <= now),
                and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now),
            )
            candidates = select(Job.id).where(due).order_by(Job.run_at).limit(limit).with_for_update(skip_locked=True)
            claimed = await session.execute(
                update(Job)
                .where(Job.id.in_(candidates.scalar_subquery()))
                .values(
                    status=JobStatus.RUNNING,
                    attempts=Job.attempts + 1,
                    lease_expires_at=now + self.lease,
                    worker_id=self.worker_id,
                    updated_at=now,
                )
                .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
                .execution_options(synchronize_session=False)
            )
            return [ClaimedJob(*row) for row in claimed.all()]

    async def _bury_jobs_that_crashed_on_their_last_attempt(self, session: AsyncSession, now: datetime) -> None:
        await session.execute(
            update(Job)
            .where(
                Job.status == JobStatus.RUNNING,
                Job.lease_expires_at < now,
                Job.attempts >= Job.max_attempts,
            )
            .values(
                status=JobStatus.DEAD,
                finished_at=now,
                lease_expires_at=None,
                last_error="the worker stopped during the last attempt (lease expired)",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )

    async def execute(self, job: ClaimedJob) -> None:
        kind = self.jobs.kind(job.kind)
        if kind is None:  # e.g. a newer release queued it during a rolling deploy: retry, another worker may know it
            await self._finish(job, error=f"no handler is registered for {job.kind!r}", retry_base=UNKNOWN_KIND_RETRY)
            return
        context = JobContext(job.id, job.kind, job.payload, job.attempts, self.infra)
        renew = asyncio.create_task(self._renew_lease_while_running(job))
        try:
            await asyncio.wait_for(kind.handler(context), kind.timeout_seconds)
        except asyncio.CancelledError:
            raise  # shutting down: the lease expires and another worker retries
        except Exception as error:
            log.warning("job_failed", job_id=str(job.id), kind=job.kind, attempt=job.attempts, error=repr(error))
            await self._finish(job, error=_describe(error), retry_base=kind.retry_base_seconds)
        else:
            await self._finish(job, error=None, retry_base=None)
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew

    async def _renew_lease_while_running(self, job: ClaimedJob) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            async with self.infra.db.unit_of_work() as session:
                await session.execute(
                    update(Job)
                    .where(*self._owned(job))
                    .values(lease_expires_at=utcnow() + self.lease)
                    .execution_options(synchronize_session=False)
                )

    def _owned(self, job: ClaimedJob) -> tuple[Any, ...]:
        """Still ours: nobody re-claimed it after our lease expired."""
        return (
            Job.id == job.id,
            Job.status == JobStatus.RUNNING,
            Job.worker_id == self.worker_id,
            Job.attempts == job.attempts,
        )

    async def _finish(self, job: ClaimedJob, *, error: str | None, retry_base: float | None) -> None:
        now = utcnow()
        values: dict[str, Any] = {"lease_expires_at": None, "updated_at": now, "last_error": error}
        if error is None:
            values |= {"status": JobStatus.DONE, "finished_at": now}
            outcome = "done"
        elif retry_base is not None and job.attempts < job.max_attempts:
            delay = backoff_seconds(job.attempts, retry_base)
            values |= {"status": JobStatus.QUEUED, "run_at": now + timedelta(seconds=delay)}
            outcome = "retry"
        else:
            values |= {"status": JobStatus.DEAD, "finished_at": now}
            outcome = "dead"
        async with self.infra.db.unit_of_work() as session:
            result = await session.execute(
                update(Job).where(*self._owned(job)).values(values).execution_options(synchronize_session=False)
            )
        if not result.rowcount:  # type: ignore[attr-defined]
            log.warning("job_lease_lost", job_id=str(job.id), kind=job.kind)
            return
        JOBS_FINISHED.labels(kind=job.kind, outcome=outcome).inc()
        if outcome == "dead":
            log.error("job_dead", job_id=str(job.id), kind=job.kind, attempts=job.attempts, error=error)

    # -- recurring jobs ---------------------------------------------------------------------------

    async def sync_schedules(self) -> None:
        """Create rows for registered schedules and follow cron changes made in code."""
        if not self.jobs.schedules:
            return
        now = utcnow()
        async with self.infra.db.unit_of_work() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            for schedule in self.jobs.schedules.values():
                row = {"name": schedule.name, "cron": schedule.cron, "next_run_at": schedule.next_after(now)}
                await session.execute(insert(JobSchedule).values(row).on_conflict_do_nothing())
                await session.execute(
                    update(JobSchedule)
                    .where(JobSchedule.name == schedule.name, JobSchedule.cron != schedule.cron)
                    .values(cron=schedule.cron, next_run_at=row["next_run_at"])
                )

    async def fire_due_schedules(self) -> int:
        """Queue one job per due period. The compare-and-set on `next_run_at` and the period's dedupe key
        both make sure that, across all processes, a period fires once."""
        if not self.jobs.schedules:
            return 0
        now = utcnow()
        fired = 0
        async with self.infra.db.unit_of_work() as session:
            due = await session.execute(
                select(JobSchedule.name, JobSchedule.next_run_at).where(
                    JobSchedule.next_run_at <= now, JobSchedule.name.in_(list(self.jobs.schedules))
                )
            )
            for name, period in due.all():
                schedule = self.jobs.schedules[name]
                moved = await session.execute(
                    update(JobSchedule)
                    .where(JobSchedule.name == name, JobSchedule.next_run_at == period)
                    .values(next_run_at=schedule.next_after(now), last_run_at=period)
                )
                if moved.rowcount:  # type: ignore[attr-defined]
                    key = f"schedule:{name}:{period.isoformat()}"
                    fired += await emit(session, schedule.kind, schedule.payload, dedupe_key=key)
        return fired

    # -- the long-running loop --------------------------------------------------------------------

    async def run(self) -> None:
        log.info("dispatcher_started", worker_id=self.worker_id, concurrency=self.concurrency)
        await self.sync_schedules()
        while not self._stopping.is_set():
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a database hiccup must not kill the loop
                log.exception("dispatcher_step_failed", error=str(error))
                await self._wait_for_wakeup()
        await self._drain_running()

    async def _step(self) -> None:
        await self.fire_due_schedules()
        free = self.concurrency - len(self._running)
        batch = await self.claim(free) if free > 0 else []
        for job in batch:
            self._start(job)
        if len(self._running) >= self.concurrency:
            await self._wait_for_wakeup(until_slot_frees=True)
        elif len(batch) < free:
            await self._wait_for_wakeup(seconds=await self._seconds_until_next_due())

    def _start(self, job: ClaimedJob) -> None:
        task = asyncio.create_task(self.execute(job), name=f"job:{job.kind}:{job.id}")
        self._running.add(task)
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slot_freed.set()

    async def _seconds_until_next_due(self) -> float:
        async with self.infra.db.unit_of_work(read_only=True) as session:
            next_run = await session.scalar(select(func.min(Job.run_at)).where(Job.status == JobStatus.QUEUED))
            next_schedule = await session.scalar(select(func.min(JobSchedule.next_run_at)))
        moments = [moment for moment in (next_run, next_schedule) if moment is not None]
        if not moments:
            return self.poll_seconds
        return max(0.0, min(self.poll_seconds, (min(moments) - utcnow()).total_seconds()))

    async def _wait_for_wakeup(self, *, seconds: float | None = None, until_slot_frees: bool = False) -> None:
        """Sleep until a job finishes, a commit signals new work, the next job falls due, or we stop."""
        waits: list[Coroutine[Any, Any, object]] = [self._slot_freed.wait(), self._stopping.wait()]
        if not until_slot_frees:
            waits.append(self.infra.job_signal.wait(self.poll_seconds if seconds is None else seconds))
        if not self._running:
            self.idle.set()
        try:
            await self._wait_first(*waits)
        finally:
            self.idle.clear()
            self._slot_freed.clear()

    @staticmethod
    async def _wait_first(*waits: Any) -> None:
        tasks = [asyncio.ensure_future(wait) for wait in waits]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()

    async def _drain_running(self) -> None:
        if not self._running:
            return
        _done, pending = await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
        for task in pending:
            task.cancel()  # their leases expire and another worker retries them
        await asyncio.gather(*pending, return_exceptions=True)
        log.info("dispatcher_stopped", worker_id=self.worker_id, abandoned=len(pending))


def _describe(error: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return text[:ERROR_TEXT_LIMIT]
