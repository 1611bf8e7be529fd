"""Pages of sign-in with a provider: the start link behind the buttons, the callback the provider
sends the browser back to, and Settings → Connected accounts."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import RedirectResponse, Response

from fairlx.auth.cookies import set_session_cookie
from fairlx.auth.pages import destination
from fairlx.auth.service import SignedIn
from fairlx.dependencies import Client, Db, Infra
from fairlx.oauth import service
from fairlx.oauth.api import (
    BROWSER_COOKIE,
    ReturnTo,
    set_browser_cookie,
    spend_start_budget,
)
from fairlx.oauth.models import FlowIntent
from fairlx.rbac.guard import Anyone
from fairlx.web.guards import PageActor, PageActorOutsideTransaction, redirect
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/oauth/{provider}", dependencies=[Anyone, Depends(spend_start_budget)])
async def start_sign_in(provider: str, request: Request, infra: Infra, return_to: ReturnTo = None) -> Response:
    """The "Continue with ..." buttons: off to the provider."""
    started = await service.start_flow(
        infra, provider, browser_token=request.cookies.get(BROWSER_COOKIE), return_to=return_to
    )
    response = RedirectResponse(started.authorize_url, status_code=303)
    set_browser_cookie(response, infra.settings, started.browser_token)
    return response


@router.get("/oauth/{provider}/callback", dependencies=[Anyone])
async def callback(
    provider: str,
    request: Request,
    *,
    infra: Infra,
    client: Client,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    try:
        done = await service.complete_flow(
            infra,
            provider,
            state=state,
            code=code,
            error=error,
            error_description=error_description,
            browser_token=request.cookies.get(BROWSER_COOKIE),
            client=client,
        )
    except service.FlowRefused as refused:
        context = {
            "problem": refused.error,
            "provider_label": service.label_of(refused.provider) if refused.provider else None,
            "provider_key": refused.provider.value if refused.provider else None,
            "linking": refused.intent is FlowIntent.LINK,
        }
        return render(request, "oauth/failed.html", context, status_code=refused.error.status)
    if done.outcome is None:
        separator = "&" if "?" in done.return_to else "?"
        return RedirectResponse(f"{done.return_to}{separator}connected={done.provider.value}", status_code=303)
    response = RedirectResponse(destination(done.outcome, done.return_to), status_code=303)
    if isinstance(done.outcome, SignedIn):
        set_session_cookie(response, infra.settings, done.outcome.session.token, done.outcome.session.expires_at)
    return response


@router.get("/settings/connections", response_class=HTMLResponse)
async def connections_page(
    request: Request,
    actor: PageActor,
    db: Db,
    infra: Infra,
    connected: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    view = await service.connections(db, infra.settings, actor)
    just_connected = next((item for item in view.identities if item.provider == connected), None)
    context = {"settings_section": "connections", "view": view, "just_connected": just_connected}
    return render(request, "oauth/connections.html", context)


@router.post("/oauth/{provider}/connect")
async def connect(
    provider: str,
    request: Request,
    infra: Infra,
    actor: PageActorOutsideTransaction,
) -> Response:
    """ "Connect ...": htmx follows the HX-Redirect to the provider; the cookie comes with it."""
    started = await service.start_flow(
        infra, provider, browser_token=request.cookies.get(BROWSER_COOKIE), return_to=None, link_for=actor
    )
    response = redirect(request, started.authorize_url)
    set_browser_cookie(response, infra.settings, started.browser_token)
    return response


@router.delete("/settings/connections/{identity_id}", response_class=HTMLResponse)
async def disconnect(
    identity_id: uuid.UUID, request: Request, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> HTMLResponse:
    """Refusals (the last way to sign in) answer problem+json, which htmx shows as an error toast."""
    label = await service.unlink_identity(db, actor, identity_id, client)
    view = await service.connections(db, infra.settings, actor)
    toast = {"toast": {"kind": "success", "title": f"{label} disconnected", "message": ""}}
    return render(
        request,
        "oauth/connections_panel.html",
        {"view": view, "just_connected": None},
        headers={"HX-Trigger": json.dumps(toast)},
    )
