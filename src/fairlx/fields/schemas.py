"""Request and response bodies of the custom field and work item type APIs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from fairlx.fields.models import FieldType
from fairlx.workflows.models import DefinitionScope

MAX_OPTIONS = 200
MAX_DEFINITIONS = 200  # fields (or custom types) one owner may define

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
FieldKey = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,49}$")]


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


TypeKey = Annotated[str, BeforeValidator(upper), StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,29}$")]
Color = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")]
CurrencyCode = Annotated[str, BeforeValidator(upper), StringConstraints(pattern=r"^[A-Z]{3}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
TypeKeys = Annotated[list[TypeKey], Field(max_length=50)]


class OptionIn(BaseModel):
    """An option of a SELECT or MULTI_SELECT field. Send an existing option's `id` to keep it (tasks
    store option ids); options without one are new. Their order is their position."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    value: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    color: Color = "#64748b"
    is_default: bool = False


class FieldDefinition(BaseModel):
    """What a field's settings may hold; `FieldCreate` and `FieldUpdate` share it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: Description | None = None
    required: bool = False
    default_value: Any | None = None
    placeholder: Annotated[str, StringConstraints(max_length=200)] | None = None
    options: Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)] = []
    min_value: float | None = None
    max_value: float | None = None
    precision: Annotated[int, Field(ge=0, le=6)] | None = None
    currency_code: CurrencyCode | None = None
    applies_to_types: TypeKeys = []
    show_in_list: bool = True
    show_in_card: bool = False


class FieldCreate(FieldDefinition):
    name: Name
    key: FieldKey | None = None  # made from the name when left out
    type: FieldType


class FieldUpdate(FieldDefinition):
    """Only the fields sent change; `null` clears an optional one. The type cannot change."""

    name: Name | None = None
    key: FieldKey | None = None
    type: FieldType | None = None
    archived: bool | None = None


class OptionOut(BaseModel):
    id: str
    value: str
    color: str
    is_default: bool
    position: int


class FieldOut(BaseModel):
    id: uuid.UUID
    workspace_id: uuid.UUID
    space_id: uuid.UUID | None
    project_id: uuid.UUID | None
    scope: DefinitionScope
    name: str
    key: str
    type: FieldType
    description: str | None
    required: bool
    default_value: Any | None
    placeholder: str | None
    options: list[OptionOut]
    min_value: float | None
    max_value: float | None
    precision: int | None
    currency_code: str | None
    applies_to_types: list[str]
    position: int
    show_in_list: bool
    show_in_card: bool
    archived: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FieldList(BaseModel):
    items: list[FieldOut]
    next_cursor: None = None  # an owner holds at most MAX_DEFINITIONS fields: one page


class FieldReorder(BaseModel):
    """Fields in their new order: they take the places the same fields held, so sending all of them
    orders the whole list and sending two swaps them."""

    model_config = ConfigDict(extra="forbid")

    ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_DEFINITIONS)]


class TemplateSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: Annotated[list[Annotated[str, StringConstraints(max_length=100)]], Field(min_length=1, max_length=20)]


class SeedOut(BaseModel):
    items: list[FieldOut]  # the fields created
    skipped: list[str]  # template names whose key was already taken


class TypeDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: Description | None = None
    icon: Annotated[str, StringConstraints(max_length=40)] | None = None
    color: Color | None = None
    default_workflow_id: uuid.UUID | None = None
    required_field_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_DEFINITIONS)] = []
    allowed_parent_types: TypeKeys = []
    allowed_child_types: TypeKeys = []


class TypeCreate(TypeDefinition):
    key: TypeKey
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class TypeUpdate(TypeDefinition):
    """Only the fields sent change. The key cannot change: tasks carry it."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    archived: bool | None = None


class TypeOut(BaseModel):
    id: uuid.UUID | None  # system types are not rows
    key: str
    name: str
    description: str | None
    icon: str
    color: str
    is_system: bool
    scope: DefinitionScope | None
    project_id: uuid.UUID | None
    default_workflow_id: uuid.UUID | None
    required_field_ids: list[str]
    allowed_parent_types: list[str]
    allowed_child_types: list[str]
    position: int
    archived: bool


class TypeList(BaseModel):
    items: list[TypeOut]
    next_cursor: None = None  # system types and at most MAX_DEFINITIONS custom ones: one page
