"""JSON routes of saved views: /api/v1/views. Any signed-in user may call them; the service decides
access from the view's place (a project, a space or a workspace), named in the query, the body or the
view itself."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx
from fairlx.views import service
from fairlx.views.models import ViewType
from fairlx.views.schemas import ViewCreate, ViewDuplicate, ViewList, ViewOut, ViewUpdate

router = APIRouter(prefix="/api/v1", tags=["views"])

PlaceId = Annotated[uuid.UUID | None, Query()]


def view_out(item: service.ViewItem) -> ViewOut:
    return ViewOut.model_validate(item.view).model_copy(update={"can_edit": item.can_edit})


@router.get("/views")
async def list_views(
    ctx: Ctx,
    *,
    project_id: PlaceId = None,
    space_id: PlaceId = None,
    workspace_id: PlaceId = None,
    view_type: ViewType | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> ViewList:
    page = await service.list_views(
        ctx.db,
        ctx.infra.cache,
        ctx.actor.user_id,
        project_id=project_id,
        space_id=space_id,
        workspace_id=workspace_id,
        view_type=view_type,
        limit=limit,
        cursor=cursor,
    )
    return ViewList(items=[view_out(item) for item in page.items], next_cursor=page.next_cursor)


@router.post("/views", status_code=201)
async def create_view(body: ViewCreate, ctx: Ctx) -> ViewOut:
    return view_out(await service.create_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, body))


@router.get("/views/default")
async def default_view(
    ctx: Ctx,
    *,
    view_type: ViewType,
    project_id: PlaceId = None,
    space_id: PlaceId = None,
    workspace_id: PlaceId = None,
) -> ViewOut:
    item = await service.default_view(
        ctx.db,
        ctx.infra.cache,
        ctx.actor.user_id,
        view_type=view_type,
        project_id=project_id,
        space_id=space_id,
        workspace_id=workspace_id,
    )
    return view_out(item)


@router.get("/views/{view_id}")
async def get_view(view_id: uuid.UUID, ctx: Ctx) -> ViewOut:
    return view_out(await service.get_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, view_id))


@router.patch("/views/{view_id}")
async def update_view(view_id: uuid.UUID, body: ViewUpdate, ctx: Ctx) -> ViewOut:
    return view_out(await service.update_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, view_id, body))


@router.delete("/views/{view_id}", status_code=204)
async def delete_view(view_id: uuid.UUID, ctx: Ctx) -> None:
    await service.delete_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, view_id)


@router.post("/views/{view_id}/duplicate", status_code=201)
async def duplicate_view(view_id: uuid.UUID, ctx: Ctx, body: ViewDuplicate | None = None) -> ViewOut:
    data = body or ViewDuplicate()
    return view_out(await service.duplicate_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, view_id, data))


@router.post("/views/{view_id}/default")
async def make_default(view_id: uuid.UUID, ctx: Ctx) -> ViewOut:
    return view_out(await service.make_default(ctx.db, ctx.infra.cache, ctx.actor.user_id, view_id))
