"""Response bodies of the search API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class WorkspaceRefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str


class ProjectRefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str


class StatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    color: str


class NamedHitOut(BaseModel):
    """A project or a space whose name or key matches."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str
    workspace_id: uuid.UUID
    workspace: WorkspaceRefOut
    url: str


class TaskHitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    title: str
    title_html: str  # escaped HTML: the title with each match in <mark>
    snippet_html: str  # escaped HTML: a passage of the description with each match in <mark>
    workspace_id: uuid.UUID
    workspace: WorkspaceRefOut
    project: ProjectRefOut
    status: StatusOut | None
    url: str


class SearchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    query: str
    tasks: list[TaskHitOut]
    projects: list[NamedHitOut]
    spaces: list[NamedHitOut]
