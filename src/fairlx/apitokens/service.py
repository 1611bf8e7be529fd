"""Create, list, revoke and resolve personal API tokens. A token is `fx_` plus 43 random characters;
only its SHA-256 digest is stored, and resolving one reads the cache first. When a token was used is
recorded at most every few minutes, after the request's own transaction, so a warm request runs no SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.apitokens.models import ApiToken
from fairlx.auth.audit import record_event
from fairlx.auth.models import AuthEventKind
from fairlx.auth.sessions import ClientInfo
from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.db import Database, after_commit
from fairlx.core.errors import Conflict, Invalid, NotFound
from fairlx.core.security.tokens import new_token, token_digest

TOKEN_PREFIX = "fx_"  # noqa: S105 (a prefix, not a secret)
HINT_LENGTH = 8
MAX_TOKENS_PER_USER = 50
CACHE_TTL_SECONDS = 300
MISSING = "none"
USE_RECORDED_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class ResolvedToken:
    token_id: uuid.UUID
    user_id: uuid.UUID
    last_used_at: datetime | None = None
    digest: str = ""


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once


def cache_key(digest: str) -> str:
    return f"api-token:{digest}"


async def find_api_token(db: AsyncSession, cache: Cache, secret: str) -> ResolvedToken | None:
    """The live token behind a bearer secret. Unknown secrets are cached as misses too, so guessing
    costs no database work either."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = token_digest(secret)
    cached = await cache.get_json(cache_key(digest))
    if cached is None:
        row = await db.scalar(select(ApiToken).where(ApiToken.token_digest == digest))
        cached = _cache_entry(row)
        await cache.set_json(cache_key(digest), cached, CACHE_TTL_SECONDS)
    if cached == MISSING or (cached["expires_at"] and datetime.fromisoformat(cached["expires_at"]) <= utcnow()):
        return None
    last_used_at = cached.get("last_used_at")
    return ResolvedToken(
        uuid.UUID(cached["token_id"]),
        uuid.UUID(cached["user_id"]),
        datetime.fromisoformat(last_used_at) if last_used_at else None,
        digest,
    )


def remember_use(db: AsyncSession, database: Database, cache: Cache, token: ResolvedToken) -> None:
    """Record that `token` was used, unless that was done in the last few minutes: once the request's
    unit of work (`db`) commits, in a short transaction of its own (so no request holds a write for it).
    The cache entry is dropped rather than rewritten, so a revocation in between can never be undone."""
    if token.last_used_at is not None and utcnow() - token.last_used_at < USE_RECORDED_EVERY:
        return

    async def record() -> None:
        async with database.unit_of_work() as writer:
            await writer.execute(
                update(ApiToken)
                .where(ApiToken.id == token.token_id, ApiToken.revoked_at.is_(None))
                .values(last_used_at=utcnow())
            )
        await cache.delete(cache_key(token.digest))

    after_commit(db, record)


def _cache_entry(row: ApiToken | None) -> dict[str, str | None] | str:
    if row is None or row.revoked_at is not None:
        return MISSING
    return {
        "token_id": str(row.id),
        "user_id": str(row.user_id),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
    }


async def create_token(
    db: AsyncSession, user_id: uuid.UUID, name: str, expires_at: datetime | None, client: ClientInfo
) -> CreatedToken:
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("expiry_in_past", field="expires_at", detail="The expiry must be in the future.")
    live = await db.scalar(
        select(func.count()).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).select_from(ApiToken)
    )
    if (live or 0) >= MAX_TOKENS_PER_USER:
        raise Conflict("too_many_tokens", detail=f"An account holds at most {MAX_TOKENS_PER_USER} API tokens.")
    secret = new_token(TOKEN_PREFIX)
    token = ApiToken(
        user_id=user_id,
        name=name,
        token_digest=token_digest(secret),
        hint=secret[: len(TOKEN_PREFIX) + HINT_LENGTH],
        expires_at=expires_at,
    )
    db.add(token)
    await db.flush()
    record_event(db, AuthEventKind.TOKEN_CREATED, user_id, client, token_id=str(token.id), name=name)
    return CreatedToken(token, secret)


async def list_tokens(db: AsyncSession, user_id: uuid.UUID) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
        .limit(MAX_TOKENS_PER_USER)
    )
    return list(await db.scalars(query))


async def revoke_token(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, token_id: uuid.UUID, client: ClientInfo | None
) -> ApiToken:
    token = await db.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )
    if token is None:
        raise NotFound("token_not_found", detail="No such API token.")
    token.revoked_at = utcnow()
    record_event(db, AuthEventKind.TOKEN_REVOKED, user_id, client, token_id=str(token.id))
    digest = token.token_digest
    after_commit(db, lambda: cache.delete(cache_key(digest)))
    return token


async def revoke_all_tokens(db: AsyncSession, cache: Cache, user_id: uuid.UUID) -> None:
    for token in await list_tokens(db, user_id):
        await revoke_token(db, cache, user_id, token.id, None)
