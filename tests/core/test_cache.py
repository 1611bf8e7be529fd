"""The shared cache on both legs: in process memory (embedded) and Redis (service). Redis enforces
TTLs on its own clock, so on that leg the tests read the TTL Redis holds instead of moving time."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest
import time_machine

from fairlx.core.cache import MemoryCache
from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from tests.support.servers import free_port

CLOSED_REDIS_PORT = free_port()
CLOSED_REDIS_URL = f"redis://:hunter2@127.0.0.1:{CLOSED_REDIS_PORT}/0"


async def remaining_ttl_ms(infra: Infrastructure, redis_key: str) -> int:
    assert infra.redis is not None
    return int(await infra.redis.pttl(f"{infra.settings.redis_prefix}{redis_key}"))


async def test_stored_values_are_read_back_and_unknown_keys_miss(infra: Infrastructure) -> None:
    cache = infra.cache
    await cache.set("doc:ws:1", b"\x00workspace", ttl_seconds=None)
    await cache.set_json("list:tasks:1", {"items": [1, 2], "next_cursor": None}, ttl_seconds=60)

    assert await cache.get("doc:ws:1") == b"\x00workspace"
    assert await cache.get_json("list:tasks:1") == {"items": [1, 2], "next_cursor": None}
    assert await cache.get("doc:ws:2") is None
    assert await cache.get_json("list:tasks:2") is None

    await cache.delete("doc:ws:1")
    assert await cache.get("doc:ws:1") is None


async def test_a_value_expires_after_its_ttl(infra: Infrastructure) -> None:
    cache = infra.cache
    with time_machine.travel(utcnow(), tick=False) as traveller:
        await cache.set("auth:lifecycle:u1", b"ACTIVE", ttl_seconds=300)
        await cache.set("resolve:user:u1", b"Ada", ttl_seconds=None)
        if infra.redis is not None:
            assert 0 < await remaining_ttl_ms(infra, "cache:auth:lifecycle:u1") <= 300_000
            assert await remaining_ttl_ms(infra, "cache:resolve:user:u1") == -1  # no expiry
            return
        traveller.shift(timedelta(seconds=299))
        assert await cache.get("auth:lifecycle:u1") == b"ACTIVE"
        traveller.shift(timedelta(seconds=2))
        assert await cache.get("auth:lifecycle:u1") is None
        assert await cache.get("resolve:user:u1") == b"Ada"


async def test_a_ttl_that_is_not_positive_is_refused(infra: Infrastructure) -> None:
    with pytest.raises(ValueError, match="TTL must be positive"):
        await infra.cache.set("doc:ws:1", b"x", ttl_seconds=0)
    with pytest.raises(ValueError, match="TTL must be positive"):
        await infra.cache.acquire_lock("billing-cycle", ttl_seconds=-1)


async def test_delete_prefix_removes_exactly_the_keys_under_it(infra: Infrastructure) -> None:
    cache = infra.cache
    await asyncio.gather(*(cache.set(f"perm:ws:1:user{n}", b"1", ttl_seconds=600) for n in range(1_203)))
    await cache.set("perm:ws:10:user1", b"keep", ttl_seconds=600)
    await cache.set("perm:ws:*:user1", b"literal star", ttl_seconds=600)
    await cache.set("perm:ws:2:user1", b"keep", ttl_seconds=600)

    assert await cache.delete_prefix("perm:ws:1:") == 1_203
    assert await cache.delete_prefix("perm:ws:*") == 1  # glob characters are matched literally

    assert await cache.get("perm:ws:1:user0") is None
    assert await cache.get("perm:ws:1:user1202") is None
    assert await cache.get("perm:ws:*:user1") is None
    assert await cache.get("perm:ws:10:user1") == b"keep"
    assert await cache.get("perm:ws:2:user1") == b"keep"
    assert await cache.delete_prefix("perm:ws:1:") == 0


async def test_concurrent_increments_are_all_counted(infra: Infrastructure) -> None:
    cache = infra.cache
    results = await asyncio.gather(*(cache.incr("cnt:comments:t1", ttl_seconds=300) for _ in range(250)))
    assert sorted(results) == list(range(1, 251))
    assert await cache.incr("cnt:comments:t1", amount=-50) == 200
    assert await cache.get("cnt:comments:t1") == b"200"


async def test_a_counter_keeps_the_ttl_it_was_created_with(infra: Infrastructure) -> None:
    cache = infra.cache
    with time_machine.travel(utcnow(), tick=False) as traveller:
        assert await cache.incr("cnt:notif:u1", ttl_seconds=60) == 1
        traveller.shift(timedelta(seconds=30))
        assert await cache.incr("cnt:notif:u1", ttl_seconds=3_600) == 2
        if infra.redis is not None:
            assert 0 < await remaining_ttl_ms(infra, "cache:cnt:notif:u1") <= 60_000
            return
        traveller.shift(timedelta(seconds=31))
        assert await cache.get("cnt:notif:u1") is None
        assert await cache.incr("cnt:notif:u1") == 1


async def test_bumping_a_namespace_gives_it_a_new_version(infra: Infrastructure) -> None:
    cache = infra.cache
    first = await cache.namespace_version("perm:user:u1")
    assert await cache.namespace_version("perm:user:u1") == first
    other = await cache.namespace_version("perm:user:u2")

    await cache.set(f"perm:{first}:proj:p1", b"PROJECT_OWNER", ttl_seconds=600)
    bumped = await cache.bump_namespace("perm:user:u1")

    assert bumped != first
    assert await cache.namespace_version("perm:user:u1") == bumped
    assert await cache.namespace_version("perm:user:u2") == other
    assert await cache.get(f"perm:{bumped}:proj:p1") is None


async def test_a_lock_refuses_a_second_holder_until_released(infra: Infrastructure) -> None:
    cache = infra.cache
    first = await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30)
    assert first is not None
    assert await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30) is None
    assert await cache.acquire_lock("billing-cycle:acct2", ttl_seconds=30) is not None

    assert await first.release() is True
    second = await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30)
    assert second is not None
    assert second.token != first.token


async def test_a_stale_token_cannot_release_or_extend_a_reacquired_lock(infra: Infrastructure) -> None:
    cache = infra.cache
    stale = await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30)
    assert stale is not None
    await stale.release()
    holder = await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30)
    assert holder is not None

    assert await stale.release() is False
    assert await stale.extend(60) is False
    assert await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30) is None  # still the holder's
    assert await holder.extend(60) is True
    assert await holder.release() is True


async def test_a_lock_expires_after_its_ttl_unless_extended(infra: Infrastructure) -> None:
    cache = infra.cache
    with time_machine.travel(utcnow(), tick=False) as traveller:
        lock = await cache.acquire_lock("sprint-close:s1", ttl_seconds=10)
        extended = await cache.acquire_lock("sprint-close:s2", ttl_seconds=10)
        assert lock is not None
        assert extended is not None
        assert await extended.extend(120) is True
        if infra.redis is not None:
            assert 0 < await remaining_ttl_ms(infra, "lock:sprint-close:s1") <= 10_000
            assert 10_000 < await remaining_ttl_ms(infra, "lock:sprint-close:s2") <= 120_000
            return
        traveller.shift(timedelta(seconds=11))
        successor = await cache.acquire_lock("sprint-close:s1", ttl_seconds=10)
        assert successor is not None
        assert await lock.release() is False
        assert await cache.acquire_lock("sprint-close:s1", ttl_seconds=10) is None
        assert await cache.acquire_lock("sprint-close:s2", ttl_seconds=10) is None


async def test_a_lock_used_as_a_context_is_released_on_exit(infra: Infrastructure) -> None:
    cache = infra.cache
    lock = await cache.acquire_lock("metering-flush", ttl_seconds=30)
    assert lock is not None
    async with lock:
        assert await cache.acquire_lock("metering-flush", ttl_seconds=30) is None
    assert await cache.acquire_lock("metering-flush", ttl_seconds=30) is not None


async def test_readiness_and_backends_report_the_cache(infra: Infrastructure, api: httpx.AsyncClient) -> None:
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"] == "ok"
    description = infra.backends()["cache"]
    if infra.redis is not None:
        assert description.startswith("Redis redis://127.0.0.1:")
    else:
        assert description.startswith("in-memory")


@pytest.mark.parametrize("settings_overrides", [{"redis_url": CLOSED_REDIS_URL}])
async def test_an_unreachable_redis_degrades_to_misses_without_errors(
    infra: Infrastructure, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    cache = infra.cache
    await cache.set("doc:ws:1", b"x", ttl_seconds=60)
    await cache.set_json("doc:ws:2", {"a": 1}, ttl_seconds=60)
    assert await cache.get("doc:ws:1") is None
    assert await cache.get_json("doc:ws:2") is None
    await cache.delete("doc:ws:1")
    assert await cache.delete_prefix("doc:") == 0
    assert await cache.incr("cnt:notif:u1", amount=3, ttl_seconds=60) == 3
    assert await cache.namespace_version("perm:user:u1") != await cache.namespace_version("perm:user:u1")
    assert await cache.acquire_lock("billing-cycle:acct1", ttl_seconds=30) is None

    warnings = [r.msg for r in caplog.records if r.levelno == logging.WARNING and isinstance(r.msg, dict)]
    operations = {w["operation"] for w in warnings if w.get("event") == "cache_unavailable"}
    assert operations >= {"get", "set", "delete", "delete_prefix", "incr", "namespace_version", "acquire_lock"}
    assert "hunter2" not in str(warnings)
    assert infra.backends()["cache"] == f"Redis redis://127.0.0.1:{CLOSED_REDIS_PORT}/0"

    ready = await api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"] == "failing"


async def test_the_memory_cache_evicts_the_least_recently_used_entry() -> None:
    cache = MemoryCache(max_entries=3)
    for name in ("a", "b", "c"):
        await cache.set(name, name.encode(), ttl_seconds=None)
    assert await cache.get("a") == b"a"  # now the most recently used

    await cache.set("d", b"d", ttl_seconds=None)

    assert await cache.get("b") is None
    assert [await cache.get(name) for name in ("a", "c", "d")] == [b"a", b"c", b"d"]
