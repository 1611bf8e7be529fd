"""Request and response bodies of the work items API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

MAX_DESCRIPTION = 65_000
MAX_BULK = 200
MAX_ASSIGNEES = 20
MAX_LABELS = 20

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# Keys are written in capitals; `story` and `Story` mean STORY.
TypeKey = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,29}$")]
PriorityKey = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,29}$")]
LabelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Color = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")]
Points = Annotated[float, Field(ge=0, le=100)]
Hours = Annotated[float, Field(ge=0, le=100_000)]


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TaskFields(BaseModel):
    """What a create and an update share. On an update only the fields sent change; `null` clears."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    priority: PriorityKey | None = None
    labels: list[LabelName] | None = Field(default=None, max_length=MAX_LABELS)
    assignee_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_ASSIGNEES)
    epic_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    start_date: date | None = None
    due_date: date | None = None
    end_date: date | None = None
    story_points: Points | None = None
    estimated_hours: Hours | None = None
    remaining_hours: Hours | None = None
    flagged: bool | None = None
    custom_fields: dict[str, Any] | None = Field(default=None, max_length=200)


class TaskCreate(TaskFields):
    title: Title
    type: TypeKey = "TASK"
    status_id: uuid.UUID | None = None  # an initial status of the workflow; the first initial one by default


class TaskUpdate(TaskFields):
    title: Title | None = None
    type: TypeKey | None = None
    status_id: uuid.UUID | None = None  # a move through the workflow's transitions

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class TaskMove(BaseModel):
    """A board move: into `status_id` (a transition when it differs), between two cards of that column.
    `after_id` is the card it lands below (none: the top), `before_id` the one it lands above."""

    model_config = ConfigDict(extra="forbid")

    status_id: uuid.UUID
    after_id: uuid.UUID | None = None
    before_id: uuid.UUID | None = None


class TaskSplit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    titles: list[Title] = Field(min_length=2, max_length=20)


class TaskClone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None  # "<title> (copy)" by default


class BulkAction(StrEnum):
    UPDATE = "update"
    MOVE = "move"
    DELETE = "delete"


class BulkRequest(BaseModel):
    """One change applied to many tasks, all or nothing. `update` sets `changes` on each, `move` sends
    each to `status_id` (through the workflow), `delete` moves them to the trash."""

    model_config = ConfigDict(extra="forbid")

    action: BulkAction
    task_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)
    changes: TaskUpdate | None = None
    status_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _needs_its_arguments(self) -> BulkRequest:
        if self.action is BulkAction.UPDATE and not (self.changes and self.changes.changes()):
            raise ValueError("an update needs `changes`")
        if self.action is BulkAction.MOVE and self.status_id is None:
            raise ValueError("a move needs `status_id`")
        return self


class LabelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LabelName
    color: Color = "#64748b"


class LabelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LabelName | None = None
    color: Color | None = None


class LabelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    color: str


class LabelList(BaseModel):
    items: list[LabelOut]


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str
    avatar_url: str | None


class StatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str
    color: str
    status_type: str


class TaskOut(BaseModel):
    id: uuid.UUID
    key: str
    number: int
    workspace_id: uuid.UUID
    project_id: uuid.UUID
    type: str
    title: str
    status: StatusOut
    priority: str
    labels: list[LabelOut]
    assignees: list[PersonOut]
    reporter_id: uuid.UUID | None
    epic_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    start_date: date | None
    due_date: date | None
    end_date: date | None
    story_points: float | None
    estimated_hours: float | None
    remaining_hours: float | None
    flagged: bool
    custom_fields: dict[str, Any]  # by field key
    position: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class TaskDetailOut(TaskOut):
    description: str | None
    description_html: str  # the Markdown rendered and sanitised


class TaskList(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None = None
    total: int


class BulkResult(BaseModel):
    action: BulkAction
    items: list[TaskOut]


class SplitResult(BaseModel):
    items: list[TaskOut]


# Lanes of a board: none, a built-in field, or a custom field (`cf.<key>`).
SWIMLANE_PATTERN = r"^(none|assignee|epic|type|priority|cf\.[a-z][a-z0-9_]{0,49})$"


class BoardColumnOut(BaseModel):
    status: StatusOut
    wip_limit: int | None
    count: int  # every matching card in the column, beyond those sent
    over_limit: bool
    cards: list[TaskOut]
    next_cursor: str | None


class SwimlaneOut(BaseModel):
    key: str
    title: str
    task_ids: list[uuid.UUID]


class BoardOut(BaseModel):
    project_id: uuid.UUID
    workflow_id: uuid.UUID
    columns: list[BoardColumnOut]
    swimlane_by: str
    swimlanes: list[SwimlaneOut]
    allowed_moves: dict[str, list[uuid.UUID]]  # status id -> statuses the caller may move a card to
    version: Literal[1] = 1
