"""JSON routes of workspaces: the workspaces themselves, members, the invite code of a personal workspace,
and email invitations (managed per workspace, answered by token under /api/v1/invitations)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx, Db
from fairlx.rbac.guard import Anyone, Authorized
from fairlx.rbac.permissions import Permission
from fairlx.workspaces import service
from fairlx.workspaces.models import Workspace
from fairlx.workspaces.schemas import (
    InvitationCreate,
    InvitationList,
    InvitationOut,
    InvitationPublicOut,
    InviteCodeOut,
    JoinPreviewOut,
    MemberFromOrgIn,
    MemberList,
    MemberOut,
    MemberRoleIn,
    WorkspaceCreate,
    WorkspaceList,
    WorkspaceOut,
    WorkspaceUpdate,
)

P = Permission
router = APIRouter(prefix="/api/v1", tags=["workspaces"])

Viewable = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]
Configurable = Annotated[Workspace, Authorized(P.WORKSPACE_SETTINGS_MANAGE, Workspace, "workspace_id")]
Deletable = Annotated[Workspace, Authorized(P.WORKSPACE_DELETE, Workspace, "workspace_id")]
Manageable = Annotated[Workspace, Authorized(P.WORKSPACE_MEMBERS_MANAGE, Workspace, "workspace_id")]
OpenToOrg = Annotated[Workspace, Authorized(P.WORKSPACE_MEMBERS_ADD_FROM_ORG, Workspace, "workspace_id")]


# --- workspaces -----------------------------------------------------------------------------------------------


@router.post("/workspaces", status_code=201)
async def create_workspace(body: WorkspaceCreate, ctx: Ctx) -> WorkspaceOut:
    view = await service.create_workspace(
        ctx.db, ctx.infra, ctx.actor, name=body.name, organization_id=body.organization_id, client=ctx.client
    )
    return WorkspaceOut.of(view)


@router.get("/workspaces")
async def list_workspaces(ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None) -> WorkspaceList:
    return WorkspaceList.of(await service.visible_workspaces(ctx.db, ctx.actor.user_id, limit=limit, cursor=cursor))


@router.get("/workspaces/join/{code}")
async def join_preview(code: str, ctx: Ctx) -> JoinPreviewOut:
    return JoinPreviewOut.of(await service.join_preview(ctx.db, ctx.infra, ctx.actor, code))


@router.post("/workspaces/join/{code}")
async def join_workspace(code: str, ctx: Ctx) -> WorkspaceOut:
    return WorkspaceOut.of(await service.join_with_code(ctx.db, ctx.infra, ctx.actor, code))


@router.get("/workspaces/{workspace_id}")
async def get_workspace(workspace: Viewable, ctx: Ctx) -> WorkspaceOut:
    return WorkspaceOut.of(await service.describe(ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace))


@router.patch("/workspaces/{workspace_id}")
async def update_workspace(workspace: Configurable, body: WorkspaceUpdate, ctx: Ctx) -> WorkspaceOut:
    view = await service.update_workspace(
        ctx.db,
        ctx.infra,
        ctx.actor,
        workspace,
        name=body.name,
        ui_mode=body.ui_mode,
        features=body.features.changes() if body.features else None,
    )
    return WorkspaceOut.of(view)


@router.delete("/workspaces/{workspace_id}", status_code=204)
async def delete_workspace(workspace: Deletable, ctx: Ctx) -> None:
    await service.delete_workspace(ctx.db, ctx.infra, ctx.actor, workspace, ctx.client)


# --- members ----------------------------------------------------------------------------------------------------


@router.get("/workspaces/{workspace_id}/members")
async def list_members(
    workspace: Viewable, db: Db, limit: Limit = service.MAX_PAGE, cursor: CursorParam = None
) -> MemberList:
    return MemberList.of(await service.list_members(db, workspace, limit=limit, cursor=cursor))


@router.post("/workspaces/{workspace_id}/members/from-org", status_code=201)
async def add_member_from_org(workspace: OpenToOrg, body: MemberFromOrgIn, ctx: Ctx) -> MemberOut:
    view = await service.add_member_from_org(
        ctx.db, ctx.infra, ctx.actor, workspace, user_id=body.user_id, role=body.role, client=ctx.client
    )
    return MemberOut.of(view)


@router.patch("/workspaces/{workspace_id}/members/{user_id}")
async def change_member_role(workspace: Manageable, user_id: uuid.UUID, body: MemberRoleIn, ctx: Ctx) -> MemberOut:
    view = await service.change_member_role(
        ctx.db, ctx.infra, ctx.actor, workspace, user_id=user_id, role=body.role, client=ctx.client
    )
    return MemberOut.of(view)


@router.delete("/workspaces/{workspace_id}/members/{user_id}", status_code=204)
async def remove_member(workspace: Manageable, user_id: uuid.UUID, ctx: Ctx) -> None:
    await service.remove_member(ctx.db, ctx.infra, ctx.actor, workspace, user_id=user_id, client=ctx.client)


@router.post("/workspaces/{workspace_id}/leave", status_code=204)
async def leave(workspace: Viewable, ctx: Ctx) -> None:
    """Any member may leave, except the last owner."""
    await service.remove_member(ctx.db, ctx.infra, ctx.actor, workspace, user_id=ctx.actor.user_id, client=ctx.client)


# --- invite code ----------------------------------------------------------------------------------------------------


@router.post("/workspaces/{workspace_id}/invite-code/reset")
async def reset_invite_code(workspace: Manageable, ctx: Ctx) -> InviteCodeOut:
    code = await service.reset_invite_code(ctx.db, workspace)
    return InviteCodeOut(code=code, join_url=service.join_url(ctx.infra, code))


# --- invitations -------------------------------------------------------------------------------------------------


@router.post("/workspaces/{workspace_id}/invitations", status_code=201)
async def invite(workspace: Manageable, body: InvitationCreate, ctx: Ctx) -> InvitationOut:
    view = await service.invite(ctx.db, ctx.infra, ctx.actor, workspace, email=body.email, role=body.role)
    return InvitationOut.of(view)


@router.get("/workspaces/{workspace_id}/invitations")
async def list_invitations(
    workspace: Manageable, db: Db, limit: Limit = service.MAX_PAGE, cursor: CursorParam = None
) -> InvitationList:
    return InvitationList.of(await service.pending_invitations(db, workspace, limit=limit, cursor=cursor))


@router.delete("/workspaces/{workspace_id}/invitations/{invitation_id}", status_code=204)
async def revoke_invitation(workspace: Manageable, invitation_id: uuid.UUID, db: Db) -> None:
    await service.revoke_invitation(db, workspace, invitation_id)


@router.get("/invitations/{token}", dependencies=[Anyone])
async def show_invitation(token: str, db: Db) -> InvitationPublicOut:
    return InvitationPublicOut.of(await service.invitation_by_token(db, token))


@router.post("/invitations/{token}/accept")
async def accept_invitation(token: str, ctx: Ctx) -> WorkspaceOut:
    return WorkspaceOut.of(await service.accept_invitation(ctx.db, ctx.infra, ctx.actor, token, ctx.client))


@router.post("/invitations/{token}/decline", dependencies=[Anyone])
async def decline_invitation(token: str, db: Db) -> InvitationPublicOut:
    return InvitationPublicOut.of(await service.decline_invitation(db, token))
