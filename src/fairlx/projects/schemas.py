"""Request and response bodies of the projects routes: projects and their settings, roles, members,
teams and grants."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fairlx.projects.models import BoardType, ProjectStatus, TeamRole
from fairlx.spaces.schemas import Color, Description, Key, blank_is_none, refuse_nulls
from fairlx.workflows.templates import TemplateKey

Swimlane = Literal["assignee", "epic", "type", "priority", "none"]
SWIMLANES: tuple[Swimlane, ...] = ("assignee", "epic", "type", "priority", "none")
MAX_WIP_COLUMNS = 50
MAX_KEYS = 100

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
StatusName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ShortText = Annotated[
    str | None, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(blank_is_none)
]
LongText = Annotated[
    str | None, StringConstraints(strip_whitespace=True, max_length=5000), AfterValidator(blank_is_none)
]
PermissionKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
PermissionKeys = Annotated[list[PermissionKey], Field(max_length=MAX_KEYS)]


class ProjectSettings(BaseModel):
    """The board settings of a project, stored as JSON on it."""

    model_config = ConfigDict(extra="forbid")

    wip_limits: Annotated[
        dict[StatusName, Annotated[int, Field(ge=0, le=10_000)]], Field(max_length=MAX_WIP_COLUMNS)
    ] = Field(default_factory=dict)
    swimlane: Swimlane = "none"
    sprint_length_days: Annotated[int, Field(ge=1, le=60)] = 14
    sprint_start_day: Annotated[int, Field(ge=1, le=7)] = 1  # 1 = Monday
    default_assignee_id: uuid.UUID | None = None
    time_tracking: bool = True


class ProjectSettingsPatch(BaseModel):
    """Settings left out stay as they are; `default_assignee_id: null` clears the default assignee."""

    model_config = ConfigDict(extra="forbid")

    wip_limits: Annotated[
        dict[StatusName, Annotated[int, Field(ge=0, le=10_000)]] | None, Field(max_length=MAX_WIP_COLUMNS)
    ] = None
    swimlane: Swimlane | None = None
    sprint_length_days: Annotated[int | None, Field(ge=1, le=60)] = None
    sprint_start_day: Annotated[int | None, Field(ge=1, le=7)] = None
    default_assignee_id: uuid.UUID | None = None
    time_tracking: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _required_stay_set(cls, values: Any) -> Any:
        return refuse_nulls(
            values, ("wip_limits", "swimlane", "sprint_length_days", "sprint_start_day", "time_tracking")
        )


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    key: Key
    space_id: uuid.UUID | None = None
    description: LongText = None
    board_type: BoardType = BoardType.KANBAN
    status: ProjectStatus = ProjectStatus.ACTIVE
    start_date: date | None = None
    deadline: date | None = None
    color: Color = None
    settings: ProjectSettings = Field(default_factory=ProjectSettings)
    # its workflow: one it may use, or a copy of a template; the space's default otherwise
    workflow_id: uuid.UUID | None = None
    workflow_template: TemplateKey | None = None


class ProjectUpdate(BaseModel):
    """Fields left out stay as they are. The key never changes: task keys are built from it."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    space_id: uuid.UUID | None = None
    description: LongText = None
    board_type: BoardType | None = None
    status: ProjectStatus | None = None
    start_date: date | None = None
    deadline: date | None = None
    color: Color = None
    settings: ProjectSettingsPatch | None = None

    @model_validator(mode="before")
    @classmethod
    def _required_stay_set(cls, values: Any) -> Any:
        return refuse_nulls(values, ("name", "board_type", "status", "settings"))


class ProjectOut(BaseModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    space_id: uuid.UUID | None
    program_id: uuid.UUID | None
    name: str
    key: str
    description: str | None
    board_type: BoardType
    status: ProjectStatus
    start_date: date | None
    deadline: date | None
    color: str | None
    image_url: str | None
    settings: ProjectSettings
    position: float
    workflow_id: uuid.UUID | None = None
    workflow_locked: bool = False
    created_at: datetime
    created_by: uuid.UUID | None


class ProjectList(BaseModel):
    items: list[ProjectOut]
    next_cursor: str | None


class CopySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_project_id: uuid.UUID


# roles


class RoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RoleName
    description: ShortText = None
    color: Color = None
    permissions: PermissionKeys = Field(default_factory=list)


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RoleName | None = None
    description: ShortText = None
    color: Color = None
    permissions: PermissionKeys | None = None

    @model_validator(mode="before")
    @classmethod
    def _required_stay_set(cls, values: Any) -> Any:
        return refuse_nulls(values, ("name", "permissions"))


class RoleOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    color: str | None
    permissions: list[str]
    is_default: bool
    member_count: int


class RoleList(BaseModel):
    items: list[RoleOut]
    next_cursor: str | None = None


# members


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role_id: uuid.UUID


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role_id: uuid.UUID


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role_id: uuid.UUID
    role_name: str
    joined_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


# teams


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = None
    color: Color = None


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description = None
    color: Color = None

    @model_validator(mode="before")
    @classmethod
    def _required_stay_set(cls, values: Any) -> Any:
        return refuse_nulls(values, ("name",))


class TeamOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    color: str | None
    member_count: int
    created_at: datetime


class TeamList(BaseModel):
    items: list[TeamOut]
    next_cursor: str | None


class TeamMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role: TeamRole = TeamRole.MEMBER


class TeamMemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role: TeamRole
    added_at: datetime


class TeamMemberList(BaseModel):
    items: list[TeamMemberOut]
    next_cursor: str | None


# grants


class GrantSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    permissions: PermissionKeys


class GrantsOut(BaseModel):
    permissions: list[str]


class MyPermissions(BaseModel):
    project_id: uuid.UUID
    permissions: list[str]
