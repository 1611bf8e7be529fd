"""The web shell's own pages: the landing page, the component gallery, the API reference and the
favicon. Domain pages live in each domain's pages.py."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from fairlx.rbac.guard import Anyone
from fairlx.web import style_guide
from fairlx.web.assets import FAVICON_PATH
from fairlx.web.style_guide import StyleGuideSort
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Anyone])

SERVER_TOAST = {
    "toast": {
        "kind": "success",
        "title": "Saved on the server",
        "message": "This toast came from an HX-Trigger response header.",
    }
}


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    return render(request, "web/landing.html")


@router.get("/style", response_class=HTMLResponse)
async def style_guide_page(request: Request, sort: StyleGuideSort = "key") -> HTMLResponse:
    context = {"sort": sort, "issues": style_guide.sorted_issues(sort), "columns": style_guide.TABLE_COLUMNS}
    return render(request, "web/style.html", context)


@router.get("/style/toast")
async def style_guide_server_toast() -> Response:
    return Response(status_code=204, headers={"HX-Trigger": json.dumps(SERVER_TOAST)})


@router.get("/api/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> HTMLResponse:
    return render(request, "web/api_docs.html")


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    return FileResponse(FAVICON_PATH, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})
