"""Programs, their members and milestones."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, TimestampMixin, enum_column


class ProgramStatus(StrEnum):
    PLANNING = "PLANNING"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class ProgramRole(StrEnum):
    LEAD = "LEAD"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"


class Program(IdMixin, TimestampMixin, Base):
    __tablename__ = "programs"
    __table_args__ = (Index(None, "workspace_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(5000))
    status: Mapped[ProgramStatus] = mapped_column(enum_column(ProgramStatus), default=ProgramStatus.PLANNING)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    color: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProgramMember(IdMixin, TimestampMixin, Base):
    __tablename__ = "program_members"
    __table_args__ = (UniqueConstraint("program_id", "user_id"), Index(None, "workspace_id", "user_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[ProgramRole] = mapped_column(enum_column(ProgramRole))


class MilestoneStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    DELAYED = "DELAYED"
    AT_RISK = "AT_RISK"


class Milestone(IdMixin, TimestampMixin, Base):
    __tablename__ = "program_milestones"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        Index(None, "program_id", "position"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    program_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(2000))
    target_date: Mapped[date | None]
    status: Mapped[MilestoneStatus] = mapped_column(enum_column(MilestoneStatus), default=MilestoneStatus.NOT_STARTED)
    progress: Mapped[int] = mapped_column(default=0)
    position: Mapped[float] = mapped_column(default=0.0)
