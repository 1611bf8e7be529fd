"""Readiness: can this process reach every backend it depends on?"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Awaitable
from dataclasses import dataclass

from starlette.datastructures import Address

from fairlx.core.errors import Forbidden, Unauthorized
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    backend: str
    ok: bool
    error: str | None = None


async def check_backends(infra: Infrastructure, *, every_connection: bool = False) -> list[CheckResult]:
    """Probe the backends requests need, or with `every_connection` also the ones only jobs use."""
    checks = infra.connection_checks() if every_connection else infra.readiness_checks()
    results = await asyncio.gather(*(_run(name, probe) for name, probe in checks.items()))
    backends = infra.backends()
    return [CheckResult(name, backends.get(name, ""), ok, error) for name, ok, error in results]


async def _run(name: str, probe: Awaitable[None]) -> tuple[str, bool, str | None]:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except Exception as error:
        return name, False, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return name, True, None


def ensure_metrics_access(settings: Settings, authorization: str | None, client: Address | None) -> None:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token is not None:
        presented = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(presented.encode(), token.encode()):
            raise Unauthorized("metrics_token_required", "Present the metrics token as a Bearer token.")
        return
    if not _is_loopback(client):
        raise Forbidden("metrics_loopback_only", "Metrics are served to loopback clients unless a token is set.")


def _is_loopback(client: Address | None) -> bool:
    try:
        return client is not None and ipaddress.ip_address(client.host).is_loopback
    except ValueError:  # a host name rather than an address
        return False
