"""Request and response bodies of the saved views API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fairlx.views.models import ViewScope, ViewType

MAX_SORT_FIELDS = 3
MAX_COLUMNS = 50

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# A field name as filters and sorts use it: `title`, `due_date`, `cf.severity`; `-` before it sorts descending.
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}(\.[a-z][a-z0-9_]{0,49})?$")]
SortKey = Annotated[str, StringConstraints(pattern=r"^-?[a-z][a-z0-9_]{0,59}(\.[a-z][a-z0-9_]{0,49})?$")]


class ViewSettings(BaseModel):
    """What a view shows: the filter group (see `fairlx.tasks.filters`), the sort, grouping and columns."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    filters: dict[str, Any] = Field(default_factory=dict)
    sort: list[SortKey] = Field(default_factory=list, max_length=MAX_SORT_FIELDS)
    group_by: FieldName | None = None
    swimlane_by: FieldName | None = None
    columns: list[FieldName] = Field(default_factory=list, max_length=MAX_COLUMNS)


class ViewCreate(ViewSettings):
    """A view of one place: give exactly one of project_id, space_id and workspace_id. `scope` is PERSONAL
    (the caller's own) or the place's level (PROJECT, SPACE or WORKSPACE) to share it there."""

    name: Name
    view_type: ViewType
    scope: ViewScope = ViewScope.PERSONAL
    project_id: uuid.UUID | None = None
    space_id: uuid.UUID | None = None
    workspace_id: uuid.UUID | None = None
    is_default: bool = False


class ViewUpdate(BaseModel):
    """Only the fields sent change; `null` clears group_by or swimlane_by."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    scope: ViewScope | None = None
    filters: dict[str, Any] | None = None
    sort: list[SortKey] | None = Field(default=None, max_length=MAX_SORT_FIELDS)
    group_by: FieldName | None = None
    swimlane_by: FieldName | None = None
    columns: list[FieldName] | None = Field(default=None, max_length=MAX_COLUMNS)
    is_default: bool | None = None


class ViewDuplicate(BaseModel):
    """The copy is the caller's PERSONAL view named "<name> (copy)" unless told otherwise."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    scope: ViewScope = ViewScope.PERSONAL


class ViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workspace_id: uuid.UUID
    space_id: uuid.UUID | None
    project_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    scope: ViewScope
    name: str
    view_type: ViewType
    filters: dict[str, Any]
    sort: list[str]
    group_by: str | None
    swimlane_by: str | None
    columns: list[str]
    is_default: bool
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    can_edit: bool = False  # whether the caller may change or delete it


class ViewList(BaseModel):
    items: list[ViewOut]
    next_cursor: str | None = None
