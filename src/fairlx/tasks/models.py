"""Work items (tasks), their assignees and labels, and each person's private backlog."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, JSONType, SortKey, TimestampMixin, enum_column


class Task(IdMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "number"),
        Index(None, "workspace_id", "key"),
        Index(None, "project_id", "status_id", "position"),
        Index(None, "project_id", "updated_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int]
    key: Mapped[str] = mapped_column(String(24))  # <PROJECT_KEY>-<number>; project keys never change
    type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text())
    status_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflow_statuses.id", ondelete="RESTRICT"))
    priority: Mapped[str] = mapped_column(String(30))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    epic_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    start_date: Mapped[date | None]
    due_date: Mapped[date | None]
    end_date: Mapped[date | None]
    story_points: Mapped[float | None]
    estimated_hours: Mapped[float | None]
    remaining_hours: Mapped[float | None]
    flagged: Mapped[bool] = mapped_column(default=False)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)  # field id -> value
    position: Mapped[str] = mapped_column(SortKey())  # fractional index within its status column
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Every UPDATE checks and bumps `version`: a write based on a stale read fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, when the class is mapped)


class TaskAssignee(Base):
    __tablename__ = "task_assignees"
    __table_args__ = (Index(None, "workspace_id", "user_id"),)

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class Label(IdMixin, Base):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    color: Mapped[str] = mapped_column(String(20))


class TaskLabel(Base):
    __tablename__ = "task_labels"
    __table_args__ = (Index(None, "label_id"),)

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    label_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class PersonalItemType(StrEnum):
    STORY = "STORY"
    BUG = "BUG"
    TASK = "TASK"
    EPIC = "EPIC"
    SUBTASK = "SUBTASK"
    IDEA = "IDEA"
    IMPROVEMENT = "IMPROVEMENT"


class PersonalItemStatus(StrEnum):
    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"


class PersonalItem(IdMixin, TimestampMixin, Base):
    """An item of someone's private backlog in one workspace, until it is promoted into a project."""

    __tablename__ = "personal_items"
    __table_args__ = (Index(None, "workspace_id", "user_id", "status", "position"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text())
    type: Mapped[PersonalItemType] = mapped_column(enum_column(PersonalItemType), default=PersonalItemType.TASK)
    priority: Mapped[str] = mapped_column(String(30), default="MEDIUM")
    status: Mapped[PersonalItemStatus] = mapped_column(enum_column(PersonalItemStatus), default=PersonalItemStatus.TODO)
    labels: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    due_date: Mapped[date | None]
    estimated_hours: Mapped[float | None]
    flagged: Mapped[bool] = mapped_column(default=False)
    position: Mapped[str] = mapped_column(SortKey())
    promoted_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    promoted_at: Mapped[datetime | None]
