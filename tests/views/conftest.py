"""The crew of tests/tasks (owner, admin, editor, viewer, an outsider next door) with a public space and
a project in it; the editor is a MEMBER of the project and the viewer a VIEWER."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.spaces.people import Crew, Person
from tests.tasks.conftest import crew, new_project, town

__all__ = ["crew", "town"]

VIEWS = "/api/v1/views"


@dataclass
class Places:
    crew: Crew
    space_id: str
    project_id: str

    @property
    def workspace_id(self) -> str:
        return str(self.crew.workspace_id)

    @property
    def project(self) -> dict[str, str]:
        return {"project_id": self.project_id}

    @property
    def space(self) -> dict[str, str]:
        return {"space_id": self.space_id}

    @property
    def workspace(self) -> dict[str, str]:
        return {"workspace_id": self.workspace_id}

    async def create(
        self, person: Person | None = None, where: dict[str, str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A view made through the API (the owner's PERSONAL list view of the project unless told)."""
        response = await self.post(person or self.crew.owner, where, **fields)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def post(self, person: Person, where: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        return await person.post(
            VIEWS, json={"name": "My view", "view_type": "LIST"} | (where or self.project) | fields
        )

    async def names(self, person: Person, where: dict[str, str] | None = None, **params: Any) -> list[str]:
        """The names of the views `person` is offered in a place (the project unless told), in order."""
        response = await person.get(VIEWS, params=(where or self.project) | params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]


async def join_project(owner: Person, project_id: str, person: Person, role: str) -> None:
    roles = (await owner.get(f"/api/v1/projects/{project_id}/roles")).json()["items"]
    role_id = next(each["id"] for each in roles if each["name"] == role)
    response = await owner.post(
        f"/api/v1/projects/{project_id}/members", json={"user_id": person.id, "role_id": role_id}
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def places(crew: Crew) -> Places:
    space = await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/spaces", json={"name": "Platform", "key": "PLAT"}
    )
    assert space.status_code == 201, space.text
    project = await new_project(crew.owner, crew.workspace_id, space_id=space.json()["id"])
    await join_project(crew.owner, project["id"], crew.editor, "MEMBER")
    await join_project(crew.owner, project["id"], crew.viewer, "VIEWER")
    return Places(crew, space.json()["id"], project["id"])
