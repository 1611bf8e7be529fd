"""Linked provider identities, and the state of each authorization flow in progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.clock import utcnow
from fairlx.core.db import Base, IdMixin, enum_column


class Provider(StrEnum):
    GOOGLE = "google"
    GITHUB = "github"


class OAuthIdentity(IdMixin, Base):
    __tablename__ = "oauth_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"), UniqueConstraint("user_id", "provider"))

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[Provider] = mapped_column(enum_column(Provider))
    subject: Mapped[str] = mapped_column(String(255))  # the provider's stable user id
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class FlowIntent(StrEnum):
    SIGN_IN = "sign_in"
    LINK = "link"


class OAuthFlow(IdMixin, Base):
    """One authorization request: its `state` (stored hashed), the PKCE verifier (encrypted), the
    browser it belongs to, and what to do when the provider sends the user back. Used once."""

    __tablename__ = "oauth_flows"

    state_digest: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[Provider] = mapped_column(enum_column(Provider))
    intent: Mapped[FlowIntent] = mapped_column(enum_column(FlowIntent))
    code_verifier_encrypted: Mapped[str] = mapped_column(String(300))
    nonce: Mapped[str] = mapped_column(String(100))
    browser_digest: Mapped[str] = mapped_column(String(64))  # digest of the browser-binding cookie
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # linking
    return_to: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
