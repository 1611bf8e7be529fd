"""JSON routes of a person's own work: `/api/v1/me/work` (their items across every workspace) and
`/api/v1/workspaces/{workspace_id}/backlog` (their private backlog there; nobody else sees it)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.tasks import mywork
from fairlx.tasks.api import task_out
from fairlx.tasks.models import PersonalItemStatus
from fairlx.tasks.mywork_schemas import (
    BacklogItemCreate,
    BacklogItemOut,
    BacklogItemUpdate,
    BacklogList,
    BacklogMove,
    BacklogPromote,
    MyWorkItem,
    MyWorkList,
    ProjectRef,
    PromotionOut,
    Section,
    WorkspaceRef,
)
from fairlx.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1", tags=["my work"])

BacklogWorkspace = Annotated[Workspace, Authorized(Permission.WORKSPACE_VIEW, Workspace, "workspace_id")]


def my_work_item(item: mywork.MyWorkItem) -> MyWorkItem:
    return MyWorkItem(
        **task_out(item.view).model_dump(),
        project=ProjectRef(id=item.project.id, key=item.project.key, name=item.project.name),
        workspace=WorkspaceRef(id=item.workspace.id, name=item.workspace.name),
    )


def backlog_item_out(view: mywork.BacklogItemView) -> BacklogItemOut:
    return BacklogItemOut.model_validate(view.item).model_copy(update={"promoted_task_key": view.promoted_task_key})


def owner_of(workspace: Workspace, ctx: Ctx) -> mywork.BacklogOwner:
    return mywork.BacklogOwner(ctx.actor.user_id, workspace.id)


@router.get("/me/work")
async def my_work(
    ctx: Ctx, section: Section = Section.ASSIGNED, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> MyWorkList:
    page = await mywork.my_work(ctx.db, ctx.infra.cache, ctx.actor.user_id, section, cursor=cursor, limit=limit)
    return MyWorkList(section=section, items=[my_work_item(each) for each in page.items], next_cursor=page.next_cursor)


@router.get("/workspaces/{workspace_id}/backlog")
async def list_backlog(
    workspace: BacklogWorkspace,
    ctx: Ctx,
    status: Annotated[PersonalItemStatus | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> BacklogList:
    page = await mywork.list_backlog(ctx.db, owner_of(workspace, ctx), status=status, cursor=cursor, limit=limit)
    return BacklogList(items=[backlog_item_out(each) for each in page.items], next_cursor=page.next_cursor)


@router.post("/workspaces/{workspace_id}/backlog", status_code=201)
async def create_backlog_item(workspace: BacklogWorkspace, body: BacklogItemCreate, ctx: Ctx) -> BacklogItemOut:
    return backlog_item_out(await mywork.create_item(ctx.db, owner_of(workspace, ctx), body))


@router.patch("/workspaces/{workspace_id}/backlog/{item_id}")
async def update_backlog_item(
    workspace: BacklogWorkspace, item_id: uuid.UUID, body: BacklogItemUpdate, ctx: Ctx
) -> BacklogItemOut:
    return backlog_item_out(await mywork.update_item(ctx.db, owner_of(workspace, ctx), item_id, body))


@router.delete("/workspaces/{workspace_id}/backlog/{item_id}", status_code=204)
async def delete_backlog_item(workspace: BacklogWorkspace, item_id: uuid.UUID, ctx: Ctx) -> Response:
    await mywork.delete_item(ctx.db, owner_of(workspace, ctx), item_id)
    return Response(status_code=204)


@router.post("/workspaces/{workspace_id}/backlog/{item_id}/move")
async def move_backlog_item(
    workspace: BacklogWorkspace, item_id: uuid.UUID, body: BacklogMove, ctx: Ctx
) -> BacklogItemOut:
    return backlog_item_out(await mywork.move_item(ctx.db, owner_of(workspace, ctx), item_id, body))


@router.post("/workspaces/{workspace_id}/backlog/{item_id}/promote", status_code=201)
async def promote_backlog_item(
    workspace: BacklogWorkspace, item_id: uuid.UUID, body: BacklogPromote, ctx: Ctx
) -> PromotionOut:
    task, view = await mywork.promote_item(ctx.db, ctx.infra.cache, owner_of(workspace, ctx), item_id, body)
    return PromotionOut(task_id=task.id, task_key=task.key, item=backlog_item_out(view))
