"""Sends the refreshed session cookie when resolving the actor slid a session's expiry forward, whatever
kind of response the route returned."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.auth.actor import REFRESHED_COOKIE_STATE, RefreshedCookie
from fairlx.auth.cookies import session_cookie_header
from fairlx.settings import Settings


class SessionCookieMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            refreshed: RefreshedCookie | None = scope.get("state", {}).get(REFRESHED_COOKIE_STATE)
            if message["type"] == "http.response.start" and refreshed is not None:
                headers = MutableHeaders(scope=message)
                if not any(value.startswith("fairlx-session=") for value in headers.getlist("set-cookie")):
                    headers.append(
                        "set-cookie", session_cookie_header(self.settings, refreshed.token, refreshed.expires_at)
                    )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
