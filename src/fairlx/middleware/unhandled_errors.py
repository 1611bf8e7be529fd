"""The last line of defence: an exception no handler caught becomes a 500 problem+json that names only
the request id, and the traceback goes to the log. Errors raised by services while the body is read
(oversize uploads, for instance) are rendered like any other problem."""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.core.errors import AppError
from fairlx.middleware.problems import app_error_response, problem_response, unexpected_error_body

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
            request_id = scope.get("state", {}).get("request_id")
            if isinstance(error, AppError):
                response = app_error_response(error, request_id)
            else:
                log.exception("unhandled_error", path=scope["path"], method=scope["method"])
                response = problem_response(500, unexpected_error_body(request_id))
            if started:  # too late for a clean answer: the client sees a cut connection
                raise
            await response(scope, receive, send)
