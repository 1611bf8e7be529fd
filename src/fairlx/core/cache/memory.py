"""The embedded cache: one process, least-recently-used entries evicted past a size cap, TTLs measured
on the wall clock (`fairlx.core.clock`), so tests can move time."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from fairlx.core.cache.base import Cache, new_version, ttl_milliseconds
from fairlx.core.clock import utcnow

DEFAULT_MAX_ENTRIES = 10_000
_VALUE = "v:"
_NAMESPACE = "n:"


@dataclass
class _Entry:
    value: bytes
    expires_at: float | None

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def _now() -> float:
    return utcnow().timestamp()


def _expiry(ttl_seconds: float | None) -> float | None:
    return None if ttl_seconds is None else _now() + ttl_milliseconds(ttl_seconds) / 1000


class MemoryCache(Cache):
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._locks: dict[str, _Entry] = {}  # apart from the entries: a held lock is never evicted

    def _live(self, slot: str) -> _Entry | None:
        entry = self._entries.get(slot)
        if entry is None:
            return None
        if entry.expired(_now()):
            del self._entries[slot]
            return None
        self._entries.move_to_end(slot)
        return entry

    def _store(self, slot: str, entry: _Entry) -> None:
        self._entries[slot] = entry
        self._entries.move_to_end(slot)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get(self, key: str) -> bytes | None:
        entry = self._live(_VALUE + key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: bytes, ttl_seconds: float | None) -> None:
        self._store(_VALUE + key, _Entry(value, _expiry(ttl_seconds)))

    async def delete(self, key: str) -> None:
        self._entries.pop(_VALUE + key, None)

    async def delete_prefix(self, prefix: str) -> int:
        doomed = [slot for slot in self._entries if slot.startswith(_VALUE + prefix)]
        for slot in doomed:
            del self._entries[slot]
        return len(doomed)

    async def incr(self, key: str, amount: int = 1, ttl_seconds: float | None = None) -> int:
        entry = self._live(_VALUE + key)
        if entry is None:
            entry = _Entry(b"0", _expiry(ttl_seconds))
        counter = int(entry.value) + amount
        self._store(_VALUE + key, _Entry(str(counter).encode(), entry.expires_at))
        return counter

    async def namespace_version(self, namespace: str) -> str:
        entry = self._live(_NAMESPACE + namespace)
        if entry is not None:
            return entry.value.decode()
        return await self.bump_namespace(namespace)

    async def bump_namespace(self, namespace: str) -> str:
        # An evicted version is replaced by a fresh random one, so entries under the old one stay unread.
        version = new_version()
        self._store(_NAMESPACE + namespace, _Entry(version.encode(), None))
        return version

    async def _try_lock(self, name: str, token: str, ttl_seconds: float) -> bool:
        now = _now()
        for expired in [held for held, entry in self._locks.items() if entry.expired(now)]:
            del self._locks[expired]
        if name in self._locks:
            return False
        self._locks[name] = _Entry(token.encode(), _expiry(ttl_seconds))
        return True

    def _held_by(self, name: str, token: str) -> _Entry | None:
        entry = self._locks.get(name)
        if entry is None or entry.expired(_now()) or entry.value != token.encode():
            return None
        return entry

    async def _release_lock(self, name: str, token: str) -> bool:
        if self._held_by(name, token) is None:
            return False
        del self._locks[name]
        return True

    async def _extend_lock(self, name: str, token: str, ttl_seconds: float) -> bool:
        entry = self._held_by(name, token)
        if entry is None:
            return False
        entry.expires_at = _expiry(ttl_seconds)
        return True

    async def ping(self) -> None:
        """Always reachable: it lives in this process."""

    def describe(self) -> str:
        return f"in-memory (up to {self.max_entries:,} entries)"
