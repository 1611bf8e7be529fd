"""The search results page: /search?q= lists every match the palette offers, with passages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from fairlx.core.errors import Invalid
from fairlx.dependencies import Db, Infra
from fairlx.search import service
from fairlx.web.guards import PageActor
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_HITS = service.MAX_HITS


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    q: Annotated[str, Query(max_length=2000)] = "",
    workspace_id: uuid.UUID | None = None,
) -> Response:
    try:
        results = await service.search(db, infra.cache, actor.user_id, q, limit=PAGE_HITS, workspace_id=workspace_id)
    except Invalid as refused:
        problem = None if refused.code == service.BLANK_QUERY else refused.detail
        return render(request, "search/results.html", {"query": q, "results": None, "problem": problem})
    return render(request, "search/results.html", {"query": results.query, "results": results, "problem": None})
