"""Cross-site request forgery defence for unsafe requests.

A request that changes something is refused when a browser says it came from another site (`Origin`
not ours, or `Sec-Fetch-Site: cross-site`), and, when it rides on the session cookie, unless it also
carries `X-CSRF-Token`: an HMAC of that session's cookie, which pages hand to htmx. Requests with a
bearer token carry no ambient credential and pass.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from fairlx.auth.sessions import SESSION_COOKIE
from fairlx.core.errors import Forbidden
from fairlx.core.security.csrf import CSRF_HEADER, csrf_token
from fairlx.core.security.tokens import same_secret
from fairlx.middleware.problems import problem_for_scope
from fairlx.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE = frozenset({"cross-site", "same-site"})


def session_cookie_of(headers: Headers) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header carries no session
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.trusted_origins = {_origin(settings.public_url), *(_origin(origin) for origin in settings.cors_origins)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            refusal = self._refusal(scope)
            if refusal is not None:
                await problem_for_scope(scope, refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Forbidden | None:
        headers = Headers(scope=scope)
        if headers.get("authorization", "").lower().startswith("bearer "):
            return None
        if not self._same_site(scope, headers):
            return Forbidden("cross_site_request", "This request came from another site and was refused.")
        session = session_cookie_of(headers)
        if session is None:
            return None
        sent = headers.get(CSRF_HEADER, "")
        if not sent or not same_secret(sent, csrf_token(self.settings.signing_key, session)):
            return Forbidden(
                "csrf_token_invalid", "The request lacks this page's security token; reload the page and try again."
            )
        return None

    def _same_site(self, scope: Scope, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is not None:
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
            return origin in self.trusted_origins or origin == own
        return headers.get("sec-fetch-site") not in CROSS_SITE


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
