"""Request and response bodies of "My work" (the caller's items across workspaces) and of the personal
backlog."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fairlx.tasks.models import PersonalItemStatus, PersonalItemType
from fairlx.tasks.schemas import MAX_DESCRIPTION, MAX_LABELS, Hours, LabelName, Priority, TaskOut, Title, TypeKey


class Section(StrEnum):
    ASSIGNED = "assigned"  # open items assigned to me, by due date
    DUE_SOON = "due_soon"  # open items assigned to me, overdue or due within a week
    RECENT = "recent"  # items I created, last changed or am assigned to, latest change first


class ProjectRef(BaseModel):
    id: uuid.UUID
    key: str
    name: str


class WorkspaceRef(BaseModel):
    id: uuid.UUID
    name: str


class MyWorkItem(TaskOut):
    project: ProjectRef
    workspace: WorkspaceRef


class MyWorkList(BaseModel):
    section: Section
    items: list[MyWorkItem]
    next_cursor: str | None = None


# ───────────────────────── personal backlog ─────────────────────────


class BacklogFields(BaseModel):
    """What a create and an update share. On an update only the fields sent change; `null` clears."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    type: PersonalItemType | None = None
    priority: Priority | None = None
    labels: list[LabelName] | None = Field(default=None, max_length=MAX_LABELS)
    due_date: date | None = None
    estimated_hours: Hours | None = None
    flagged: bool | None = None


class BacklogItemCreate(BacklogFields):
    title: Title
    status: PersonalItemStatus = PersonalItemStatus.TODO


class BacklogItemUpdate(BacklogFields):
    title: Title | None = None
    status: PersonalItemStatus | None = None  # a change of column lands the item at its bottom


class BacklogMove(BaseModel):
    """A drag on the backlog board: into `status`, below `after_id` and above `before_id` (neither: the top)."""

    model_config = ConfigDict(extra="forbid")

    status: PersonalItemStatus
    after_id: uuid.UUID | None = None
    before_id: uuid.UUID | None = None


class BacklogPromote(BaseModel):
    """Turn the item into a work item of `project_id`; IDEA and IMPROVEMENT become TASK unless `type` says."""

    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID
    type: TypeKey | None = None


class BacklogItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workspace_id: uuid.UUID
    title: str
    description: str | None
    type: PersonalItemType
    priority: str
    status: PersonalItemStatus
    labels: list[str]
    due_date: date | None
    estimated_hours: float | None
    flagged: bool
    position: str
    promoted_task_id: uuid.UUID | None
    promoted_task_key: str | None = None
    promoted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BacklogList(BaseModel):
    items: list[BacklogItemOut]
    next_cursor: str | None = None


class PromotionOut(BaseModel):
    task_id: uuid.UUID
    task_key: str
    item: BacklogItemOut
