"""The last line of defence: an exception no handler caught becomes a 500 problem+json that names only
the request id, and the traceback goes to the log. Errors raised by services while the body is read
(oversize uploads, for instance) are rendered like any other problem."""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.core.errors import AppError
from fairlx.middleware.problems import problem_for_scope

log = structlog.get_logger(__name__)


class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            if not isinstance(error, AppError):
                log.exception("unhandled_error", path=scope["path"], method=scope["method"])
            response = problem_for_scope(scope, error if isinstance(error, AppError) else None)
            if started:  # too late for a clean answer: the client sees a cut connection
                raise
            await response(scope, receive, send)
