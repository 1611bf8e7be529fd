"""People, organizations and workspaces for the workspace tests, made through the API the way people make
them: each person signs up on a client (browser) of their own."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, mails_to, sign_up, text_of

WORKSPACES = "/api/v1/workspaces"
ORGS = "/api/v1/organizations"
HTMX = {"HX-Request": "true"}
INVITATION_LINK = re.compile(r"/invitations/([A-Za-z0-9_\-]+)")


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


MakePerson = Callable[..., Awaitable[Person]]


@pytest_asyncio.fixture
async def people(app: FastAPI, settings: Settings, drain: Drain) -> AsyncIterator[MakePerson]:
    """`await people("Grace")`: a new verified account signed in on its own client; `account_type="ORG"`
    finishes onboarding's first step as an organization account."""
    clients: list[httpx.AsyncClient] = []
    addresses = itertools.count(10)

    async def make(name: str, *, account_type: str | None = None) -> Person:
        transport = httpx.ASGITransport(app=app, client=(f"127.0.4.{next(addresses)}", 50000))
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        account = await sign_up(client, settings, drain, f"{name.split(maxsplit=1)[0].lower()}@example.com", name=name)
        if account_type is not None:
            chosen = await client.post("/api/v1/auth/onboarding", json={"account_type": account_type})
            assert chosen.status_code == 200, chosen.text
        return Person(client, account)

    yield make
    for client in clients:
        await client.aclose()


async def create_workspace(person: Person, name: str = "Ada's work", **extra: Any) -> dict[str, Any]:
    created = await person.client.post(WORKSPACES, json={"name": name, **extra})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def create_org(person: Person, name: str = "Acme") -> str:
    created = await person.client.post(ORGS, json={"name": name, "size": "11-50"})
    assert created.status_code == 201, created.text
    organization_id: str = created.json()["id"]
    return organization_id


async def add_to_org(owner: Person, organization_id: str, person: Person, role: str = "MEMBER") -> None:
    added = await owner.client.post(f"{ORGS}/{organization_id}/members", json={"email": person.email, "role": role})
    assert added.status_code == 201, added.text


async def grant_org_keys(owner: Person, organization_id: str, person: Person, *keys: str) -> None:
    granted = await owner.client.put(
        f"{ORGS}/{organization_id}/members/{person.id}/permissions", json={"permissions": list(keys)}
    )
    assert granted.status_code == 200, granted.text


async def add_member(owner: Person, workspace: dict[str, Any], person: Person, role: str) -> None:
    """Into an organization's workspace, from the organization (the person must belong to it)."""
    added = await owner.client.post(
        f"{WORKSPACES}/{workspace['id']}/members/from-org", json={"user_id": person.id, "role": role}
    )
    assert added.status_code == 201, added.text


async def join_personal(owner: Person, workspace: dict[str, Any], person: Person, role: str | None = None) -> None:
    """Into a personal workspace by its join link, then (optionally) given `role` by the owner."""
    joined = await person.client.post(f"{WORKSPACES}/join/{workspace['invite_code']}")
    assert joined.status_code == 200, joined.text
    if role is not None:
        changed = await owner.client.patch(f"{WORKSPACES}/{workspace['id']}/members/{person.id}", json={"role": role})
        assert changed.status_code == 200, changed.text


def invitation_token(message: EmailMessage) -> str:
    found = INVITATION_LINK.search(text_of(message))
    assert found, f"no invitation link in: {text_of(message)!r}"
    return found.group(1)


async def invitation_mail(settings: Settings, drain: Drain, address: str) -> EmailMessage:
    await drain()
    messages = [message for message in mails_to(settings, address) if "invited you" in str(message["Subject"])]
    assert messages, f"no invitation mailed to {address}"
    return messages[-1]
