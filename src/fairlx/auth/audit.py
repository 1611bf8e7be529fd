"""The auth audit trail: one row per security-relevant event on an account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import AuthEvent, AuthEventKind
from fairlx.auth.sessions import ClientInfo


def record_event(
    db: AsyncSession, kind: AuthEventKind, user_id: uuid.UUID | None, client: ClientInfo | None, **detail: Any
) -> None:
    db.add(
        AuthEvent(
            user_id=user_id,
            kind=kind,
            ip=client.ip if client else None,
            user_agent=((client.user_agent or "")[:400] or None) if client else None,
            detail=detail,
        )
    )
