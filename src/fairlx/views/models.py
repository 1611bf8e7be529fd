"""Saved views: a named set of filters, sort, grouping and columns over a project's (or a space's, or a
workspace's) work items, kept for one person or shared."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column


class ViewScope(StrEnum):
    PERSONAL = "PERSONAL"
    PROJECT = "PROJECT"
    SPACE = "SPACE"
    WORKSPACE = "WORKSPACE"


class ViewType(StrEnum):
    KANBAN = "KANBAN"
    LIST = "LIST"
    CALENDAR = "CALENDAR"
    TIMELINE = "TIMELINE"
    BACKLOG = "BACKLOG"
    DASHBOARD = "DASHBOARD"


class SavedView(IdMixin, TimestampMixin, Base):
    __tablename__ = "saved_views"
    __table_args__ = (Index(None, "workspace_id", "project_id"), Index(None, "owner_id"))

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # PERSONAL
    scope: Mapped[ViewScope] = mapped_column(enum_column(ViewScope))
    name: Mapped[str] = mapped_column(String(100))
    view_type: Mapped[ViewType] = mapped_column(enum_column(ViewType))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType(), default=dict)  # a nested AND/OR group
    sort: Mapped[list[str]] = mapped_column(JSONType(), default=list)  # ["field", "-other"]
    group_by: Mapped[str | None] = mapped_column(String(60))
    swimlane_by: Mapped[str | None] = mapped_column(String(60))
    columns: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
