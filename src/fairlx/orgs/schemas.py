"""Request and response bodies of the organization routes."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from fairlx.auth.schemas import avatar_url
from fairlx.orgs.models import MemberStatus, OrgRole

OrgSize = Literal["1-10", "11-50", "51-200", "201-500", "500+"]
ORG_SIZES: tuple[str, ...] = ("1-10", "11-50", "51-200", "201-500", "500+")
SettableStatus = Literal[MemberStatus.ACTIVE, MemberStatus.SUSPENDED]
MAX_PAGE = 200
MAX_BULK = 200
MAX_SETTINGS_BYTES = 10_000
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("Enter a name.")
    return value.strip()


Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_not_blank)]


class OrganizationCreate(Strict):
    name: Name
    size: OrgSize | None = None


class ConvertIn(Strict):
    name: Name


class OrganizationUpdate(Strict):
    name: Name | None = None
    size: OrgSize | None = None
    settings: dict[str, Any] | None = None

    @field_validator("settings")
    @classmethod
    def settings_are_small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > MAX_SETTINGS_BYTES:
            raise ValueError(f"Settings must stay under {MAX_SETTINGS_BYTES // 1000} kB.")
        return value


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    size: str | None
    settings: dict[str, Any]
    created_at: datetime
    role: OrgRole | None
    permissions: list[str]
    member_count: int


class OrganizationSummary(BaseModel):
    id: uuid.UUID
    name: str
    size: str | None
    created_at: datetime
    role: OrgRole


class OrganizationPage(BaseModel):
    items: list[OrganizationSummary]
    next_cursor: str | None


class DeletedOrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    deleted_at: datetime
    restorable_until: datetime


class MemberAdd(Strict):
    email: EmailStr
    role: OrgRole = OrgRole.MEMBER


class MemberCreate(Strict):
    name: Name
    email: EmailStr
    role: OrgRole = OrgRole.MEMBER


class MemberUpdate(Strict):
    role: OrgRole | None = None
    status: SettableStatus | None = None

    @model_validator(mode="after")
    def something_changes(self) -> MemberUpdate:
        if self.role is None and self.status is None:
            raise ValueError("Give a role or a status.")
        return self


class BulkRoleIn(Strict):
    user_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)
    role: OrgRole


class BulkDeleteIn(Strict):
    user_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)


class DepartmentRef(BaseModel):
    id: uuid.UUID
    name: str


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    avatar_url: str | None
    role: OrgRole
    status: MemberStatus
    departments: list[DepartmentRef]
    invited_at: datetime | None
    joined_at: datetime | None


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class BulkResult(BaseModel):
    updated: int


class DepartmentCreate(Strict):
    name: Name
    description: str | None = Field(default=None, max_length=1000)
    color: str | None = Field(default=None, pattern=COLOR_PATTERN)
    parent_id: uuid.UUID | None = None


class DepartmentUpdate(Strict):
    """Only the fields sent change; `parent_id: null` moves the department to the top level."""

    name: Name | None = None
    description: str | None = Field(default=None, max_length=1000)
    color: str | None = Field(default=None, pattern=COLOR_PATTERN)
    parent_id: uuid.UUID | None = None


class DepartmentOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    color: str | None
    parent_id: uuid.UUID | None
    member_count: int
    permissions: list[str]
    created_at: datetime


class DepartmentPage(BaseModel):
    items: list[DepartmentOut]
    next_cursor: str | None


class DepartmentMemberIn(Strict):
    user_id: uuid.UUID


class DepartmentMemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    avatar_url: str | None
    added_at: datetime


class DepartmentMemberPage(BaseModel):
    items: list[DepartmentMemberOut]
    next_cursor: str | None


class PermissionsIn(Strict):
    permissions: list[str] = Field(max_length=50)


class PermissionsOut(BaseModel):
    permissions: list[str]


class AuditActor(BaseModel):
    id: uuid.UUID
    name: str
    email: str


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    action: str
    actor: AuditActor | None
    target_type: str | None
    target_id: str | None
    target_name: str | None
    workspace_id: uuid.UUID | None
    detail: dict[str, Any]
    ip: str | None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


class TokenIn(Strict):
    token: str = Field(min_length=1, max_length=200)


def member_avatar(user_id: uuid.UUID, avatar_key: str | None) -> str | None:
    return avatar_url(user_id, avatar_key)
