"""The outbox: jobs are committed with the change that caused them, run at least once, retried with
backoff, buried after their last attempt, recovered after a worker crash, and never run twice at once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
import time_machine
from sqlalchemy import delete, select

from fairlx.core.clock import utcnow
from fairlx.core.db.migrations import upgrade
from fairlx.core.infrastructure import Infrastructure, build_infrastructure
from fairlx.core.outbox import Job, JobContext, JobStatus, emit, registry
from fairlx.core.outbox.dispatcher import Dispatcher, backoff_seconds
from fairlx.core.outbox.registry import JobRegistry
from fairlx.settings import Settings

RUNS: Counter[str] = Counter()
FAILURES_LEFT: dict[str, int] = {}


@registry.handler("test.record", max_attempts=3, retry_base_seconds=60)
async def record_run(job: JobContext) -> None:
    await asyncio.sleep(0)  # let concurrent dispatchers interleave
    RUNS[job.payload["token"]] += 1
    if FAILURES_LEFT.get(job.payload["token"], 0) > 0:
        FAILURES_LEFT[job.payload["token"]] -= 1
        raise ConnectionError("receiver unavailable")


@registry.handler("test.always_fails", max_attempts=3, retry_base_seconds=60)
async def always_fail(job: JobContext) -> None:
    raise ValueError(f"cannot process {job.payload['token']}")


@registry.handler("test.slow", max_attempts=2, timeout_seconds=0.05)
async def too_slow(job: JobContext) -> None:
    await asyncio.sleep(5)


def token() -> str:
    return uuid.uuid4().hex


async def queue(infra: Infrastructure, kind: str, **extra: Any) -> uuid.UUID:
    async with infra.db.unit_of_work() as session:
        await emit(session, kind, {"token": extra.pop("token", token())}, **extra)
    async with infra.db.unit_of_work(read_only=True) as session:
        job_id = await session.scalar(select(Job.id).where(Job.kind == kind).order_by(Job.created_at.desc()))
    assert job_id is not None
    return job_id


async def load(infra: Infrastructure, job_id: uuid.UUID) -> Job:
    async with infra.db.unit_of_work(read_only=True) as session:
        job = await session.get(Job, job_id)
    assert job is not None
    return job


async def emit_then_fail(infra: Infrastructure) -> None:
    async with infra.db.unit_of_work() as session:
        await emit(session, "test.record", {"token": "rolled-back"})
        raise RuntimeError("the change failed")


async def test_a_job_exists_only_if_its_transaction_commits(infra: Infrastructure) -> None:
    with pytest.raises(RuntimeError):
        await emit_then_fail(infra)
    async with infra.db.unit_of_work(read_only=True) as session:
        assert (await session.scalars(select(Job))).all() == []


async def test_a_due_job_runs_once_and_is_done(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_token = token()
    job_id = await queue(infra, "test.record", token=job_token)
    assert await drain() == 1
    assert await drain() == 0
    job = await load(infra, job_id)
    assert RUNS[job_token] == 1
    assert job.status == JobStatus.DONE
    assert job.attempts == 1
    assert job.finished_at is not None


async def test_a_dedupe_key_queues_the_job_once(infra: Infrastructure) -> None:
    async with infra.db.unit_of_work() as session:
        first = await emit(session, "test.record", {"token": token()}, dedupe_key="invoice:42")
        second = await emit(session, "test.record", {"token": token()}, dedupe_key="invoice:42")
    async with infra.db.unit_of_work(read_only=True) as session:
        jobs = (await session.scalars(select(Job))).all()
    assert (first, second) == (True, False)
    assert len(jobs) == 1


async def test_a_job_scheduled_for_later_waits(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_token = token()
    job_id = await queue(infra, "test.record", token=job_token, run_at=utcnow() + timedelta(hours=1))
    assert await drain() == 0
    with time_machine.travel(utcnow() + timedelta(hours=1, seconds=1)):
        assert await drain() == 1
    assert (await load(infra, job_id)).status == JobStatus.DONE


async def test_a_failing_job_backs_off_then_succeeds(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_token = token()
    FAILURES_LEFT[job_token] = 1
    job_id = await queue(infra, "test.record", token=job_token)
    await drain()
    failed = await load(infra, job_id)
    delay = (failed.run_at - utcnow()).total_seconds()
    assert failed.status == JobStatus.QUEUED
    assert failed.attempts == 1
    assert "receiver unavailable" in (failed.last_error or "")
    assert 25 <= delay <= 60  # first retry: base 60 s, jittered over its upper half
    assert await drain() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(seconds=61)):
        assert await drain() == 1
    done = await load(infra, job_id)
    assert done.status == JobStatus.DONE
    assert done.attempts == 2
    assert RUNS[job_token] == 2


async def test_a_job_that_keeps_failing_ends_dead(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_id = await queue(infra, "test.always_fails", token="poison")
    moment = utcnow()
    for _ in range(3):
        with time_machine.travel(moment):
            await drain()
        moment += timedelta(hours=2)
    job = await load(infra, job_id)
    assert job.status == JobStatus.DEAD
    assert job.attempts == 3
    assert "ValueError: cannot process poison" in (job.last_error or "")
    with time_machine.travel(moment + timedelta(days=1)):
        assert await drain() == 0


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    delays = [backoff_seconds(attempt, 10) for attempt in range(1, 6)]
    for attempt, delay in enumerate(delays, start=1):
        assert 10 * 2 ** (attempt - 1) / 2 <= delay <= 10 * 2 ** (attempt - 1)
    assert backoff_seconds(40, 10) <= 3600


async def test_a_handler_that_overruns_its_timeout_is_retried(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_id = await queue(infra, "test.slow")
    await drain()
    job = await load(infra, job_id)
    assert job.status == JobStatus.QUEUED
    assert "TimeoutError" in (job.last_error or "")


async def test_an_unknown_kind_is_retried_later_not_lost(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_id = await queue(infra, "test.kind_from_a_newer_release")
    await drain()
    job = await load(infra, job_id)
    assert job.status == JobStatus.QUEUED
    assert "no handler is registered" in (job.last_error or "")


async def test_a_job_survives_a_worker_crash_and_runs_again(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_token = token()
    job_id = await queue(infra, "test.record", token=job_token)
    crashed = Dispatcher(infra, worker_id="crashed-worker", lease_seconds=30)
    [claimed] = await crashed.claim(10)  # claimed, then the process died before finishing
    assert claimed.id == job_id
    assert await drain() == 0  # the lease still protects it
    with time_machine.travel(utcnow() + timedelta(seconds=31)):
        assert await drain() == 1
        await crashed._finish(claimed, error=None, retry_base=None)  # a late zombie cannot overwrite the outcome
    job = await load(infra, job_id)
    assert job.status == JobStatus.DONE
    assert job.attempts == 2
    assert job.worker_id != "crashed-worker"
    assert RUNS[job_token] == 1


async def test_a_crash_during_the_last_attempt_buries_the_job(infra: Infrastructure, drain: Callable[..., Any]) -> None:
    job_id = await queue(infra, "test.always_fails")
    moment = utcnow()
    for _ in range(2):
        with time_machine.travel(moment):
            await drain()
        moment += timedelta(hours=2)
    with time_machine.travel(moment):
        await Dispatcher(infra, lease_seconds=30).claim(10)  # third and last attempt, and the worker dies
    with time_machine.travel(moment + timedelta(minutes=1)):
        assert await drain() == 0
    job = await load(infra, job_id)
    assert job.status == JobStatus.DEAD
    assert "lease expired" in (job.last_error or "")


async def test_a_running_job_keeps_its_lease_while_it_works(infra: Infrastructure) -> None:
    other = Dispatcher(infra, worker_id="other")
    stolen: list[int] = []
    registry_for_test = JobRegistry()

    @registry_for_test.handler("test.long")
    async def long_job(_job: JobContext) -> None:
        await asyncio.sleep(0.5)  # longer than the lease: only renewals keep it
        stolen.append(len(await other.claim(10)))

    await queue(infra, "test.long")
    owner = Dispatcher(infra, jobs=registry_for_test, lease_seconds=0.3)
    [claimed] = await owner.claim(1)
    await owner.execute(claimed)
    assert stolen == [0]


@pytest_asyncio.fixture
async def second_infra(settings: Settings) -> AsyncIterator[Infrastructure]:
    """Another process's view of the same database: its own engine, pool and wake-up listener."""
    infra = build_infrastructure(settings)
    await infra.start()
    yield infra
    await infra.close()


