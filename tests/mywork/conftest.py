"""A workspace crew with a project on the Software Development workflow, and helpers to make work items
and backlog items."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update

from fairlx.rbac.resolver import workspace_access_changed
from fairlx.workspaces.models import WorkspaceMember, WorkspaceRole
from tests.spaces.people import Crew, Person, crew, town
from tests.tasks.conftest import new_project, statuses_of

__all__ = ["crew", "town"]


@dataclass
class Desk:
    crew: Crew
    project: dict[str, Any]
    statuses: dict[str, str]  # key -> id

    @property
    def backlog_url(self) -> str:
        return f"/api/v1/workspaces/{self.crew.workspace_id}/backlog"

    async def task(self, person: Person | None = None, **fields: Any) -> dict[str, Any]:
        response = await (person or self.crew.owner).post(
            f"/api/v1/projects/{self.project['id']}/tasks", json={"title": "An item"} | fields
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def join_project(self, person: Person, role: str) -> None:
        """`person` becomes a member of the project with one of its default roles (OWNER ... VIEWER)."""
        url = f"/api/v1/projects/{self.project['id']}"
        roles = (await self.crew.owner.get(f"{url}/roles")).json()["items"]
        role_id = next(each["id"] for each in roles if each["name"] == role)
        response = await self.crew.owner.post(f"{url}/members", json={"user_id": person.id, "role_id": role_id})
        assert response.status_code == 201, response.text

    async def close(self, task: dict[str, Any]) -> None:
        """Walk the task along the workflow's chain to DONE."""
        for key in ("ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"):
            response = await self.crew.owner.patch(
                f"/api/v1/tasks/{task['id']}", json={"status_id": self.statuses[key]}
            )
            assert response.status_code == 200, response.text

    async def item(self, person: Person | None = None, **fields: Any) -> dict[str, Any]:
        response = await (person or self.crew.owner).post(self.backlog_url, json={"title": "Remember"} | fields)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def set_role(self, person: Person, role: WorkspaceRole) -> None:
        infra = self.crew.town.infra
        async with infra.db.unit_of_work() as db:
            await db.execute(
                update(WorkspaceMember)
                .where(
                    WorkspaceMember.workspace_id == self.crew.workspace_id,
                    WorkspaceMember.user_id == uuid.UUID(person.id),
                )
                .values(role=role)
            )
            workspace_access_changed(db, infra.cache, self.crew.workspace_id)


@pytest.fixture
async def desk(crew: Crew) -> Desk:
    project = await new_project(crew.owner, crew.workspace_id)
    return Desk(crew, project, await statuses_of(crew.owner, project))
