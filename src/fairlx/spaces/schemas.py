"""Request and response bodies of the spaces routes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fairlx.spaces.models import SpaceRole, SpaceVisibility
from fairlx.workflows.models import WorkflowInheritance

KEY_PATTERN = r"^[A-Z][A-Z0-9]{1,9}$"
KEY_RULE = "2 to 10 capital letters or digits, starting with a letter (such as WEB or APP2)."
COLOR_PATTERN = r"^#[0-9A-Fa-f]{6}$"
MAX_REORDER = 500


def blank_is_none(value: str | None) -> str | None:
    return value or None


def _key(value: str) -> str:
    if not re.fullmatch(KEY_PATTERN, value):
        raise ValueError(f"Use {KEY_RULE}")
    return value


Key = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_key)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Description = Annotated[
    str | None, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(blank_is_none)
]
Color = Annotated[str | None, StringConstraints(strip_whitespace=True, pattern=COLOR_PATTERN)]
Icon = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(blank_is_none)]


def refuse_nulls(values: Any, fields: tuple[str, ...]) -> Any:
    """A partial update may leave a field out, but not set a required one to null."""
    if isinstance(values, dict):
        for name in fields:
            if name in values and values[name] is None:
                raise ValueError(f"{name} cannot be null")
    return values


class SpaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    key: Key
    description: Description = None
    color: Color = None
    icon: Icon = None
    visibility: SpaceVisibility = SpaceVisibility.PUBLIC


class SpaceUpdate(BaseModel):
    """Fields left out stay as they are; null clears description, colour or icon."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    key: Key | None = None
    description: Description = None
    color: Color = None
    icon: Icon = None
    visibility: SpaceVisibility | None = None

    @model_validator(mode="before")
    @classmethod
    def _required_stay_set(cls, values: Any) -> Any:
        return refuse_nulls(values, ("name", "key", "visibility"))


class SpaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    key: str
    description: str | None
    color: str | None
    icon: str | None
    visibility: SpaceVisibility
    position: float
    archived_at: datetime | None
    default_workflow_id: uuid.UUID | None
    workflow_inheritance: WorkflowInheritance
    created_at: datetime
    created_by: uuid.UUID | None


class SpaceList(BaseModel):
    items: list[SpaceOut]
    next_cursor: str | None


class SpaceReorder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_REORDER)


class SpaceMemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    role: SpaceRole = SpaceRole.MEMBER


class SpaceMemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: SpaceRole


class SpaceMemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role: SpaceRole
    joined_at: datetime


class SpaceMemberList(BaseModel):
    items: list[SpaceMemberOut]
    next_cursor: str | None