async def test_two_dispatchers_never_run_the_same_job(infra: Infrastructure, second_infra: Infrastructure) -> None:
    tokens = [token() for _ in range(60)]
    async with infra.db.unit_of_work() as session:
        for job_token in tokens:
            await emit(session, "test.record", {"token": job_token})
    first = Dispatcher(infra, concurrency=3, worker_id="first")
    second = Dispatcher(second_infra, concurrency=3, worker_id="second")
    ran = await asyncio.gather(first.run_until_idle(), second.run_until_idle())
    async with infra.db.unit_of_work(read_only=True) as session:
        workers = Counter((await session.scalars(select(Job.worker_id))).all())
    assert sum(ran) == len(tokens)
    assert [RUNS[job_token] for job_token in tokens] == [1] * len(tokens)
    assert set(workers) <= {"first", "second"}


async def test_a_recurring_job_fires_once_per_period_across_processes(
    infra: Infrastructure, second_infra: Infrastructure
) -> None:
    schedules = JobRegistry()
    schedules.schedule("test.every-minute", "* * * * *", "test.record", {"token": "tick"})
    first = Dispatcher(infra, jobs=schedules)
    second = Dispatcher(second_infra, jobs=schedules)
    await asyncio.gather(first.sync_schedules(), second.sync_schedules())
    assert await first.fire_due_schedules() == 0  # the first period has not come yet
    with time_machine.travel(utcnow() + timedelta(minutes=1)):
        fired = await asyncio.gather(first.fire_due_schedules(), second.fire_due_schedules())
        again = await first.fire_due_schedules()
    async with infra.db.unit_of_work(read_only=True) as session:
        queued = (await session.scalars(select(Job).where(Job.kind == "test.record"))).all()
    assert sorted(fired) == [0, 1]
    assert again == 0
    assert len(queued) == 1
    assert queued[0].dedupe_key is not None
    assert queued[0].dedupe_key.startswith("schedule:test.every-minute:")


