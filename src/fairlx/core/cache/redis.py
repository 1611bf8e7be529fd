"""The production cache: Redis, shared by every process. Keys live under the configured prefix
(`{prefix}cache:...`, `{prefix}lock:...`). An unreachable Redis degrades instead of failing the
request: reads miss, writes are skipped, locks are refused, each with a logged warning."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TypeVar, cast
from urllib.parse import urlsplit

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from fairlx.core.cache.base import Cache, new_version, ttl_milliseconds

log = structlog.get_logger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)
SCAN_BATCH = 500
NAMESPACE_TTL_SECONDS = 86_400  # an expired version is replaced by a new one: entries under it go unread

_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")

T = TypeVar("T")


def describe_redis_url(url: str) -> str:
    """The URL without credentials or options, for logs and `fairlx check`."""
    parts = urlsplit(url)
    address = parts.hostname or ""
    if parts.port is not None:
        address = f"{address}:{parts.port}"
    return f"{parts.scheme}://{address}{parts.path}"


class RedisCache(Cache):
    def __init__(self, redis: Redis, prefix: str, url: str) -> None:
        self._redis = redis
        self._values = f"{prefix}cache:"
        self._namespaces = f"{prefix}cache-ns:"
        self._locks = f"{prefix}lock:"
        self._url = url
        self._release_script = redis.register_script(_RELEASE_IF_OWNER)
        self._extend_script = redis.register_script(_EXTEND_IF_OWNER)

    async def _degrade(self, operation: str, call: Awaitable[T], fallback: T) -> T:
        try:
            return await call
        except OUTAGE_ERRORS as error:
            log.warning("cache_unavailable", operation=operation, backend=self.describe(), error=str(error))
            return fallback

    async def get(self, key: str) -> bytes | None:
        read = cast(Awaitable[bytes | None], self._redis.get(self._values + key))  # the client returns bytes
        return await self._degrade("get", read, None)

    async def set(self, key: str, value: bytes, ttl_seconds: float | None) -> None:
        expiry = None if ttl_seconds is None else ttl_milliseconds(ttl_seconds)
        await self._degrade("set", self._redis.set(self._values + key, value, px=expiry), None)

    async def delete(self, key: str) -> None:
        await self._degrade("delete", self._redis.unlink(self._values + key), 0)

    async def delete_prefix(self, prefix: str) -> int:
        return await self._degrade("delete_prefix", self._unlink_matching(prefix), 0)

    async def _unlink_matching(self, prefix: str) -> int:
        pattern = _GLOB_SPECIAL.sub(r"\\\1", self._values + prefix) + "*"
        deleted = 0
        batch: list[bytes] = []
        async for key in self._redis.scan_iter(match=pattern, count=SCAN_BATCH):
            batch.append(key)
            if len(batch) >= SCAN_BATCH:
                deleted += await self._redis.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await self._redis.unlink(*batch)
        return deleted

    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        # Unreachable: the caller sees a counter that just started, so limits built on it fail open.
        return await self._degrade("incr", self._increment(self._values + key, amount, ttl_seconds), amount)

    async def _increment(self, slot: str, amount: int, ttl_seconds: float | None) -> int:
        if ttl_seconds is None:
            return int(await self._redis.incrby(slot, amount))
        async with self._redis.pipeline(transaction=True) as pipeline:
            pipeline.set(slot, 0, px=ttl_milliseconds(ttl_seconds), nx=True)
            pipeline.incrby(slot, amount)
            _created, counter = await pipeline.execute()
        return int(counter)

    async def namespace_version(self, namespace: str) -> str:
        # Unreachable: a version nobody stored, so every read through it misses.
        return await self._degrade("namespace_version", self._current_version(namespace), new_version())

    async def _current_version(self, namespace: str) -> str:
        slot = self._namespaces + namespace
        async with self._redis.pipeline(transaction=True) as pipeline:
            pipeline.set(slot, new_version(), nx=True, ex=NAMESPACE_TTL_SECONDS)
            pipeline.get(slot)
            _created, version = await pipeline.execute()
        return bytes(version).decode()

    async def bump_namespace(self, namespace: str) -> str:
        """A bump lost to an outage leaves the old entries to expire by their own TTL."""
        version = new_version()
        slot = self._namespaces + namespace
        await self._degrade("bump_namespace", self._redis.set(slot, version, ex=NAMESPACE_TTL_SECONDS), None)
        return version

    async def _try_lock(self, name: str, token: str, ttl_seconds: float) -> bool:
        taken = self._redis.set(self._locks + name, token, px=ttl_milliseconds(ttl_seconds), nx=True)
        return bool(await self._degrade("acquire_lock", taken, None))

    async def _release_lock(self, name: str, token: str) -> bool:
        released = self._release_script(keys=[self._locks + name], args=[token])
        return bool(await self._degrade("release_lock", released, 0))

    async def _extend_lock(self, name: str, token: str, ttl_seconds: float) -> bool:
        extended = self._extend_script(keys=[self._locks + name], args=[token, ttl_milliseconds(ttl_seconds)])
        return bool(await self._degrade("extend_lock", extended, 0))

    async def ping(self) -> None:
        await self._redis.ping()

    def describe(self) -> str:
        return f"Redis {describe_redis_url(self._url)}"
