"""Workspaces, their members and invitations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.clock import utcnow
from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column


class WorkspaceKind(StrEnum):
    PERSONAL = "PERSONAL"
    ORGANIZATION = "ORGANIZATION"


class WorkspaceRole(StrEnum):
    OWNER = "OWNER"
    WS_ADMIN = "WS_ADMIN"
    WS_EDITOR = "WS_EDITOR"
    WS_VIEWER = "WS_VIEWER"


WORKSPACE_ROLE_RANK = {
    WorkspaceRole.OWNER: 4,
    WorkspaceRole.WS_ADMIN: 3,
    WorkspaceRole.WS_EDITOR: 2,
    WorkspaceRole.WS_VIEWER: 1,
}


class UiMode(StrEnum):
    SIMPLE = "SIMPLE"
    ADVANCED = "ADVANCED"


class Workspace(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"
    __table_args__ = (Index(None, "organization_id"),)

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[WorkspaceKind] = mapped_column(enum_column(WorkspaceKind))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invite_code: Mapped[str | None] = mapped_column(String(16), unique=True)  # personal workspaces only
    ui_mode: Mapped[UiMode] = mapped_column(enum_column(UiMode), default=UiMode.SIMPLE)
    features: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    image_key: Mapped[str | None] = mapped_column(String(255))
    deleted_at: Mapped[datetime | None]


class WorkspaceMember(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspace_members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"), Index(None, "user_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[WorkspaceRole] = mapped_column(enum_column(WorkspaceRole))


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    REVOKED = "REVOKED"


class Invitation(IdMixin, Base):
    """An email invitation to a workspace with a role; the token in the mail is stored as a digest."""

    __tablename__ = "workspace_invitations"
    __table_args__ = (Index(None, "workspace_id", "status"), Index(None, "email"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[WorkspaceRole] = mapped_column(enum_column(WorkspaceRole))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(enum_column(InvitationStatus), default=InvitationStatus.PENDING)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
