"""A workspace crew (owner, admin, editor, viewer, an outsider next door) and a project of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.spaces.people import Crew, Person, crew, town

__all__ = ["crew", "town"]


@dataclass
class Board:
    crew: Crew
    project_id: str
    statuses: dict[str, str]  # key -> id

    @property
    def tasks_url(self) -> str:
        return f"/api/v1/projects/{self.project_id}/tasks"

    async def new(self, person: Person | None = None, **fields: Any) -> dict[str, Any]:
        response = await (person or self.crew.owner).post(self.tasks_url, json={"title": "An item"} | fields)
        assert response.status_code == 201, response.text
        return dict(response.json())


async def new_project(person: Person, workspace_id: object, key: str = "WEB", **extra: Any) -> dict[str, Any]:
    response = await person.post(
        f"/api/v1/workspaces/{workspace_id}/projects", json={"name": f"Project {key}", "key": key} | extra
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def statuses_of(person: Person, project: dict[str, Any]) -> dict[str, str]:
    """The project's workflow statuses, key -> id."""
    response = await person.get(f"/api/v1/projects/{project['id']}/workflows/{project['workflow_id']}")
    assert response.status_code == 200, response.text
    return {status["key"]: status["id"] for status in response.json()["statuses"]}


@pytest.fixture
async def board(crew: Crew) -> Board:
    """A project on the Software Development workflow (TODO, ASSIGNED, IN_PROGRESS, IN_REVIEW, DONE)."""
    project = await new_project(crew.owner, crew.workspace_id)
    return Board(crew, project["id"], await statuses_of(crew.owner, project))