WOKEN: dict[str, asyncio.Event] = {}


@registry.handler("test.wake")
async def mark_woken(job: JobContext) -> None:
    WOKEN[job.payload["token"]].set()


async def run_and_wake(dispatcher: Dispatcher, producer: Infrastructure) -> None:
    """Queue jobs while the dispatcher sleeps with nothing to do: polling is set to ten minutes, so only
    a wake-up on commit gets them done within the timeout."""
    loop = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(2):
            await asyncio.wait_for(dispatcher.idle.wait(), timeout=10)
            job_token = token()
            WOKEN[job_token] = asyncio.Event()
            await queue(producer, "test.wake", token=job_token)
            await asyncio.wait_for(WOKEN[job_token].wait(), timeout=10)
    finally:
        dispatcher.stop()
        await loop


async def test_a_commit_wakes_the_dispatcher_in_this_process_at_once(infra: Infrastructure) -> None:
    await run_and_wake(Dispatcher(infra, poll_seconds=600), producer=infra)


@pytest.mark.parametrize("leg", ["service"], indirect=True)  # other processes are reached through PostgreSQL or Redis
@pytest.mark.parametrize("channel", ["postgres", "redis"])
async def test_a_commit_wakes_dispatchers_in_other_processes(settings: Settings, channel: str) -> None:
    if channel == "redis":  # SQLite holds the jobs, Redis carries the wake-ups
        settings = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{settings.data_dir / 'w.db'}"})
        await asyncio.to_thread(upgrade, settings.effective_database_url)
    producer, consumer = build_infrastructure(settings), build_infrastructure(settings)
    await producer.start()
    await consumer.start()
    try:
        await asyncio.wait_for(consumer.job_signal.listening.wait(), timeout=10)
        await run_and_wake(Dispatcher(consumer, poll_seconds=600), producer=producer)
        expected = "PostgreSQL LISTEN/NOTIFY" if channel == "postgres" else "Redis pub/sub"
        assert consumer.job_signal.describe() == expected
    finally:
        async with producer.db.unit_of_work() as session:
            await session.execute(delete(Job))
        await producer.close()
        await consumer.close()
