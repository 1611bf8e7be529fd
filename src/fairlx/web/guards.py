"""Pages that need a signed-in user: `PageActor` sends everyone else to the sign-in page, with a safe
`return_to` that brings them back (only paths on this site, so the link is no open redirect)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from starlette.responses import RedirectResponse, Response

from fairlx.auth.actor import Actor
from fairlx.dependencies import MaybeActor, actor_outside_transaction
from fairlx.rbac.declarations import Declaration, Requirement, declare

SIGN_IN_PATH = "/sign-in"
HOME_PATH = "/home"


class SignInRequired(Exception):
    def __init__(self, return_to: str) -> None:
        super().__init__(return_to)
        self.return_to = return_to


def safe_return_to(candidate: str | None, default: str = HOME_PATH) -> str:
    """`candidate` when it is a path on this site; otherwise `default`."""
    if not candidate or len(candidate) > 2000:
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    if any(character in candidate for character in "\\\r\n\t"):
        return default
    return candidate


def sign_in_url(return_to: str | None) -> str:
    target = safe_return_to(return_to)
    return SIGN_IN_PATH if target == HOME_PATH else f"{SIGN_IN_PATH}?return_to={quote(target, safe='/')}"


def redirect(request: Request, url: str) -> Response:
    """A redirect that works for a plain navigation (303) and for an htmx request (HX-Redirect)."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def requested_path(request: Request) -> str:
    """Where to come back after signing in: the page itself for a navigation; for a form posted by
    htmx, the page the form was on (htmx names it), never the form's own address."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlsplit(request.headers.get("hx-current-url", HOME_PATH)).path or HOME_PATH


async def page_actor(request: Request, actor: MaybeActor) -> Actor:
    if actor is None:
        raise SignInRequired(requested_path(request))
    return actor


declare(page_actor, Declaration(Requirement.SIGNED_IN))


async def page_actor_outside_transaction(
    request: Request, actor: Annotated[Actor | None, Depends(actor_outside_transaction)]
) -> Actor:
    """`PageActor` for routes that hold no transaction."""
    if actor is None:
        raise SignInRequired(requested_path(request))
    return actor


declare(page_actor_outside_transaction, Declaration(Requirement.SIGNED_IN))
PageActorOutsideTransaction = Annotated[Actor, Depends(page_actor_outside_transaction)]


PageActor = Annotated[Actor, Depends(page_actor)]


def install_sign_in_redirect(app: FastAPI) -> None:
    async def on_sign_in_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return redirect(request, sign_in_url(error.return_to))

    app.add_exception_handler(SignInRequired, on_sign_in_required)
