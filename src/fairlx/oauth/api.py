"""JSON routes: start signing in with a provider (`/api/v1/auth/oauth/...`) and manage the identities
linked to the account (`/api/v1/me/identities`). The provider sends the browser back to the page route
`/oauth/{provider}/callback` (pages.py).

Starting a flow may fetch the provider's metadata, so those routes resolve the signed-in user in a
short read-only unit of work of their own instead of holding the request's transaction open."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from fairlx.core.ratelimit import Preset
from fairlx.dependencies import Client, CurrentActor, Db, Infra, SignedInOutsideTransaction
from fairlx.middleware.rate_limit import spend_budget
from fairlx.oauth import service
from fairlx.oauth.schemas import AuthorizeOut, IdentityList, IdentityOut, ProviderList, ProviderOut
from fairlx.rbac.guard import Anyone
from fairlx.settings import Settings

router = APIRouter(tags=["oauth"])

BROWSER_COOKIE = "fairlx-oauth"
# Only routes under /oauth see it: the callback, and the page routes that start flows, which keep an
# existing value so flows in two tabs both finish. A flow started through the API sets a new value.
BROWSER_COOKIE_PATH = "/oauth"

ReturnTo = Annotated[str | None, Query(max_length=2000)]


def set_browser_cookie(response: Response, settings: Settings, token: str) -> None:
    """Bind the flow to this browser: the callback must bring the same random value back."""
    response.set_cookie(
        BROWSER_COOKIE,
        token,
        max_age=int(service.FLOW_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings.is_https,
        samesite="lax",
        path=BROWSER_COOKIE_PATH,
    )


async def spend_start_budget(infra: Infra, client: Client) -> None:
    """Each start writes a row before anyone has signed in: budget it per client address."""
    await spend_budget(infra.rate_limiter, Preset.LOGIN, f"oauth:{client.ip or 'unknown'}")


@router.get("/api/v1/auth/oauth/providers", dependencies=[Anyone])
async def list_providers(infra: Infra) -> ProviderList:
    options = service.enabled_providers(infra.settings)
    return ProviderList(
        items=[
            ProviderOut(provider=option.key, label=option.label, start_url=start_path(option.key)) for option in options
        ]
    )


def start_path(provider: str) -> str:
    return f"/api/v1/auth/oauth/{provider}/start"


@router.get("/api/v1/auth/oauth/{provider}/start", status_code=302, dependencies=[Anyone, Depends(spend_start_budget)])
async def start_sign_in(provider: str, request: Request, infra: Infra, return_to: ReturnTo = None) -> Response:
    started = await service.start_flow(
        infra, provider, browser_token=request.cookies.get(BROWSER_COOKIE), return_to=return_to
    )
    response = RedirectResponse(started.authorize_url, status_code=302)
    set_browser_cookie(response, infra.settings, started.browser_token)
    return response


@router.get("/api/v1/me/identities")
async def list_identities(actor: CurrentActor, db: Db) -> IdentityList:
    rows = await service.list_identities(db, actor.user_id)
    return IdentityList(items=[IdentityOut.model_validate(row) for row in rows])


@router.post("/api/v1/me/identities/{provider}")
async def connect_identity(
    provider: str,
    actor: SignedInOutsideTransaction,
    *,
    request: Request,
    response: Response,
    infra: Infra,
    return_to: ReturnTo = None,
) -> AuthorizeOut:
    """Start linking a provider account: open `authorize_url` in this browser."""
    started = await service.start_flow(
        infra, provider, browser_token=request.cookies.get(BROWSER_COOKIE), return_to=return_to, link_for=actor
    )
    set_browser_cookie(response, infra.settings, started.browser_token)
    return AuthorizeOut(authorize_url=started.authorize_url)


@router.delete("/api/v1/me/identities/{identity_id}", status_code=204)
async def disconnect_identity(identity_id: uuid.UUID, actor: CurrentActor, db: Db, client: Client) -> None:
    await service.unlink_identity(db, actor, identity_id, client)
