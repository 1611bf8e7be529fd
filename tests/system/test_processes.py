"""Fairlx as operators run it: separate processes started from the command line."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from fairlx.core.db import Database
from fairlx.core.outbox import Job, JobStatus, emit
from tests.support.processes import clean_environment, eventually, run_command, running, wait_until_serving
from tests.support.servers import free_port

pytestmark = pytest.mark.system


async def test_a_fresh_folder_migrates_and_serves_with_no_settings(tmp_path: Path) -> None:
    env = clean_environment()
    port = free_port()
    refused, refusal = await run_command("serve", "--port", str(port), env=env, cwd=tmp_path)
    code, output = await run_command("migrate", env=env, cwd=tmp_path)
    assert refused == 1
    assert "run `fairlx migrate` first" in refusal
    assert code == 0, output
    async with running("serve", "--port", str(port), env=env, cwd=tmp_path, log=tmp_path / "serve.log") as server:
        base = f"http://127.0.0.1:{port}"
        await wait_until_serving(base, server, tmp_path / "serve.log")
        async with httpx.AsyncClient(base_url=base) as client:
            health = await client.get("/healthz")
            ready = await client.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert (tmp_path / "var" / "fairlx.db").exists()
    secret = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text()) >= 48


async def queue_job(database_url: str, kind: str) -> None:
    database = Database(database_url)
    try:
        async with database.unit_of_work() as session:
            await emit(session, kind, {})
    finally:
        await database.dispose()


async def job_status(database_url: str, kind: str) -> JobStatus | None:
    database = Database(database_url)
    try:
        async with database.unit_of_work(read_only=True) as session:
            return await session.scalar(select(Job.status).where(Job.kind == kind))
    finally:
        await database.dispose()


async def test_servers_and_a_worker_share_postgres_and_redis(production_like: dict[str, str], tmp_path: Path) -> None:
    env = production_like
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log, worker_log = tmp_path / "serve.log", tmp_path / "worker.log"
    async with (
        running("serve", "--port", str(port), "--workers", "2", env=env, cwd=tmp_path, log=serve_log) as server,
        running("worker", env=env, cwd=tmp_path, log=worker_log),
    ):
        await wait_until_serving(base, server, serve_log)
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(40):
                assert (await client.get("/healthz")).status_code == 200
            await eventually(lambda: _worker_listening(worker_log), what="the worker to start")
            await queue_job(env["FAIRLX_DATABASE_URL"], "outbox.purge")
            await eventually(lambda: _is_done(env["FAIRLX_DATABASE_URL"]), within=60, what="the worker to run the job")
            metrics = (await client.get("/metrics")).text
    served = [
        line for line in metrics.splitlines() if line.startswith("fairlx_http_requests_total{") and "/healthz" in line
    ]
    assert served, metrics
    assert sum(float(line.rsplit(" ", 1)[1]) for line in served) >= 40  # samples of both processes, merged


def _worker_listening(log: Path) -> bool:
    return "dispatcher_started" in log.read_text()


async def _is_done(database_url: str) -> bool:
    return await job_status(database_url, "outbox.purge") == JobStatus.DONE
