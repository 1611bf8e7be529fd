"""Users, their server-side sessions, single-use tokens sent by mail, and the auth audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.clock import utcnow
from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column

EMAIL_LENGTH = 320
NAME_LENGTH = 120


class AccountType(StrEnum):
    PERSONAL = "PERSONAL"
    ORG = "ORG"


class ThemePreference(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    terms_version: Mapped[str | None] = mapped_column(String(40))
    terms_accepted_at: Mapped[datetime | None]
    account_type: Mapped[AccountType | None] = mapped_column(enum_column(AccountType))
    onboarded_at: Mapped[datetime | None]
    must_reset_password: Mapped[bool] = mapped_column(default=False)
    suspended_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    theme: Mapped[ThemePreference] = mapped_column(enum_column(ThemePreference), default=ThemePreference.SYSTEM)
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    # the professional profile of the original
    phone: Mapped[str | None] = mapped_column(String(40))
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    portfolio_url: Mapped[str | None] = mapped_column(String(500))
    working_domain: Mapped[str | None] = mapped_column(String(120))
    job_role: Mapped[str | None] = mapped_column(String(120))
    designation: Mapped[str | None] = mapped_column(String(120))
    tools: Mapped[list[str]] = mapped_column(JSONType(), default=list)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


class SignInMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 (a method name)
    TWO_FACTOR = "two_factor"
    MAGIC_LINK = "magic_link"
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    OAUTH = "oauth"


class UserSession(IdMixin, Base):
    """A signed-in browser. The cookie holds a random token; only its digest is stored."""

    __tablename__ = "user_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[SignInMethod] = mapped_column(enum_column(SignInMethod))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105
    MAGIC_LINK = "magic_link"
    TWO_FACTOR_CHALLENGE = "two_factor_challenge"
    FIRST_LOGIN = "first_login"


class OneTimeToken(IdMixin, Base):
    """A single-use secret with an expiry: links in mail and the 2FA challenge between password and code."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index(None, "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    ip: Mapped[str | None] = mapped_column(String(64))


class AuthEventKind(StrEnum):
    REGISTERED = "registered"
    EMAIL_VERIFIED = "email_verified"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SESSIONS_REVOKED = "sessions_revoked"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    PASSWORD_RESET = "password_reset"  # noqa: S105
    MAGIC_LINK_USED = "magic_link_used"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_FAILED = "two_factor_failed"
    TWO_FACTOR_LOCKED = "two_factor_locked"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    TOKEN_CREATED = "token_created"  # noqa: S105
    TOKEN_REVOKED = "token_revoked"  # noqa: S105
    IDENTITY_LINKED = "identity_linked"
    IDENTITY_UNLINKED = "identity_unlinked"
    ACCOUNT_DELETED = "account_deleted"


class AuthEvent(IdMixin, Base):
    """The auth audit trail: who did what to an account, from where, and when."""

    __tablename__ = "auth_events"
    __table_args__ = (Index(None, "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[AuthEventKind] = mapped_column(enum_column(AuthEventKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
