"""Each user's second-factor configuration, the email codes in flight, and their recovery codes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.clock import utcnow
from fairlx.core.db import Base, IdMixin, enum_column


class TwoFactorMethod(StrEnum):
    TOTP = "totp"
    EMAIL = "email"


class TwoFactorSettings(Base):
    __tablename__ = "two_factor_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(200))  # SecretBox("totp")
    totp_pending_secret_encrypted: Mapped[str | None] = mapped_column(String(200))  # during setup
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last accepted time step: a code is never accepted twice
    email_enabled_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailCodePurpose(StrEnum):
    SIGN_IN = "sign_in"
    ENABLE = "enable"


class EmailCode(IdMixin, Base):
    __tablename__ = "two_factor_email_codes"
    __table_args__ = (Index(None, "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[EmailCodePurpose] = mapped_column(enum_column(EmailCodePurpose))
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class RecoveryCode(IdMixin, Base):
    __tablename__ = "two_factor_recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
