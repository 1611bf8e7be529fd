"""The session cookie: HttpOnly, SameSite=Lax, Secure under https, expiring with the session."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from fairlx.auth.sessions import SESSION_COOKIE
from fairlx.core.clock import utcnow
from fairlx.settings import Settings


def session_cookie_header(settings: Settings, token: str, expires_at: datetime) -> str:
    """The `Set-Cookie` value for a session, for code that writes raw ASGI headers."""
    carrier = Response()
    set_session_cookie(carrier, settings, token, expires_at)
    return carrier.headers["set-cookie"]


def set_session_cookie(response: Response, settings: Settings, token: str, expires_at: datetime) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(0, int((expires_at - utcnow()).total_seconds())),
        httponly=True,
        secure=settings.is_https,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=settings.is_https, samesite="lax")
