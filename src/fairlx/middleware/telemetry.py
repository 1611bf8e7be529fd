"""One access-log line and the Prometheus samples per request, labelled by route template (never by
raw path, which would let clients create unbounded label values)."""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.core.metrics import HTTP_DURATION, HTTP_REQUESTS

log = structlog.get_logger("fairlx.access")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(method=method, route=template, status=str(status)).inc()
            HTTP_DURATION.labels(method=method, route=template).observe(elapsed)
            if scope["path"] not in QUIET_PATHS or status >= 400:
                log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                    client=(scope.get("client") or ("-",))[0],
                )
