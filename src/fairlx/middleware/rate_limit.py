"""Rate limits at the edge: each request spends one unit of every preset its route group names, per
client address. A full window answers 429 problem+json with `Retry-After`; every rate-limited
response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds
when the next unit frees up) for the tightest preset that applied. Health endpoints are never limited."""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairlx.core.errors import TooManyRequests
from fairlx.core.ratelimit import Preset, RateLimiter, RateLimitResult
from fairlx.middleware.problems import problem_for_scope

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NEVER_LIMITED = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass(frozen=True)
class RouteGroup:
    prefix: str
    preset: Preset
    methods: frozenset[str] | None = None  # None: every method

    def applies_to(self, method: str, path: str) -> bool:
        return path.startswith(self.prefix) and (self.methods is None or method in self.methods)


# Every group a request matches applies, in this order; the first full window refuses the request.
# Sign-in forms are limited the same whether they are posted to the API or by the pages.
ROUTE_GROUPS: tuple[RouteGroup, ...] = (
    RouteGroup("/api/", Preset.DEFAULT),
    RouteGroup("/api/", Preset.WRITE, UNSAFE_METHODS),
    *(
        RouteGroup(prefix, preset, UNSAFE_METHODS)
        for prefix, preset in (
            ("/api/v1/auth/login", Preset.LOGIN),
            ("/sign-in", Preset.LOGIN),
            ("/api/v1/auth/register", Preset.REGISTER),
            ("/sign-up", Preset.REGISTER),
            ("/api/v1/auth/magic-link", Preset.MAGIC_LINK),
            ("/magic-link", Preset.MAGIC_LINK),
            ("/api/v1/auth/forgot-password", Preset.PASSWORD_RESET),
            ("/api/v1/auth/reset-password", Preset.PASSWORD_RESET),
            ("/forgot-password", Preset.PASSWORD_RESET),
            ("/reset-password", Preset.PASSWORD_RESET),
            ("/api/v1/auth/resend-verification", Preset.PASSWORD_RESET),
            ("/api/v1/auth/2fa/verify", Preset.TWO_FACTOR),
            ("/two-factor", Preset.TWO_FACTOR),
        )
    ),
)


def rate_limit_headers(result: RateLimitResult) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(result.limit),
        "X-RateLimit-Remaining": str(result.remaining),
        "X-RateLimit-Reset": str(math.ceil(result.reset_at.timestamp())),
    }


def rate_limited(result: RateLimitResult) -> TooManyRequests:
    seconds = result.retry_after_seconds
    return TooManyRequests(
        "rate_limited",
        f"Too many requests; try again in {seconds} second{'s' if seconds != 1 else ''}.",
        headers={"Retry-After": str(seconds), **rate_limit_headers(result)},
        extra={"retry_after_seconds": seconds},
    )


async def spend_budget(limiter: RateLimiter, preset: Preset, identity: str) -> None:
    """Spend one unit of a budget that is not the client address's (an account's, say); 429 when empty."""
    result = await limiter.hit(preset, identity)
    if not result.allowed:
        raise rate_limited(result)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.enabled or scope["path"] in NEVER_LIMITED:
            await self.app(scope, receive, send)
            return
        groups = [group for group in ROUTE_GROUPS if group.applies_to(scope["method"], scope["path"])]
        if not groups:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        identity = client[0] if client else "unknown"
        results: list[RateLimitResult] = []
        for group in groups:
            result = await self.limiter.hit(group.preset, identity)
            if not result.allowed:
                await problem_for_scope(scope, rate_limited(result))(scope, receive, send)
                return
            results.append(result)
        tightest = min(results, key=lambda result: (result.remaining, result.limit))
        await self.app(scope, receive, _adding_headers(send, rate_limit_headers(tightest)))


def _adding_headers(send: Send, headers: dict[str, str]) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableHeaders(scope=message)
            for name, value in headers.items():
                response_headers[name] = value
        await send(message)

    return send_with_headers
