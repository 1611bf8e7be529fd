"""JSON routes of spaces: `/api/v1/workspaces/{workspace_id}/spaces` and `/api/v1/spaces/{space_id}`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.spaces import service
from fairlx.spaces.models import Space
from fairlx.spaces.schemas import (
    SpaceCreate,
    SpaceList,
    SpaceMemberAdd,
    SpaceMemberList,
    SpaceMemberOut,
    SpaceMemberUpdate,
    SpaceOut,
    SpaceReorder,
    SpaceUpdate,
)
from fairlx.spaces.service import SpaceMemberRow
from fairlx.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1", tags=["spaces"])

P = Permission
ViewWorkspace = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]
CreateSpaces = Annotated[Workspace, Authorized(P.WORKSPACE_SPACES_CREATE, Workspace, "workspace_id")]
EditSpaces = Annotated[Workspace, Authorized(P.WORKSPACE_SPACES_EDIT, Workspace, "workspace_id")]
ViewSpace = Annotated[Space, Authorized(P.SPACE_VIEW, Space, "space_id")]
EditSpace = Annotated[Space, Authorized(P.SPACE_SETTINGS_EDIT, Space, "space_id")]
DeleteSpace = Annotated[Space, Authorized(P.SPACE_DELETE, Space, "space_id")]
ManageMembers = Annotated[Space, Authorized(P.SPACE_MEMBERS_MANAGE, Space, "space_id")]


def member_out(row: SpaceMemberRow) -> SpaceMemberOut:
    return SpaceMemberOut(user_id=row.user_id, name=row.name, email=row.email, role=row.role, joined_at=row.joined_at)


@router.get("/workspaces/{workspace_id}/spaces")
async def list_spaces(
    workspace: ViewWorkspace,
    ctx: Ctx,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    archived: Annotated[bool, Query()] = False,
) -> SpaceList:
    page = await service.list_spaces(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, limit=limit, cursor=cursor, archived=archived
    )
    return SpaceList(items=[SpaceOut.model_validate(space) for space in page.items], next_cursor=page.next_cursor)


@router.post("/workspaces/{workspace_id}/spaces", status_code=201)
async def create_space(body: SpaceCreate, workspace: CreateSpaces, ctx: Ctx) -> SpaceOut:
    space = await service.create_space(ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, body)
    return SpaceOut.model_validate(space)


@router.post("/workspaces/{workspace_id}/spaces/reorder")
async def reorder_spaces(body: SpaceReorder, workspace: EditSpaces, ctx: Ctx) -> SpaceList:
    spaces = await service.reorder_spaces(ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, body.ids)
    return SpaceList(items=[SpaceOut.model_validate(space) for space in spaces], next_cursor=None)


@router.get("/spaces/{space_id}")
async def get_space(space: ViewSpace) -> SpaceOut:
    return SpaceOut.model_validate(space)


@router.patch("/spaces/{space_id}")
async def update_space(body: SpaceUpdate, space: EditSpace, ctx: Ctx) -> SpaceOut:
    changes = body.model_dump(exclude_unset=True)
    return SpaceOut.model_validate(await service.update_space(ctx.db, ctx.infra.cache, space, changes))


@router.post("/spaces/{space_id}/archive")
async def archive_space(space: EditSpace, ctx: Ctx) -> SpaceOut:
    return SpaceOut.model_validate(await service.set_archived(ctx.db, space, archived=True))


@router.post("/spaces/{space_id}/unarchive")
async def unarchive_space(space: EditSpace, ctx: Ctx) -> SpaceOut:
    return SpaceOut.model_validate(await service.set_archived(ctx.db, space, archived=False))


@router.get("/spaces/{space_id}/members")
async def list_members(
    space: ViewSpace, ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> SpaceMemberList:
    page = await service.list_members(ctx.db, space, limit=limit, cursor=cursor)
    return SpaceMemberList(items=[member_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/spaces/{space_id}/members", status_code=201)
async def add_member(body: SpaceMemberAdd, space: ManageMembers, ctx: Ctx) -> SpaceMemberOut:
    return member_out(await service.add_member(ctx.db, ctx.infra.cache, space, body.user_id, body.role))


@router.patch("/spaces/{space_id}/members/{user_id}")
async def update_member(user_id: uuid.UUID, body: SpaceMemberUpdate, space: ManageMembers, ctx: Ctx) -> SpaceMemberOut:
    return member_out(await service.update_member(ctx.db, ctx.infra.cache, space, user_id, body.role))


@router.delete("/spaces/{space_id}/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, space: ManageMembers, ctx: Ctx) -> None:
    await service.remove_member(ctx.db, ctx.infra.cache, space, user_id)


@router.delete("/spaces/{space_id}", status_code=204)
async def delete_space(space: DeleteSpace, ctx: Ctx) -> None:
    await service.delete_space(ctx.db, ctx.infra.cache, space)
