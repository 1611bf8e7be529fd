"""JSON route of search: GET /api/v1/search, for any signed-in user, over what they may see."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from fairlx.dependencies import Ctx
from fairlx.search import service
from fairlx.search.schemas import SearchOut

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search")
async def search(
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=service.MAX_QUERY_LENGTH)],
    limit: Annotated[int, Query(ge=1, le=service.MAX_HITS)] = service.DEFAULT_HITS,
    workspace_id: uuid.UUID | None = None,
) -> SearchOut:
    """Tasks (ranked, with highlighted passages), projects and spaces matching `q` that the caller may
    see, in every workspace they reach or only `workspace_id`; an exact task key comes first."""
    results = await service.search(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, q, limit=limit, workspace_id=workspace_id
    )
    return SearchOut.model_validate(results)
