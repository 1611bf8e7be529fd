"""The cache every part of Fairlx shares: bytes under string keys with a TTL, JSON helpers, atomic
counters, versioned namespaces for invalidating a family of keys at once, and locks that only their
holder can release. The in-memory backend serves one process; the Redis backend serves them all."""

from __future__ import annotations

import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any


class Cache(ABC):
    @abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value under `key`, or None when it is missing, expired or unreachable."""

    @abstractmethod
    async def set(self, key: str, value: bytes, ttl_seconds: float | None) -> None:
        """Store `value`; it expires after `ttl_seconds` (None: kept until evicted or deleted)."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with `prefix`; returns how many were deleted."""

    @abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        """Add `amount` atomically and return the new value. The TTL applies when the counter is
        created and is not renewed by later increments."""

    @abstractmethod
    async def namespace_version(self, namespace: str) -> str:
        """The current version token of `namespace`: put it in the keys of that family of entries."""

    @abstractmethod
    async def bump_namespace(self, namespace: str) -> str:
        """Give `namespace` a new version, so every key built with the old one is never read again."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise when the backend does not answer (readiness probe)."""

    @abstractmethod
    def describe(self) -> str: ...

    @abstractmethod
    async def _try_lock(self, name: str, token: str, ttl_seconds: float) -> bool: ...

    @abstractmethod
    async def _release_lock(self, name: str, token: str) -> bool: ...

    @abstractmethod
    async def _extend_lock(self, name: str, token: str, ttl_seconds: float) -> bool: ...

    async def get_json(self, key: str) -> Any:
        """The JSON value under `key`, or None on a miss."""
        raw = await self.get(key)
        return None if raw is None else json.loads(raw)

    async def set_json(self, key: str, value: Any, ttl_seconds: float | None) -> None:
        await self.set(key, json.dumps(value, separators=(",", ":")).encode(), ttl_seconds)

    async def acquire_lock(self, name: str, ttl_seconds: float) -> Lock | None:
        """Take the lock `name` for `ttl_seconds`, or None while someone else holds it."""
        ttl_milliseconds(ttl_seconds)
        token = secrets.token_urlsafe(18)
        if await self._try_lock(name, token, ttl_seconds):
            return Lock(self, name, token)
        return None


@dataclass(frozen=True)
class Lock:
    """A held lock. Its random token proves ownership: once the lock expired and someone else took
    it, `release` and `extend` do nothing and return False."""

    cache: Cache
    name: str
    token: str

    async def release(self) -> bool:
        return await self.cache._release_lock(self.name, self.token)

    async def extend(self, ttl_seconds: float) -> bool:
        """Hold the lock for `ttl_seconds` from now, if it is still ours."""
        ttl_milliseconds(ttl_seconds)
        return await self.cache._extend_lock(self.name, self.token, ttl_seconds)

    async def __aenter__(self) -> Lock:
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _traceback: TracebackType | None
    ) -> None:
        await self.release()


def ttl_milliseconds(ttl_seconds: float) -> int:
    """A TTL in whole milliseconds (at least one); a TTL that is not positive is a programming error."""
    if ttl_seconds <= 0:
        raise ValueError(f"a TTL must be positive, got {ttl_seconds}")
    return max(1, round(ttl_seconds * 1000))


def new_version() -> str:
    return secrets.token_hex(8)
