"""People and organizations for the organization tests, made through the API the way users make them:
each person signs up on their own client (browser), and the owner builds the organization."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.support.accounts import Account, Drain, sign_up

ORGS = "/api/v1/organizations"


@dataclass
class Person:
    client: httpx.AsyncClient
    account: Account

    @property
    def id(self) -> str:
        return self.account.user_id

    @property
    def email(self) -> str:
        return self.account.email


MakePerson = Callable[[str], Awaitable[Person]]
MakeBrowser = Callable[[], httpx.AsyncClient]


@pytest_asyncio.fixture
async def browsers(app: FastAPI) -> AsyncIterator[MakeBrowser]:
    """`browsers()`: a new signed-out client (a browser of its own) on the app."""
    clients: list[httpx.AsyncClient] = []
    addresses = itertools.count(10)

    def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(f"127.0.3.{next(addresses)}", 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest_asyncio.fixture
async def people(browsers: MakeBrowser, settings: Settings, drain: Drain) -> MakePerson:
    """`await people("Grace")`: a new verified account, signed in on a browser of its own."""

    async def make(name: str) -> Person:
        client = browsers()
        account = await sign_up(client, settings, drain, f"{name.lower()}@example.com", name=name)
        return Person(client, account)

    return make


@pytest_asyncio.fixture
async def org(api: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    """ "Acme", owned by `account` (signed in on `api`)."""
    created = await api.post(ORGS, json={"name": "Acme", "size": "11-50"})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def add_member(
    api: httpx.AsyncClient, organization_id: str, person: Person, role: str = "MEMBER"
) -> dict[str, Any]:
    added = await api.post(f"{ORGS}/{organization_id}/members", json={"email": person.email, "role": role})
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    return body


async def department_with(
    api: httpx.AsyncClient, organization_id: str, name: str, keys: list[str], *members: Person
) -> str:
    """A department granting `keys`, with `members` in it; returns its id."""
    created = await api.post(f"{ORGS}/{organization_id}/departments", json={"name": name})
    assert created.status_code == 201, created.text
    department_id: str = created.json()["id"]
    granted = await api.put(
        f"{ORGS}/{organization_id}/departments/{department_id}/permissions", json={"permissions": keys}
    )
    assert granted.status_code == 200, granted.text
    for person in members:
        joined = await api.post(
            f"{ORGS}/{organization_id}/departments/{department_id}/members", json={"user_id": person.id}
        )
        assert joined.status_code == 201, joined.text
    return department_id


async def org_workspace(infra: Infrastructure, organization_id: str, *member_ids: str) -> uuid.UUID:
    """A workspace of the organization with `member_ids` as editors, written directly (its API is another
    domain's)."""
    async with infra.db.unit_of_work() as db:
        workspace = Workspace(
            name="Engineering", kind=WorkspaceKind.ORGANIZATION, organization_id=uuid.UUID(organization_id)
        )
        db.add(workspace)
        await db.flush()
        for user_id in member_ids:
            db.add(WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(user_id), role=WorkspaceRole.WS_EDITOR))
        return workspace.id


async def personal_workspace(infra: Infrastructure, owner_id: str, name: str = "My work") -> uuid.UUID:
    """A personal workspace owned by `owner_id`, written directly (its own API belongs to another domain)."""
    async with infra.db.unit_of_work() as db:
        code = uuid.uuid4().hex[:8]
        workspace = Workspace(name=name, kind=WorkspaceKind.PERSONAL, created_by=uuid.UUID(owner_id), invite_code=code)
        db.add(workspace)
        await db.flush()
        db.add(WorkspaceMember(workspace_id=workspace.id, user_id=uuid.UUID(owner_id), role=WorkspaceRole.OWNER))
        return workspace.id
