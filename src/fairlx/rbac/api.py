"""`GET /api/v1/me/access`: what the caller may do in each organization and workspace they belong to."""

from __future__ import annotations

from fastapi import APIRouter

from fairlx.dependencies import Ctx
from fairlx.rbac import service
from fairlx.rbac.schemas import AccessOut

router = APIRouter(prefix="/api/v1/me", tags=["access"])


@router.get("/access")
async def my_access(ctx: Ctx) -> AccessOut:
    return AccessOut.of(await service.access_map(ctx.db, ctx.infra.cache, ctx.actor.user_id))
