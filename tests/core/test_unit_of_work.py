"""A request's unit of work: committed before the response is sent, rolled back when the route fails,
and a broken constraint answers 409 instead of crashing."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from fairlx.core.clock import utcnow
from fairlx.core.errors import Invalid
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox import Job, JobStatus, emit
from fairlx.dependencies import Db


def install_routes(app: FastAPI) -> None:
    async def queue_then_answer(db: Db) -> dict[str, str]:
        await emit(db, "test.uow", {"step": "committed"})
        return {"status": "queued"}

    async def queue_then_refuse(db: Db) -> None:
        await emit(db, "test.uow", {"step": "rolled back"})
        raise Invalid("refused", "The change is not allowed.", field="name")

    async def insert_duplicate(db: Db) -> None:
        for _ in range(2):
            db.add(Job(kind="test.uow", payload={}, max_attempts=1, run_at=utcnow(), dedupe_key="same"))
            await db.flush()

    app.add_api_route("/api/v1/test-uow/commit", queue_then_answer, methods=["POST"])
    app.add_api_route("/api/v1/test-uow/refuse", queue_then_refuse, methods=["POST"])
    app.add_api_route("/api/v1/test-uow/duplicate", insert_duplicate, methods=["POST"])


async def queued_steps(infra: Infrastructure) -> list[str]:
    async with infra.db.unit_of_work(read_only=True) as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "test.uow", Job.status == JobStatus.QUEUED))
        return [job.payload.get("step", "") for job in jobs]


async def test_the_change_is_committed_when_the_response_arrives(
    app: FastAPI, api: httpx.AsyncClient, infra: Infrastructure
) -> None:
    install_routes(app)
    response = await api.post("/api/v1/test-uow/commit")
    assert response.json() == {"status": "queued"}
    assert await queued_steps(infra) == ["committed"]


async def test_a_refused_change_leaves_nothing_behind(
    app: FastAPI, api: httpx.AsyncClient, infra: Infrastructure
) -> None:
    install_routes(app)
    response = await api.post("/api/v1/test-uow/refuse")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "The change is not allowed.", "code": "refused"}]
    assert await queued_steps(infra) == []


async def test_a_broken_constraint_is_a_conflict_not_a_crash(
    app: FastAPI, api: httpx.AsyncClient, infra: Infrastructure
) -> None:
    install_routes(app)
    response = await api.post("/api/v1/test-uow/duplicate")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "integrity_conflict"
    assert await queued_steps(infra) == []
