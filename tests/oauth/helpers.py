"""Reading what the OAuth flows left behind: the refusal page's problem code, rows, audit events."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from fairlx.auth.models import AuthEvent, User
from fairlx.core.infrastructure import Infrastructure
from fairlx.oauth.models import OAuthFlow, OAuthIdentity

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PROBLEM_CODE = re.compile(r'data-problem-code="([a-z_]+)"')


def refusal_code(response: httpx.Response) -> str:
    """The problem code the callback's refusal page shows."""
    found = PROBLEM_CODE.search(response.text)
    assert found, f"no refusal on the page (status {response.status_code}): {response.text[:500]}"
    return found.group(1)


async def users(infra: Infrastructure) -> list[User]:
    async with infra.db.unit_of_work(read_only=True) as db:
        return list(await db.scalars(select(User).order_by(User.created_at)))


async def identities(infra: Infrastructure, user_id: str | uuid.UUID | None = None) -> list[OAuthIdentity]:
    async with infra.db.unit_of_work(read_only=True) as db:
        query = select(OAuthIdentity).order_by(OAuthIdentity.created_at)
        if user_id is not None:
            query = query.where(OAuthIdentity.user_id == uuid.UUID(str(user_id)))
        return list(await db.scalars(query))


async def flows(infra: Infrastructure) -> list[OAuthFlow]:
    async with infra.db.unit_of_work(read_only=True) as db:
        return list(await db.scalars(select(OAuthFlow).order_by(OAuthFlow.created_at)))


async def events(infra: Infrastructure, user_id: str | uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    async with infra.db.unit_of_work(read_only=True) as db:
        rows = await db.scalars(
            select(AuthEvent)
            .where(AuthEvent.user_id == uuid.UUID(str(user_id)))
            .order_by(AuthEvent.created_at, AuthEvent.id)
        )
        return [(row.kind.value, row.detail) for row in rows]
