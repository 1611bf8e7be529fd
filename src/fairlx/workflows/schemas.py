"""Request and response bodies of the workflows API: workflows, their statuses and transitions, the
validation report, the templates, and the project and space workflow settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fairlx.workflows.models import DefinitionScope, StatusType, WorkflowInheritance
from fairlx.workflows.templates import TemplateKey

MAX_STATUSES = 50
MAX_TRANSITIONS = MAX_STATUSES * (MAX_STATUSES - 1)
MAX_RULE_ENTRIES = 50

WorkflowName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
StatusName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
WorkflowKey = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z][A-Za-z0-9_]{0,29}$")
]
Color = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
TransitionName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Coordinate = Annotated[int, Field(ge=-100_000, le=100_000)]
Position = Annotated[int, Field(ge=0, le=10_000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WorkflowCreate(Body):
    """An empty workflow, or a copy of a template's statuses and transitions."""

    name: WorkflowName
    key: WorkflowKey | None = None  # made from the name when left out
    description: Description | None = None
    template: TemplateKey | None = None


class WorkflowUpdate(Body):
    name: WorkflowName | None = None
    key: WorkflowKey | None = None
    description: Description | None = None
    archived: bool | None = None


class WorkflowClone(Body):
    name: WorkflowName | None = None  # "<name> (copy)" when left out


class StatusCreate(Body):
    name: StatusName
    key: WorkflowKey | None = None  # made from the name when left out
    color: Color = "#64748b"
    icon: str | None = Field(default=None, max_length=40)
    status_type: StatusType = StatusType.OPEN
    description: ShortText | None = None
    position: Position | None = None  # after the last one when left out
    canvas_x: Coordinate = 0
    canvas_y: Coordinate = 0
    is_initial: bool = False
    is_final: bool = False


class StatusUpdate(Body):
    name: StatusName | None = None
    key: WorkflowKey | None = None
    color: Color | None = None
    icon: str | None = Field(default=None, max_length=40)
    status_type: StatusType | None = None
    description: ShortText | None = None
    position: Position | None = None
    canvas_x: Coordinate | None = None
    canvas_y: Coordinate | None = None
    is_initial: bool | None = None
    is_final: bool | None = None


class StatusReorder(Body):
    """Every status of the workflow, in the new order."""

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_STATUSES)


class TransitionRulesIn(Body):
    name: TransitionName | None = None
    description: ShortText | None = None
    allowed_roles: list[RoleName] = Field(default_factory=list, max_length=MAX_RULE_ENTRIES)
    allowed_team_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RULE_ENTRIES)
    requires_approval: bool = False
    approver_team_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RULE_ENTRIES)


class TransitionCreate(TransitionRulesIn):
    from_status_id: uuid.UUID
    to_status_id: uuid.UUID


class TransitionUpdate(Body):
    name: TransitionName | None = None
    description: ShortText | None = None
    allowed_roles: list[RoleName] | None = Field(default=None, max_length=MAX_RULE_ENTRIES)
    allowed_team_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_RULE_ENTRIES)
    requires_approval: bool | None = None
    approver_team_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_RULE_ENTRIES)


class ProjectWorkflowSwitch(Body):
    workflow_id: uuid.UUID
    status_mapping: dict[uuid.UUID, uuid.UUID] = Field(default_factory=dict, max_length=MAX_STATUSES)


class SpaceWorkflowSettings(Body):
    default_workflow_id: uuid.UUID | None
    inheritance: WorkflowInheritance


# ───────────────────────── responses ─────────────────────────


class StatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    key: str
    color: str
    icon: str | None
    status_type: StatusType
    description: str | None
    position: int
    canvas_x: int
    canvas_y: int
    is_initial: bool
    is_final: bool


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_status_id: uuid.UUID
    to_status_id: uuid.UUID
    name: str | None
    description: str | None
    allowed_roles: list[str]
    allowed_team_ids: list[uuid.UUID]
    requires_approval: bool
    approver_team_ids: list[uuid.UUID]


class WorkflowOut(BaseModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    space_id: uuid.UUID | None
    project_id: uuid.UUID | None
    name: str
    key: str
    description: str | None
    scope: DefinitionScope
    template: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    statuses: list[StatusOut]
    transitions: list[TransitionOut]


class WorkflowList(BaseModel):
    items: list[WorkflowOut]
    next_cursor: str | None = None


class IssueOut(BaseModel):
    code: str  # orphaned, unreachable, dead_end, missing_initial, missing_final
    message: str
    status_ids: list[uuid.UUID]


class ValidationOut(BaseModel):
    valid: bool
    issues: list[IssueOut]


class AllowedTransitionsOut(BaseModel):
    from_status_id: uuid.UUID
    items: list[StatusOut]


class TemplateStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    color: str
    icon: str
    status_type: StatusType
    canvas_x: int
    canvas_y: int
    is_initial: bool
    is_final: bool


class TemplateTransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_key: str
    to_key: str
    name: str | None


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: TemplateKey
    name: str
    description: str
    statuses: list[TemplateStatusOut]
    transitions: list[TemplateTransitionOut]


class TemplateList(BaseModel):
    items: list[TemplateOut]


class ProjectWorkflowOut(BaseModel):
    project_id: uuid.UUID
    workflow_id: uuid.UUID
    workflow_locked: bool
    moved_tasks: int


class SpaceWorkflowOut(BaseModel):
    space_id: uuid.UUID
    default_workflow_id: uuid.UUID | None
    inheritance: WorkflowInheritance
