"""Workflows: statuses (the nodes) and the transitions allowed between them (the edges)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column


class DefinitionScope(StrEnum):
    """Where a definition (a workflow, a custom field, a work item type) applies."""

    WORKSPACE = "WORKSPACE"
    SPACE = "SPACE"
    PROJECT = "PROJECT"


class StatusType(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"


class WorkflowInheritance(StrEnum):
    """How a space's default workflow reaches the projects created in it."""

    REQUIRE = "REQUIRE"  # new projects get it and cannot change it
    SUGGEST = "SUGGEST"  # new projects get it unless they ask for another
    NONE = "NONE"


class Workflow(IdMixin, TimestampMixin, Base):
    __tablename__ = "workflows"
    __table_args__ = (Index(None, "workspace_id", "project_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    scope: Mapped[DefinitionScope] = mapped_column(enum_column(DefinitionScope))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(String(2000))
    template: Mapped[str | None] = mapped_column(String(40))  # the template it was created from
    archived_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WorkflowStatus(IdMixin, Base):
    __tablename__ = "workflow_statuses"
    __table_args__ = (UniqueConstraint("workflow_id", "key"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    workflow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(30))
    color: Mapped[str] = mapped_column(String(20))
    icon: Mapped[str | None] = mapped_column(String(40))
    status_type: Mapped[StatusType] = mapped_column(enum_column(StatusType))
    description: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)
    canvas_x: Mapped[int] = mapped_column(default=0)
    canvas_y: Mapped[int] = mapped_column(default=0)
    is_initial: Mapped[bool] = mapped_column(default=False)
    is_final: Mapped[bool] = mapped_column(default=False)


class WorkflowTransition(IdMixin, Base):
    """A move allowed from one status to another, optionally only for some roles or teams, or only for
    the members of approver teams."""

    __tablename__ = "workflow_transitions"
    __table_args__ = (UniqueConstraint("workflow_id", "from_status_id", "to_status_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    workflow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    from_status_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflow_statuses.id", ondelete="CASCADE"))
    to_status_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflow_statuses.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    allowed_roles: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    allowed_team_ids: Mapped[list[Any]] = mapped_column(JSONType(), default=list)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    approver_team_ids: Mapped[list[Any]] = mapped_column(JSONType(), default=list)
