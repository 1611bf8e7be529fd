"""A plot of tenancy written straight into the database for the field tests: a workspace with a space, a
project in that space, a project outside it and a second workspace next door; a workflow status for tasks;
two members of the workspace and one outsider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import User
from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import Project
from fairlx.rbac.resolver import workspace_access_changed
from fairlx.spaces.models import Space
from fairlx.workflows.models import DefinitionScope, StatusType, Workflow, WorkflowStatus
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.spaces.people import Person, Town, town

__all__ = ["town"]


@dataclass
class Plot:
    infra: Infrastructure
    workspace_id: uuid.UUID
    other_workspace_id: uuid.UUID
    space_id: uuid.UUID
    other_space_id: uuid.UUID
    project_id: uuid.UUID  # in the space
    loose_project_id: uuid.UUID  # in no space
    status_id: uuid.UUID
    member_id: uuid.UUID
    colleague_id: uuid.UUID
    outsider_id: uuid.UUID  # a member of the other workspace only

    @asynccontextmanager
    async def session(self) -> AsyncIterator[tuple[AsyncSession, Project]]:
        """A unit of work and the project in the space, loaded in it."""
        async with self.infra.db.unit_of_work() as db:
            project = await db.get(Project, self.project_id)
            assert project is not None
            yield db, project


def _user(name: str) -> User:
    return User(email=f"{name.lower()}@example.com", name=name)


@pytest.fixture
async def plot(infra: Infrastructure) -> Plot:
    async with infra.db.unit_of_work() as db:
        member, colleague, outsider = _user("Mia"), _user("Cole"), _user("Otis")
        workspace = Workspace(name="Engineering", kind=WorkspaceKind.PERSONAL)
        other = Workspace(name="Next door", kind=WorkspaceKind.PERSONAL)
        db.add_all([member, colleague, outsider, workspace, other])
        await db.flush()
        space = Space(workspace_id=workspace.id, name="Platform", key="PLAT")
        other_space = Space(workspace_id=workspace.id, name="Growth", key="GROW")
        db.add_all([space, other_space])
        await db.flush()
        project = Project(workspace_id=workspace.id, space_id=space.id, name="Web", key="WEB")
        loose = Project(workspace_id=workspace.id, name="Ops", key="OPS")
        workflow = Workflow(workspace_id=workspace.id, scope=DefinitionScope.WORKSPACE, name="Flow", key="FLOW")
        db.add_all([project, loose, workflow])
        db.add_all(
            WorkspaceMember(workspace_id=workspace_id, user_id=user.id, role=WorkspaceRole.WS_EDITOR)
            for workspace_id, user in ((workspace.id, member), (workspace.id, colleague), (other.id, outsider))
        )
        await db.flush()
        status = WorkflowStatus(
            workspace_id=workspace.id,
            workflow_id=workflow.id,
            name="Todo",
            key="TODO",
            color="#64748b",
            status_type=StatusType.OPEN,
            position=0,
            is_initial=True,
        )
        db.add(status)
        await db.flush()
        return Plot(
            infra,
            workspace.id,
            other.id,
            space.id,
            other_space.id,
            project.id,
            loose.id,
            status.id,
            member.id,
            colleague.id,
            outsider.id,
        )


@dataclass
class Desk:
    """People signed in through the API around the plot: the workspace owner, a workspace viewer, and the
    owner of the workspace next door."""

    plot: Plot
    owner: Person
    viewer: Person
    outsider: Person
    anonymous: httpx.AsyncClient

    def fields(self, owner: str = "project") -> str:
        return f"{self.base(owner)}/fields"

    def types(self, owner: str = "project") -> str:
        return f"{self.base(owner)}/work-item-types"

    def base(self, owner: str) -> str:
        resource_id = {
            "workspace": self.plot.workspace_id,
            "space": self.plot.space_id,
            "project": self.plot.project_id,
            "loose": self.plot.loose_project_id,
            "next_door": self.plot.other_workspace_id,
        }[owner]
        collection = {"space": "spaces", "project": "projects", "loose": "projects"}.get(owner, "workspaces")
        return f"/api/v1/{collection}/{resource_id}"

    async def create(self, owner: str = "project", **body: Any) -> dict[str, Any]:
        answer = await self.owner.post(self.fields(owner), json={"name": "Severity", "type": "TEXT"} | body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


@pytest.fixture
async def desk(plot: Plot, town: Town) -> Desk:
    owner, viewer = await town.person("Olivia Owner"), await town.person("Vera Viewer")
    outsider = await town.person("Otto Outsider")
    async with plot.infra.db.unit_of_work() as db:
        db.add_all(
            [
                WorkspaceMember(workspace_id=plot.workspace_id, user_id=uuid.UUID(owner.id), role=WorkspaceRole.OWNER),
                WorkspaceMember(
                    workspace_id=plot.workspace_id, user_id=uuid.UUID(viewer.id), role=WorkspaceRole.WS_VIEWER
                ),
                WorkspaceMember(
                    workspace_id=plot.other_workspace_id, user_id=uuid.UUID(outsider.id), role=WorkspaceRole.OWNER
                ),
            ]
        )
        for workspace_id in (plot.workspace_id, plot.other_workspace_id):
            workspace_access_changed(db, plot.infra.cache, workspace_id)
    return Desk(plot, owner, viewer, outsider, town.anonymous)
