"""Second factors: TOTP (RFC 6238), one-time codes by email, and recovery codes."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.twofactor.models import TwoFactorMethod, TwoFactorSettings


async def enabled_methods(db: AsyncSession, user_id: uuid.UUID) -> list[TwoFactorMethod]:
    """The second factors a user has turned on, TOTP first (it is preferred at sign-in)."""
    settings = await db.get(TwoFactorSettings, user_id)
    if settings is None:
        return []
    methods = []
    if settings.totp_enabled_at is not None:
        methods.append(TwoFactorMethod.TOTP)
    if settings.email_enabled_at is not None:
        methods.append(TwoFactorMethod.EMAIL)
    return methods
