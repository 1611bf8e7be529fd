"""The shared cache: `build_cache` picks Redis when it is configured, process memory otherwise."""

from __future__ import annotations

from redis.asyncio import Redis

from fairlx.core.cache.base import Cache, Lock
from fairlx.core.cache.memory import MemoryCache
from fairlx.core.cache.redis import RedisCache
from fairlx.settings import Settings

__all__ = ["Cache", "Lock", "MemoryCache", "RedisCache", "build_cache"]


def build_cache(settings: Settings, redis: Redis | None) -> Cache:
    if redis is None or not settings.redis_url:
        return MemoryCache()
    return RedisCache(redis, settings.redis_prefix, settings.redis_url)
