"""Single-use, expiring tokens (mail links and the 2FA challenge). Only a digest is stored; a token is
consumed with a conditional update, so two requests racing with the same link cannot both use it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import OneTimeToken, TokenPurpose
from fairlx.auth.sessions import ClientInfo
from fairlx.core.clock import utcnow
from fairlx.core.errors import Invalid
from fairlx.core.security.tokens import new_token, token_digest

LIFETIMES = {
    TokenPurpose.VERIFY_EMAIL: timedelta(hours=24),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.MAGIC_LINK: timedelta(minutes=15),
    TokenPurpose.TWO_FACTOR_CHALLENGE: timedelta(minutes=10),
    TokenPurpose.FIRST_LOGIN: timedelta(hours=24),
}


async def issue(db: AsyncSession, user_id: uuid.UUID, purpose: TokenPurpose, client: ClientInfo | None = None) -> str:
    """A new token for `purpose`; earlier unused ones of the same purpose stop working."""
    now = utcnow()
    await db.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user_id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = new_token()
    db.add(
        OneTimeToken(
            user_id=user_id,
            purpose=purpose,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            ip=client.ip if client else None,
        )
    )
    await db.flush()
    return token


async def find_live(db: AsyncSession, token: str, purpose: TokenPurpose, field: str = "token") -> OneTimeToken:
    """The unused, unexpired token, or a 422 naming `field` that says what is wrong with it."""
    row = await db.scalar(
        select(OneTimeToken).where(OneTimeToken.token_digest == token_digest(token), OneTimeToken.purpose == purpose)
    )
    if row is None:
        raise Invalid("token_invalid", field=field, detail="This link or code is not valid.")
    if row.used_at is not None:
        raise Invalid("token_used", field=field, detail="This link has already been used; ask for a new one.")
    if row.expires_at <= utcnow():
        raise Invalid("token_expired", field=field, detail="This link has expired; ask for a new one.")
    return row


async def consume(db: AsyncSession, token: str, purpose: TokenPurpose, field: str = "token") -> OneTimeToken:
    """Use the token up; refused when it is unknown, used or expired (or used meanwhile by a racer)."""
    row = await find_live(db, token, purpose, field)
    used = await db.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Invalid("token_used", field=field, detail="This link has already been used; ask for a new one.")
    return row
