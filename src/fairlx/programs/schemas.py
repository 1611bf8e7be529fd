"""Request and response bodies of the programs API: programs, their members, linked projects,
milestones and the summary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fairlx.programs.models import MilestoneStatus, ProgramRole, ProgramStatus
from fairlx.projects.models import ProjectStatus

MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_MILESTONES = 200

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Color = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")]
Progress = Annotated[int, Field(ge=0, le=100)]


class ProgramCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    description: str | None = Field(default=None, max_length=5000)
    status: ProgramStatus = ProgramStatus.PLANNING
    lead_id: uuid.UUID | None = None  # defaults to the creator
    start_date: date | None = None
    end_date: date | None = None
    color: Color | None = None


class ProgramUpdate(BaseModel):
    """Only the fields sent change; `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    description: str | None = Field(default=None, max_length=5000)
    status: ProgramStatus | None = None
    lead_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    color: Color | None = None


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    description: str | None
    status: ProgramStatus
    lead_id: uuid.UUID | None
    start_date: date | None
    end_date: date | None
    color: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    project_count: int = 0  # the projects the caller may see
    milestone_count: int = 0
    progress: float = 0.0  # mean milestone progress, in percent
    permissions: list[str] = []  # what the caller may do on the program


class ProgramList(BaseModel):
    items: list[ProgramOut]
    next_cursor: str | None = None


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role: ProgramRole = ProgramRole.MEMBER


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: ProgramRole


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    avatar_url: str | None
    role: ProgramRole
    added_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]
    next_cursor: None = None


class ProjectLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID


class ProgramProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    key: str
    status: ProjectStatus
    color: str | None


class ProgramProjectList(BaseModel):
    items: list[ProgramProjectOut]
    next_cursor: None = None


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    description: str | None = Field(default=None, max_length=2000)
    target_date: date | None = None
    status: MilestoneStatus = MilestoneStatus.NOT_STARTED
    progress: Progress = 0
    position: float | None = None  # after the last one when left out


class MilestoneUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    target_date: date | None = None
    status: MilestoneStatus | None = None
    progress: Progress | None = None
    position: float | None = None


class MilestoneReorder(BaseModel):
    """Milestones in their new order: they take the places the same milestones held, so sending all of
    them orders the whole list and sending two swaps them."""

    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_MILESTONES)


class MilestoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    program_id: uuid.UUID
    name: str
    description: str | None
    target_date: date | None
    status: MilestoneStatus
    progress: int
    position: float
    created_at: datetime
    updated_at: datetime


class MilestoneList(BaseModel):
    items: list[MilestoneOut]
    next_cursor: None = None


class SummaryOut(BaseModel):
    project_count: int
    projects_by_status: dict[ProjectStatus, int]
    milestone_count: int
    milestones_by_status: dict[MilestoneStatus, int]
    progress: float  # mean milestone progress, in percent (0 without milestones)
    next_milestone: MilestoneOut | None  # the nearest target date from today on, not completed
    overdue_milestones: list[MilestoneOut]  # target date passed, not completed
