"""A workspace with people in each role (the spaces tests' crew) and a project whose tasks the tests
search. Tasks are written straight into the database, with their project's workflow, the way the
tasks domain stores them; the database keeps the search index current by itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import Project
from fairlx.tasks.models import Task
from fairlx.workflows.models import DefinitionScope, StatusType, Workflow, WorkflowStatus
from tests.spaces.people import Crew, Person, crew, town

__all__ = ["crew", "town"]

Json = dict[str, Any]


@dataclass
class Desk:
    """The crew's workspace with the project WEB (owned by the workspace owner)."""

    crew: Crew
    project: Json

    @property
    def infra(self) -> Infrastructure:
        return self.crew.town.infra

    async def create_project(self, name: str, key: str, who: Person | None = None, workspace_id: Any = None) -> Json:
        owner = who or self.crew.owner
        answer = await owner.post(
            f"/api/v1/workspaces/{workspace_id or self.crew.workspace_id}/projects", {"name": name, "key": key}
        )
        assert answer.status_code == 201, answer.text
        created: Json = answer.json()
        return created

    async def add_task(self, title: str, description: str | None = None, project: Json | None = None) -> Json:
        return (await self.add_tasks([(title, description)], project))[0]

    async def add_tasks(self, tasks: list[tuple[str, str | None]], project: Json | None = None) -> list[Json]:
        return await write_tasks(self.infra, uuid.UUID((project or self.project)["id"]), tasks)

    async def edit_task(self, task: Json, **changes: Any) -> None:
        async with self.infra.db.unit_of_work() as db:
            stored = await db.get_one(Task, uuid.UUID(task["id"]))
            for name, value in changes.items():
                setattr(stored, name, value)

    async def trash_task(self, task: Json) -> None:
        await self.edit_task(task, deleted_at=datetime.now(UTC))

    async def purge_task(self, task: Json) -> None:
        async with self.infra.db.unit_of_work() as db:
            await db.delete(await db.get_one(Task, uuid.UUID(task["id"])))


async def write_tasks(infra: Infrastructure, project_id: uuid.UUID, tasks: list[tuple[str, str | None]]) -> list[Json]:
    """Tasks (title, description) numbered after the project's last one, in its workflow's first
    status (a workflow is written for a project that has none)."""
    async with infra.db.unit_of_work() as db:
        project = await db.get_one(Project, project_id)
        status_id = await _first_status(db, project)
        last = await db.scalar(select(func.max(Task.number)).where(Task.project_id == project.id)) or 0
        written = [
            Task(
                workspace_id=project.workspace_id,
                project_id=project.id,
                number=last + offset,
                key=f"{project.key}-{last + offset}",
                type="TASK",
                title=title,
                description=description,
                status_id=status_id,
                priority="MEDIUM",
                position=f"a{last + offset:06d}",
            )
            for offset, (title, description) in enumerate(tasks, start=1)
        ]
        db.add_all(written)
        await db.flush()
        return [{"id": str(task.id), "key": task.key, "title": task.title} for task in written]


async def _first_status(db: AsyncSession, project: Project) -> uuid.UUID:
    if project.workflow_id is not None:
        found = await db.scalar(
            select(WorkflowStatus.id)
            .where(WorkflowStatus.workflow_id == project.workflow_id)
            .order_by(WorkflowStatus.position)
        )
        assert found is not None
        return found
    workflow = Workflow(
        workspace_id=project.workspace_id,
        project_id=project.id,
        scope=DefinitionScope.PROJECT,
        name="Delivery",
        key=project.key,
    )
    db.add(workflow)
    await db.flush()
    status = WorkflowStatus(
        workspace_id=project.workspace_id,
        workflow_id=workflow.id,
        name="In progress",
        key="IN_PROGRESS",
        color="#2563eb",
        status_type=StatusType.IN_PROGRESS,
        is_initial=True,
    )
    db.add(status)
    project.workflow_id = workflow.id
    await db.flush()
    return status.id


@pytest.fixture
async def desk(crew: Crew) -> Desk:
    answer = await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/projects", {"name": "Website", "key": "WEB"}
    )
    assert answer.status_code == 201, answer.text
    return Desk(crew, answer.json())


async def search(person: Person | httpx.AsyncClient, query: str, **params: Any) -> Json:
    answer = await person.get("/api/v1/search", params={"q": query, **params})
    assert answer.status_code == 200, answer.text
    found: Json = answer.json()
    return found


async def task_keys(person: Person, query: str, **params: Any) -> list[str]:
    return [hit["key"] for hit in (await search(person, query, **params))["tasks"]]
