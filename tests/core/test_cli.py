"""The operator's commands: `fairlx check`, `fairlx migrate` and `fairlx jobs list|retry|purge`."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from typer.testing import CliRunner, Result

from fairlx.cli import cli
from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox import Job, JobStatus, emit
from fairlx.settings import Settings
from tests.support.servers import SmtpServer, free_port


def environment(settings: Settings) -> dict[str, str]:
    env = {
        "FAIRLX_DATA_DIR": str(settings.data_dir),
        "FAIRLX_DATABASE_URL": settings.effective_database_url,
        "FAIRLX_SECRET_KEY": "cli-test-secret",
        "FAIRLX_LOG_LEVEL": "WARNING",
    }
    if settings.smtp_url:
        env["FAIRLX_SMTP_URL"] = settings.smtp_url
    if settings.redis_url:
        env |= {"FAIRLX_REDIS_URL": settings.redis_url, "FAIRLX_REDIS_PREFIX": settings.redis_prefix}
    return env


async def run_cli(settings: Settings, *args: str) -> Result:
    """Commands run their own event loop, so they run in a thread beside the test's loop."""
    runner = CliRunner()
    return await asyncio.to_thread(lambda: runner.invoke(cli, list(args), env=environment(settings)))


async def queue_dead_and_done_jobs(infra: Infrastructure) -> None:
    async with infra.db.unit_of_work() as session:
        await emit(session, "test.cli", {"n": 1})
        await emit(session, "test.cli", {"n": 2})
        jobs = list(await session.scalars(select(Job).order_by(Job.created_at)))
        jobs[0].status, jobs[0].finished_at, jobs[0].last_error = JobStatus.DEAD, utcnow(), "SMTPError: refused"
        jobs[1].status, jobs[1].finished_at = JobStatus.DONE, utcnow()


async def job_statuses(infra: Infrastructure) -> list[JobStatus]:
    async with infra.db.unit_of_work(read_only=True) as session:
        return list(await session.scalars(select(Job.status).order_by(Job.created_at)))


async def test_check_names_each_backend_and_reports_ok(settings: Settings, infra: Infrastructure) -> None:
    result = await run_cli(settings, "check")
    assert result.exit_code == 0, result.output
    assert "database" in result.output
    assert "ok" in result.output
    assert "FAILED" not in result.output


@pytest.mark.parametrize("leg", ["embedded"], indirect=True)
async def test_check_talks_to_the_smtp_server(settings: Settings, infra: Infrastructure, smtp: SmtpServer) -> None:
    reachable = await run_cli(settings.model_copy(update={"smtp_url": smtp.url}), "check")
    closed = await run_cli(settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"}), "check")
    assert reachable.exit_code == 0, reachable.output
    assert re.search(rf"mail\s+smtp 127.0.0.1:{smtp.port} \(plain\)\s+ok", reachable.output)
    assert closed.exit_code == 1
    assert re.search(r"mail\s+smtp .* FAILED", closed.output)


async def test_check_fails_when_a_backend_is_unreachable(settings: Settings, infra: Infrastructure) -> None:
    broken = settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    result = await run_cli(broken, "check")
    assert result.exit_code == 1
    assert "FAILED" in result.output


async def test_jobs_list_shows_dead_jobs_with_their_error(settings: Settings, infra: Infrastructure) -> None:
    await queue_dead_and_done_jobs(infra)
    result = await run_cli(settings, "jobs", "list", "--status", "dead")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "dead" in lines[0]
    assert "SMTPError: refused" in lines[0]


async def test_jobs_retry_queues_dead_jobs_again(settings: Settings, infra: Infrastructure) -> None:
    await queue_dead_and_done_jobs(infra)
    refused = await run_cli(settings, "jobs", "retry")
    retried = await run_cli(settings, "jobs", "retry", "--all-dead")
    assert refused.exit_code == 2
    assert retried.exit_code == 0, retried.output
    assert "1 job(s) queued again" in retried.output
    assert await job_statuses(infra) == [JobStatus.QUEUED, JobStatus.DONE]


async def test_jobs_purge_deletes_only_jobs_past_retention(settings: Settings, infra: Infrastructure) -> None:
    await queue_dead_and_done_jobs(infra)
    kept = await run_cli(settings, "jobs", "purge")
    with time_machine.travel(utcnow() + timedelta(days=8)):
        purged = await run_cli(settings, "jobs", "purge")
    assert "0 job(s) deleted" in kept.output
    assert "1 job(s) deleted" in purged.output
    assert await job_statuses(infra) == [JobStatus.DEAD]
