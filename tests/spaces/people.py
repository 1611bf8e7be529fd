"""People and workspaces for the spaces and projects tests. People sign up through the API, each on
a client (browser) of their own; workspaces and their memberships are written straight into the
database (the workspace routes are tested on their own)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fairlx.core.infrastructure import Infrastructure
from fairlx.rbac.resolver import workspace_access_changed
from fairlx.settings import Settings
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.support.accounts import Drain, sign_up

_addresses = itertools.count(2)


@dataclass
class Person:
    name: str
    email: str
    id: str
    client: httpx.AsyncClient

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.client.post(url, json=json, **kwargs)

    async def patch(self, url: str, json: Any = None) -> httpx.Response:
        return await self.client.patch(url, json=json)

    async def put(self, url: str, json: Any = None) -> httpx.Response:
        return await self.client.put(url, json=json)

    async def delete(self, url: str) -> httpx.Response:
        return await self.client.delete(url)


@dataclass
class Town:
    app: FastAPI
    settings: Settings
    infra: Infrastructure
    drain: Drain
    anonymous: httpx.AsyncClient
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        address = next(_addresses) % 250 + 2
        transport = httpx.ASGITransport(app=self.app, client=(f"127.0.3.{address}", 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.clients.append(client)
        return client

    async def person(self, name: str) -> Person:
        """A verified account, signed in on its own client."""
        client = self.client()
        email = f"{name.lower().replace(' ', '.')}@example.com"
        account = await sign_up(client, self.settings, self.drain, email, name=name)
        return Person(name, email, account.user_id, client)

    async def new_workspace(
        self, owner: Person, members: dict[str, tuple[Person, WorkspaceRole]] | None = None, name: str = "Engineering"
    ) -> uuid.UUID:
        async with self.infra.db.unit_of_work() as db:
            workspace = Workspace(name=name, kind=WorkspaceKind.PERSONAL, created_by=uuid.UUID(owner.id))
            db.add(workspace)
            await db.flush()
            db.add(WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(owner.id), role=WorkspaceRole.OWNER))
            for person, role in (members or {}).values():
                db.add(WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(person.id), role=role))
            workspace_access_changed(db, self.infra.cache, workspace.id)
            return workspace.id

    async def join(self, workspace_id: uuid.UUID, person: Person, role: WorkspaceRole) -> None:
        async with self.infra.db.unit_of_work() as db:
            db.add(WorkspaceMember(workspace_id=workspace_id, user_id=uuid.UUID(person.id), role=role))
            workspace_access_changed(db, self.infra.cache, workspace_id)


@pytest.fixture
async def town(app: FastAPI, settings: Settings, infra: Infrastructure, drain: Drain) -> AsyncIterator[Town]:
    transport = httpx.ASGITransport(app=app, client=("127.0.3.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        built = Town(app, settings, infra, drain, anonymous)
        try:
            yield built
        finally:
            for client in built.clients:
                await client.aclose()


@dataclass
class Crew:
    """A workspace with an owner, an admin, an editor and a viewer, and an outsider who owns the
    workspace next door."""

    town: Town
    workspace_id: uuid.UUID
    other_workspace_id: uuid.UUID
    owner: Person
    admin: Person
    editor: Person
    viewer: Person
    outsider: Person

    @property
    def anonymous(self) -> httpx.AsyncClient:
        return self.town.anonymous


@pytest.fixture
async def crew(town: Town) -> Crew:
    owner = await town.person("Olivia Owner")
    admin = await town.person("Adam Admin")
    editor = await town.person("Eddie Editor")
    viewer = await town.person("Vera Viewer")
    outsider = await town.person("Otto Outsider")
    workspace_id = await town.new_workspace(
        owner,
        {
            "admin": (admin, WorkspaceRole.WS_ADMIN),
            "editor": (editor, WorkspaceRole.WS_EDITOR),
            "viewer": (viewer, WorkspaceRole.WS_VIEWER),
        },
    )
    other = await town.new_workspace(outsider, name="Next door")
    return Crew(town, workspace_id, other, owner, admin, editor, viewer, outsider)
