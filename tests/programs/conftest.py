"""A workspace with people in each workspace role, signed up through the API on their own clients,
and a second workspace next door; projects are written straight into the database with their four
default roles, the way the projects domain makes them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fairlx.core.infrastructure import Infrastructure
from fairlx.programs.models import ProgramMember, ProgramRole
from fairlx.projects.models import Project, ProjectMember, ProjectRole, ProjectStatus
from fairlx.rbac.permissions import PROJECT_DEFAULT_ROLES
from fairlx.rbac.resolver import workspace_access_changed
from fairlx.settings import Settings
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.support.accounts import Account, Drain, sign_up

_addresses = itertools.count(10)


@dataclass
class Person:
    client: httpx.AsyncClient
    account: Account

    @property
    def id(self) -> str:
        return self.account.user_id


@dataclass
class Team:
    workspace_id: uuid.UUID
    other_workspace_id: uuid.UUID
    owner: Person  # OWNER of the workspace
    editor: Person  # WS_EDITOR
    viewer: Person  # WS_VIEWER
    outsider: Person  # OWNER of the other workspace only
    anonymous: httpx.AsyncClient

    async def create_program(self, who: Person | None = None, **fields: Any) -> dict[str, Any]:
        answer = await (who or self.owner).client.post(
            f"/api/v1/workspaces/{self.workspace_id}/programs", json={"name": "Launch", **fields}
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


def client_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(f"127.0.2.{next(_addresses) % 250 + 2}", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def team(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, infra: Infrastructure, drain: Drain
) -> AsyncIterator[Team]:
    clients = [client_for(app) for _ in range(4)]
    try:
        owner = Person(api, await sign_up(api, settings, drain, "olivia@example.com", name="Olivia Owner"))
        editor = Person(
            clients[0], await sign_up(clients[0], settings, drain, "eddie@example.com", name="Eddie Editor")
        )
        viewer = Person(clients[1], await sign_up(clients[1], settings, drain, "vera@example.com", name="Vera Viewer"))
        outsider = Person(
            clients[2], await sign_up(clients[2], settings, drain, "otto@example.com", name="Otto Outsider")
        )
        async with infra.db.unit_of_work() as db:
            workspace = Workspace(name="Engineering", kind=WorkspaceKind.PERSONAL, created_by=uuid.UUID(owner.id))
            other = Workspace(name="Next door", kind=WorkspaceKind.PERSONAL, created_by=uuid.UUID(outsider.id))
            db.add_all([workspace, other])
            await db.flush()
            for person, role in ((owner, WorkspaceRole.OWNER), (editor, WorkspaceRole.WS_EDITOR)):
                db.add(WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(person.id), role=role))
            db.add(
                WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(viewer.id), role=WorkspaceRole.WS_VIEWER)
            )
            db.add(WorkspaceMember(workspace_id=other.id, user_id=uuid.UUID(outsider.id), role=WorkspaceRole.OWNER))
        yield Team(workspace.id, other.id, owner, editor, viewer, outsider, clients[3])
    finally:
        for client in clients:
            await client.aclose()


async def add_project(
    infra: Infrastructure,
    workspace_id: uuid.UUID,
    key: str,
    *,
    roles: dict[str, str] | None = None,
    status: ProjectStatus = ProjectStatus.ACTIVE,
    program_id: str | uuid.UUID | None = None,
) -> str:
    """A project with its default roles; `roles` maps user ids to one of OWNER, ADMIN, MEMBER, VIEWER."""
    async with infra.db.unit_of_work() as db:
        project = Project(
            workspace_id=workspace_id,
            name=f"Project {key}",
            key=key,
            status=status,
            program_id=uuid.UUID(str(program_id)) if program_id else None,
        )
        db.add(project)
        await db.flush()
        by_name = {
            name: ProjectRole(
                workspace_id=workspace_id, project_id=project.id, name=name, permissions=sorted(keys), is_default=True
            )
            for name, keys in PROJECT_DEFAULT_ROLES.items()
        }
        db.add_all(by_name.values())
        await db.flush()
        for user_id, role in (roles or {}).items():
            db.add(
                ProjectMember(
                    workspace_id=workspace_id,
                    project_id=project.id,
                    user_id=uuid.UUID(user_id),
                    role_id=by_name[role].id,
                )
            )
        workspace_access_changed(db, infra.cache, workspace_id)
        return str(project.id)


async def set_program_role(infra: Infrastructure, program: dict[str, Any], user_id: str, role: ProgramRole) -> None:
    """A program membership written directly (the API's own rules are tested on the API)."""
    async with infra.db.unit_of_work() as db:
        db.add(
            ProgramMember(
                workspace_id=uuid.UUID(program["workspace_id"]),
                program_id=uuid.UUID(program["id"]),
                user_id=uuid.UUID(user_id),
                role=role,
            )
        )
        workspace_access_changed(db, infra.cache, uuid.UUID(program["workspace_id"]))
