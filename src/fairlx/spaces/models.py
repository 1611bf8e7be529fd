"""Spaces and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, TimestampMixin, enum_column
from fairlx.workflows.models import WorkflowInheritance


class SpaceVisibility(StrEnum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


class SpaceRole(StrEnum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"


class Space(IdMixin, TimestampMixin, Base):
    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(String(2000))
    color: Mapped[str | None] = mapped_column(String(20))
    icon: Mapped[str | None] = mapped_column(String(40))
    visibility: Mapped[SpaceVisibility] = mapped_column(enum_column(SpaceVisibility), default=SpaceVisibility.PUBLIC)
    position: Mapped[float] = mapped_column(default=0.0)
    archived_at: Mapped[datetime | None]
    default_workflow_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workflows.id", ondelete="SET NULL", use_alter=True)
    )
    workflow_inheritance: Mapped[WorkflowInheritance] = mapped_column(
        enum_column(WorkflowInheritance),
        default=WorkflowInheritance.NONE,
        server_default=WorkflowInheritance.NONE.value,
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SpaceMember(IdMixin, TimestampMixin, Base):
    __tablename__ = "space_members"
    __table_args__ = (UniqueConstraint("space_id", "user_id"), Index(None, "workspace_id", "user_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    space_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[SpaceRole] = mapped_column(enum_column(SpaceRole))
