"""Sliding-window rate limits (the `limits` library's moving window): in process memory for the
embedded topology, in Redis when it is configured so every process shares the counters. An
unreachable Redis fails open: the request goes through and a warning is logged."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.util import WindowStats
from redis.asyncio import Redis
from redis.exceptions import RedisError

from fairlx.core.cache.redis import describe_redis_url
from fairlx.core.clock import utcnow
from fairlx.core.ratelimit.presets import Preset, preset_limits
from fairlx.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    reset_at: datetime  # when the next unit of the budget frees up
    retry_after_seconds: int  # 0 when allowed


class RateLimiter:
    def __init__(
        self, storage: Storage, limits: Mapping[Preset, RateLimitItem], *, enabled: bool, description: str
    ) -> None:
        self._window = MovingWindowRateLimiter(storage)
        self._limits = dict(limits)
        self.enabled = enabled
        self._description = description

    async def hit(self, preset: Preset, identity: str) -> RateLimitResult:
        """Spend one unit of `identity`'s budget under `preset`; refused once the window is full."""
        item = self._limits[preset]
        if not self.enabled:
            return _unlimited(item)
        try:
            allowed = await self._window.hit(item, preset.value, identity)
            stats = await self._window.get_window_stats(item, preset.value, identity)
        except (RedisError, StorageError) as error:
            log.warning("rate_limit_unavailable", preset=preset.value, backend=self._description, error=str(error))
            return _unlimited(item)
        return _result(item, allowed, stats)

    def describe(self) -> str:
        return self._description if self.enabled else f"{self._description}, disabled"


def _unlimited(item: RateLimitItem) -> RateLimitResult:
    return RateLimitResult(True, item.amount, item.amount, utcnow(), 0)


def _result(item: RateLimitItem, allowed: bool, stats: WindowStats) -> RateLimitResult:
    now = utcnow().timestamp()
    reset = max(stats.reset_time, now)
    # Redis keeps window timestamps to about 0.1 ms; that jitter must not add a whole second.
    retry_after = 0 if allowed else max(1, math.ceil(round(reset - now, 3)))
    reset_at = datetime.fromtimestamp(reset, UTC)
    return RateLimitResult(allowed, item.amount, max(0, stats.remaining), reset_at, retry_after)


def build_rate_limiter(settings: Settings, redis: Redis | None) -> RateLimiter:
    """Counters in the shared Redis (through its connection pool) when there is one, else in memory."""
    limits = preset_limits(settings.rate_limit_overrides)
    if redis is None or not settings.redis_url:
        return RateLimiter(
            MemoryStorage(), limits, enabled=settings.rate_limits_enabled, description="in-memory moving window"
        )
    pool: dict[str, Any] = {"connection_pool": redis.connection_pool}
    storage = RedisStorage(
        f"async+{settings.redis_url}", implementation="redispy", key_prefix=f"{settings.redis_prefix}ratelimit", **pool
    )
    description = f"Redis moving window {describe_redis_url(settings.redis_url)}"
    return RateLimiter(storage, limits, enabled=settings.rate_limits_enabled, description=description)
