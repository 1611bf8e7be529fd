"""Server-side sessions and the signed-in principal.

The `fairlx-session` cookie carries a random token; the database keeps its digest. Resolving a cookie
reads the cache first (`session:<digest>` and `user:<id>`), so a warm request runs no SQL for who is
asking. Anything that ends a session or changes what the snapshot holds drops those entries once its
transaction commits.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import AccountType, SignInMethod, User, UserSession
from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.db import after_commit
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.security.tokens import new_token, token_digest

SESSION_COOKIE = "fairlx-session"
SESSION_LIFETIME = timedelta(days=30)
SLIDE_AFTER = timedelta(days=1)  # the expiry moves forward at most once a day per session
CACHE_TTL_SECONDS = 300


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, for sessions and the audit trail."""

    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class UserSnapshot:
    """What every request needs to know about the signed-in user, cached beside the session."""

    id: uuid.UUID
    email: str
    name: str
    theme: str
    avatar_key: str | None
    email_verified: bool
    has_password: bool
    account_type: str | None
    onboarded: bool
    must_reset_password: bool
    suspended: bool
    deleted: bool

    @classmethod
    def of(cls, user: User) -> UserSnapshot:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            theme=user.theme.value,
            avatar_key=user.avatar_key,
            email_verified=user.email_verified_at is not None,
            has_password=user.has_password,
            account_type=user.account_type.value if user.account_type else None,
            onboarded=user.onboarded_at is not None,
            must_reset_password=user.must_reset_password,
            suspended=user.suspended_at is not None,
            deleted=user.deleted_at is not None,
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"id": str(self.id)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserSnapshot:
        return cls(**(data | {"id": uuid.UUID(data["id"])}))

    @property
    def is_personal(self) -> bool:
        return self.account_type == AccountType.PERSONAL.value


@dataclass(frozen=True)
class SessionRecord:
    session_id: uuid.UUID
    user_id: uuid.UUID
    expires_at: datetime
    last_seen_at: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "session_id": str(self.session_id),
            "user_id": str(self.user_id),
            "expires_at": self.expires_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> SessionRecord:
        return cls(
            session_id=uuid.UUID(data["session_id"]),
            user_id=uuid.UUID(data["user_id"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            last_seen_at=datetime.fromisoformat(data["last_seen_at"]),
        )

    @classmethod
    def of(cls, row: UserSession) -> SessionRecord:
        return cls(row.id, row.user_id, row.expires_at, row.last_seen_at)


@dataclass(frozen=True)
class IssuedSession:
    """A new session; `token` goes into the cookie and exists nowhere else."""

    session_id: uuid.UUID
    token: str
    expires_at: datetime


def session_key(digest: str) -> str:
    return f"session:{digest}"


def user_key(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


async def start_session(db: AsyncSession, user: User, method: SignInMethod, client: ClientInfo) -> IssuedSession:
    token = new_token()
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_digest=token_digest(token),
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
        ip=client.ip,
        user_agent=(client.user_agent or "")[:400] or None,
    )
    db.add(row)
    await db.flush()
    return IssuedSession(row.id, token, row.expires_at)


async def find_session(db: AsyncSession, cache: Cache, token: str) -> SessionRecord | None:
    """The live session behind a cookie token, from the cache when warm."""
    digest = token_digest(token)
    cached = await cache.get_json(session_key(digest))
    if cached is not None:
        record = SessionRecord.from_json(cached)
    else:
        row = await db.scalar(select(UserSession).where(UserSession.token_digest == digest))
        if row is None:
            return None
        record = SessionRecord.of(row)
        await cache.set_json(session_key(digest), record.as_json(), CACHE_TTL_SECONDS)
    return record if record.expires_at > utcnow() else None


async def user_snapshot(db: AsyncSession, cache: Cache, user_id: uuid.UUID) -> UserSnapshot | None:
    cached = await cache.get_json(user_key(user_id))
    if cached is not None:
        return UserSnapshot.from_json(cached)
    user = await db.get(User, user_id)
    if user is None:
        return None
    snapshot = UserSnapshot.of(user)
    await cache.set_json(user_key(user_id), snapshot.as_json(), CACHE_TTL_SECONDS)
    return snapshot


def needs_sliding(record: SessionRecord) -> bool:
    return utcnow() - record.last_seen_at >= SLIDE_AFTER


def slide_after_commit(db: AsyncSession, infra: Infrastructure, token: str, record: SessionRecord) -> datetime:
    """Move the expiry 30 days past now, once the request's unit of work (`db`) has committed, in a
    short transaction of its own; returns the new expiry for the cookie."""
    now = utcnow()
    expires_at = now + SESSION_LIFETIME

    async def slide() -> None:
        async with infra.db.unit_of_work() as writer:
            await writer.execute(
                update(UserSession)
                .where(UserSession.id == record.session_id)
                .values(last_seen_at=now, expires_at=expires_at)
            )
        await infra.cache.delete(session_key(token_digest(token)))

    after_commit(db, slide)
    return expires_at


async def end_sessions(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, *, only: uuid.UUID | None = None, keep: uuid.UUID | None = None
) -> int:
    """End one of a user's sessions (`only`), or all of them but `keep`; returns how many ended."""
    query = select(UserSession.id, UserSession.token_digest).where(UserSession.user_id == user_id)
    if only is not None:
        query = query.where(UserSession.id == only)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    ended = (await db.execute(query)).all()
    if not ended:
        return 0
    await db.execute(delete(UserSession).where(UserSession.id.in_([session_id for session_id, _ in ended])))
    keys = [session_key(digest) for _, digest in ended]

    async def forget() -> None:
        for key in keys:
            await cache.delete(key)

    after_commit(db, forget)
    return len(ended)


def forget_user(db: AsyncSession, cache: Cache, user_id: uuid.UUID) -> None:
    """The user row changed: drop its cached snapshot once the change commits."""
    after_commit(db, lambda: cache.delete(user_key(user_id)))
