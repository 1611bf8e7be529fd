"""Projects, their roles, members, teams and direct grants."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.clock import utcnow
from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column


class BoardType(StrEnum):
    SCRUM = "SCRUM"
    KANBAN = "KANBAN"
    HYBRID = "HYBRID"


class ProjectStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


class Project(IdMixin, TimestampMixin, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("workspace_id", "key"), Index(None, "workspace_id", "space_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("spaces.id", ondelete="SET NULL"))
    program_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(10))  # task keys are <key>-<n>
    description: Mapped[str | None] = mapped_column(String(5000))
    board_type: Mapped[BoardType] = mapped_column(enum_column(BoardType), default=BoardType.KANBAN)
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.ACTIVE)
    start_date: Mapped[date | None]
    deadline: Mapped[date | None]
    color: Mapped[str | None] = mapped_column(String(20))
    image_key: Mapped[str | None] = mapped_column(String(255))
    # wip_limits, swimlane, sprint_length_days, sprint_start_day, default_assignee_id, time_tracking
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)
    position: Mapped[float] = mapped_column(default=0.0)
    # The workflow its items move through; `use_alter` because workflows can belong to a project too.
    workflow_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workflows.id", ondelete="SET NULL", use_alter=True)
    )
    workflow_locked: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # set by a space that requires its workflow
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProjectRole(IdMixin, TimestampMixin, Base):
    """A named set of project permission keys. Four defaults are created with each project and
    cannot be renamed or deleted; custom ones can."""

    __tablename__ = "project_roles"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(500))
    permissions: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    is_default: Mapped[bool] = mapped_column(default=False)
    color: Mapped[str | None] = mapped_column(String(20))


class ProjectMember(IdMixin, TimestampMixin, Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"), Index(None, "workspace_id", "user_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_roles.id", ondelete="RESTRICT"))


class ProjectTeam(IdMixin, TimestampMixin, Base):
    __tablename__ = "project_teams"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(1000))
    color: Mapped[str | None] = mapped_column(String(20))


class TeamRole(StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class ProjectTeamMember(Base):
    __tablename__ = "project_team_members"
    __table_args__ = (Index(None, "workspace_id", "user_id"),)

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole), default=TeamRole.MEMBER)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectGrant(IdMixin, Base):
    """A project permission key granted directly to one user or to one team."""

    __tablename__ = "project_grants"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="one_grantee"),
        UniqueConstraint("project_id", "permission", "user_id", "team_id"),
        Index(None, "workspace_id", "project_id"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    permission: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("project_teams.id", ondelete="CASCADE"))
    granted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
