"""Who is asking: the session cookie or an `Authorization: Bearer` API token, resolved to an `Actor`.

Resolution runs once per request (cached on the request) and answers from the cache when warm. A
session idle for more than a day has its expiry slid forward in a short transaction of its own once the
request's has committed (on SQLite a second writer inside the first would wait on its lock), and the
refreshed cookie is sent back by `SessionCookieMiddleware`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from fairlx.apitokens.service import find_api_token, remember_use
from fairlx.auth import sessions
from fairlx.auth.sessions import SESSION_COOKIE, ClientInfo, UserSnapshot
from fairlx.core.infrastructure import Infrastructure

BEARER_PREFIX = "bearer "
ACTOR_STATE = "fairlx_actor"
REFRESHED_COOKIE_STATE = "fairlx_refreshed_session"


class Lifecycle(StrEnum):
    """Where an account stands; pages route by it (`GET /api/v1/auth/me`)."""

    EMAIL_UNVERIFIED = "EMAIL_UNVERIFIED"
    MUST_RESET_PASSWORD = "MUST_RESET_PASSWORD"  # noqa: S105 (a state name)
    ONBOARDING = "ONBOARDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@dataclass(frozen=True)
class Actor:
    user: UserSnapshot
    session_id: uuid.UUID | None = None  # signed in with the cookie
    token_id: uuid.UUID | None = None  # or with a personal API token

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def lifecycle(self) -> Lifecycle:
        return lifecycle_of(self.user)


def lifecycle_of(user: UserSnapshot) -> Lifecycle:
    if user.suspended:
        return Lifecycle.SUSPENDED
    if not user.email_verified:
        return Lifecycle.EMAIL_UNVERIFIED
    if user.must_reset_password:
        return Lifecycle.MUST_RESET_PASSWORD
    if not user.onboarded:
        return Lifecycle.ONBOARDING
    return Lifecycle.ACTIVE


@dataclass(frozen=True)
class RefreshedCookie:
    token: str
    expires_at: datetime


def client_info(connection: HTTPConnection) -> ClientInfo:
    """The client's address (already taken from trusted proxy headers by the server) and user agent."""
    host = connection.client.host if connection.client else None
    return ClientInfo(ip=host, user_agent=connection.headers.get("user-agent"))


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX:
        return None
    return header[len(BEARER_PREFIX) :].strip() or None


async def resolve_actor(connection: HTTPConnection, infra: Infrastructure, db: AsyncSession) -> Actor | None:
    """The request's actor, or None when it carries no valid credential. A bearer token, when sent,
    wins over the cookie."""
    if ACTOR_STATE in connection.scope.setdefault("state", {}):
        resolved: Actor | None = connection.scope["state"][ACTOR_STATE]
        return resolved
    if token := bearer_token(connection):  # a bad token is refused, never traded for the cookie
        actor = await _from_token(infra, db, token)
    elif cookie := connection.cookies.get(SESSION_COOKIE):
        actor = await _from_cookie(connection, infra, db, cookie)
    else:
        actor = None
    if actor is not None and actor.user.deleted:
        actor = None
    connection.scope["state"][ACTOR_STATE] = actor
    return actor


async def _from_token(infra: Infrastructure, db: AsyncSession, token: str) -> Actor | None:
    found = await find_api_token(db, infra.cache, token)
    if found is None:
        return None
    remember_use(db, infra.db, infra.cache, found)
    snapshot = await sessions.user_snapshot(db, infra.cache, found.user_id)
    return Actor(snapshot, token_id=found.token_id) if snapshot else None


async def _from_cookie(connection: HTTPConnection, infra: Infrastructure, db: AsyncSession, token: str) -> Actor | None:
    record = await sessions.find_session(db, infra.cache, token)
    if record is None:
        return None
    snapshot = await sessions.user_snapshot(db, infra.cache, record.user_id)
    if snapshot is None:
        return None
    if sessions.needs_sliding(record):
        expires_at = sessions.slide_after_commit(db, infra, token, record)
        connection.scope["state"][REFRESHED_COOKIE_STATE] = RefreshedCookie(token, expires_at)
    return Actor(snapshot, session_id=record.session_id)
