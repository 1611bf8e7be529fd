"""Shortcuts the workflows tests share: a project with its workflow, tasks written into its statuses,
teams and members, and reading what the API says about a workflow."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from sqlalchemy import func, select

from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import ProjectTeam, ProjectTeamMember
from fairlx.rbac.resolver import workspace_access_changed
from fairlx.tasks.models import Task
from tests.projects.helpers import Json, create_project
from tests.spaces.people import Crew, Person

_numbers = itertools.count(1)


async def project_with_workflow(crew: Crew, **fields: Any) -> tuple[Json, Json]:
    """A project made through the API, and its workflow as the project's API shows it."""
    project = await create_project(crew, **fields)
    return project, await workflow_of(crew.owner, project)


async def workflow_of(person: Person, project: Json) -> Json:
    answer = await person.get(f"/api/v1/projects/{project['id']}/workflows/{project['workflow_id']}")
    assert answer.status_code == 200, answer.text
    found: Json = answer.json()
    return found


def status_ids(workflow: Json) -> dict[str, str]:
    return {status["key"]: status["id"] for status in workflow["statuses"]}


async def add_tasks(infra: Infrastructure, project: Json, status_id: str, count: int = 1) -> list[uuid.UUID]:
    """Tasks written straight into a status (the tasks API is tested on its own)."""
    async with infra.db.unit_of_work() as db:
        tasks = []
        for _ in range(count):
            number = next(_numbers)
            tasks.append(
                Task(
                    workspace_id=uuid.UUID(project["workspace_id"]),
                    project_id=uuid.UUID(project["id"]),
                    number=number,
                    key=f"{project['key']}-{number}",
                    type="TASK",
                    title=f"Task {number}",
                    status_id=uuid.UUID(status_id),
                    priority="MEDIUM",
                    position=f"a{number}",
                )
            )
        db.add_all(tasks)
        await db.flush()
        return [task.id for task in tasks]


async def tasks_by_status(infra: Infrastructure, project: Json) -> dict[str, int]:
    async with infra.db.unit_of_work(read_only=True) as db:
        rows = await db.execute(
            select(Task.status_id, func.count())
            .where(Task.project_id == uuid.UUID(project["id"]))
            .group_by(Task.status_id)
        )
        return {str(status_id): count for status_id, count in rows}


async def add_team(infra: Infrastructure, project: Json, name: str, *members: Person) -> str:
    async with infra.db.unit_of_work() as db:
        workspace_id = uuid.UUID(project["workspace_id"])
        team = ProjectTeam(workspace_id=workspace_id, project_id=uuid.UUID(project["id"]), name=name)
        db.add(team)
        await db.flush()
        db.add_all(
            ProjectTeamMember(
                team_id=team.id,
                user_id=uuid.UUID(person.id),
                workspace_id=workspace_id,
                project_id=uuid.UUID(project["id"]),
            )
            for person in members
        )
        workspace_access_changed(db, infra.cache, workspace_id)
        return str(team.id)
