"""Refuse request bodies over the limit with 413: at once when `Content-Length` says so, otherwise as
soon as the streamed bytes pass it, so an oversize body is never held in memory. Upload routes get
larger limits, by a pattern their path starts with (a regular expression)."""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.core.errors import PayloadTooLarge
from fairlx.middleware.problems import problem_for_scope


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        "body_too_large", f"The request body is larger than the limit of {limit:,} bytes.", extra={"limit_bytes": limit}
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default_limit: int, limits_by_pattern: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits_by_pattern = [(re.compile(pattern), limit) for pattern, limit in (limits_by_pattern or {}).items()]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.limits_by_pattern:
            if pattern.match(path):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await problem_for_scope(scope, too_large(limit))(scope, receive, send)
            return
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, receive_counted, send)
