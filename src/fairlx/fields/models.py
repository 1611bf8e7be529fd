"""Custom field definitions and custom work item types. A task's values live inline in
`tasks.custom_fields`, keyed by field id."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db import Base, IdMixin, JSONType, TimestampMixin, enum_column
from fairlx.workflows.models import DefinitionScope


class FieldType(StrEnum):
    TEXT = "TEXT"
    TEXTAREA = "TEXTAREA"
    NUMBER = "NUMBER"
    DATE = "DATE"
    DATETIME = "DATETIME"
    SELECT = "SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    USER = "USER"
    USERS = "USERS"
    CHECKBOX = "CHECKBOX"
    URL = "URL"
    EMAIL = "EMAIL"
    CURRENCY = "CURRENCY"
    PERCENTAGE = "PERCENTAGE"
    LABELS = "LABELS"


class CustomField(IdMixin, TimestampMixin, Base):
    __tablename__ = "custom_fields"
    __table_args__ = (Index(None, "workspace_id", "project_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    space_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    scope: Mapped[DefinitionScope] = mapped_column(enum_column(DefinitionScope))
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(50))
    field_type: Mapped[FieldType] = mapped_column(enum_column(FieldType))
    description: Mapped[str | None] = mapped_column(String(500))
    is_required: Mapped[bool] = mapped_column(default=False)
    default_value: Mapped[Any | None] = mapped_column(JSONType())
    placeholder: Mapped[str | None] = mapped_column(String(200))
    # [{id, value, color, is_default, position}] for SELECT and MULTI_SELECT
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSONType(), default=list)
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    precision: Mapped[int | None]
    currency_code: Mapped[str | None] = mapped_column(String(3))
    applies_to_types: Mapped[list[str]] = mapped_column(JSONType(), default=list)  # empty: every type
    position: Mapped[int] = mapped_column(default=0)
    show_in_list: Mapped[bool] = mapped_column(default=True)
    show_in_card: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WorkItemType(IdMixin, TimestampMixin, Base):
    """A custom work item type beside the five system ones (EPIC, STORY, TASK, BUG, SUBTASK)."""

    __tablename__ = "work_item_types"
    __table_args__ = (Index(None, "workspace_id", "project_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    scope: Mapped[DefinitionScope] = mapped_column(enum_column(DefinitionScope))
    key: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(500))
    icon: Mapped[str | None] = mapped_column(String(40))
    color: Mapped[str | None] = mapped_column(String(20))
    default_workflow_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workflows.id", ondelete="SET NULL"))
    required_field_ids: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    allowed_parent_types: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    allowed_child_types: Mapped[list[str]] = mapped_column(JSONType(), default=list)
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]
