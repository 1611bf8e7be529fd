"""Request and response bodies of the workspace routes (the pages parse their forms with the same models)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

from fairlx.auth.schemas import avatar_url
from fairlx.core.pagination import Page
from fairlx.orgs.schemas import OrgSize
from fairlx.workspaces.models import InvitationStatus, UiMode, WorkspaceKind, WorkspaceRole
from fairlx.workspaces.service import InvitationView, JoinPreview, MemberView, WorkspaceView

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceCreate(Strict):
    name: Name
    organization_id: uuid.UUID | None = None


class FeaturesPatch(Strict):
    spaces: bool | None = None
    programs: bool | None = None
    teams: bool | None = None
    custom_fields: bool | None = None
    workflows: bool | None = None
    time_tracking: bool | None = None

    def changes(self) -> dict[str, bool]:
        return {name: value for name, value in self.model_dump().items() if value is not None}


class WorkspaceUpdate(Strict):
    name: Name | None = None
    ui_mode: UiMode | None = None
    features: FeaturesPatch | None = None


class WorkspaceOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: WorkspaceKind
    organization_id: uuid.UUID | None
    organization_name: str | None
    ui_mode: UiMode
    features: dict[str, bool]
    enabled_features: list[str]  # what the UI shows: SIMPLE mode keeps time tracking only
    invite_code: str | None  # personal workspaces, for those who manage members
    role: WorkspaceRole | None  # the caller's effective role
    permissions: list[str]  # the caller's workspace permission keys
    member_count: int
    created_at: datetime

    @classmethod
    def of(cls, view: WorkspaceView) -> WorkspaceOut:
        workspace = view.workspace
        return cls(
            id=workspace.id,
            name=workspace.name,
            kind=workspace.kind,
            organization_id=workspace.organization_id,
            organization_name=view.organization_name,
            ui_mode=workspace.ui_mode,
            features=view.features,
            enabled_features=view.enabled_features,
            invite_code=view.invite_code,
            role=view.role,
            permissions=sorted(view.permissions),
            member_count=view.member_count,
            created_at=workspace.created_at,
        )


class WorkspaceList(BaseModel):
    items: list[WorkspaceOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[WorkspaceView]) -> WorkspaceList:
        return cls(items=[WorkspaceOut.of(view) for view in page.items], next_cursor=page.next_cursor)


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    avatar_url: str | None
    role: WorkspaceRole
    joined_at: datetime

    @classmethod
    def of(cls, view: MemberView) -> MemberOut:
        user = view.user
        return cls(
            user_id=user.id,
            name=user.name,
            email=user.email,
            avatar_url=avatar_url(user.id, user.avatar_key),
            role=view.member.role,
            joined_at=view.member.created_at,
        )


class MemberList(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[MemberView]) -> MemberList:
        return cls(items=[MemberOut.of(view) for view in page.items], next_cursor=page.next_cursor)


class MemberRoleIn(Strict):
    role: WorkspaceRole


class MemberFromOrgIn(Strict):
    user_id: uuid.UUID
    role: WorkspaceRole


class InviteCodeOut(BaseModel):
    code: str
    join_url: str


class JoinPreviewOut(BaseModel):
    workspace_id: uuid.UUID
    name: str
    member_count: int
    already_member: bool

    @classmethod
    def of(cls, preview: JoinPreview) -> JoinPreviewOut:
        return cls(
            workspace_id=preview.workspace.id,
            name=preview.workspace.name,
            member_count=preview.member_count,
            already_member=preview.already_member,
        )


class InvitationCreate(Strict):
    email: EmailStr
    role: WorkspaceRole = WorkspaceRole.WS_EDITOR


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: WorkspaceRole
    status: InvitationStatus
    invited_by_name: str | None
    created_at: datetime
    expires_at: datetime
    expired: bool

    @classmethod
    def of(cls, view: InvitationView) -> InvitationOut:
        invitation = view.invitation
        return cls(
            id=invitation.id,
            email=invitation.email,
            role=invitation.role,
            status=invitation.status,
            invited_by_name=view.inviter_name,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            expired=view.expired,
        )


class InvitationList(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[InvitationView]) -> InvitationList:
        return cls(items=[InvitationOut.of(view) for view in page.items], next_cursor=page.next_cursor)


class InvitationPublicOut(BaseModel):
    """What the holder of an invitation link sees, signed in or not."""

    workspace_id: uuid.UUID
    workspace_name: str
    inviter_name: str | None
    email: str
    role: WorkspaceRole
    status: InvitationStatus
    expired: bool
    expires_at: datetime

    @classmethod
    def of(cls, view: InvitationView) -> InvitationPublicOut:
        invitation = view.invitation
        return cls(
            workspace_id=view.workspace.id,
            workspace_name=view.workspace.name,
            inviter_name=view.inviter_name,
            email=invitation.email,
            role=invitation.role,
            status=invitation.status,
            expired=view.expired,
            expires_at=invitation.expires_at,
        )


# --- page forms ----------------------------------------------------------------------------------------------


class GeneralForm(Strict):
    name: Name
    ui_mode: UiMode
    spaces: bool = False
    programs: bool = False
    teams: bool = False
    custom_fields: bool = False
    workflows: bool = False
    time_tracking: bool = False

    def features(self) -> dict[str, bool]:
        return self.model_dump(exclude={"name", "ui_mode"})


class PersonalOnboardingForm(Strict):
    workspace_name: Name


class OrgOnboardingForm(Strict):
    organization_name: Name | None = None
    size: OrgSize | None = None
    workspace_name: Name


class NewWorkspaceForm(Strict):
    name: Name
    owner: Literal["personal"] | uuid.UUID = "personal"  # or the id of the organization that owns it

    def organization_id(self) -> uuid.UUID | None:
        return self.owner if isinstance(self.owner, uuid.UUID) else None
