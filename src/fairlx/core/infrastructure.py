"""The infrastructure of one process, built from settings: each part is the embedded backend or the
production one, picked by its URL. The app's lifespan and `fairlx worker` start and close it."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy.engine import make_url

from fairlx.core.cache import Cache, build_cache
from fairlx.core.db import Database
from fairlx.core.mail import Mailer, build_mailer
from fairlx.core.outbox.signal import JobSignal, PostgresSignal, RedisSignal, attach_signal
from fairlx.core.ratelimit import RateLimiter, build_rate_limiter
from fairlx.core.security.passwords import Passwords
from fairlx.core.storage import Storage, build_storage
from fairlx.settings import Settings

log = structlog.get_logger(__name__)

REDIS_TIMEOUT_SECONDS = 3.0
REDIS_MAX_CONNECTIONS = 100


@dataclass
class Infrastructure:
    settings: Settings
    db: Database
    redis: Redis | None
    job_signal: JobSignal
    cache: Cache
    rate_limiter: RateLimiter
    storage: Storage
    mailer: Mailer
    passwords: Passwords

    async def start(self) -> None:
        await self.job_signal.start()

    async def close(self) -> None:
        await self.job_signal.close()
        await self.storage.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()

    def readiness_checks(self) -> dict[str, Awaitable[None]]:
        """One probe per backend a request may need (`/readyz`)."""
        return {"database": self.db.ping(), "cache": self.cache.ping(), "storage": self.storage.ping()}

    def connection_checks(self) -> dict[str, Awaitable[None]]:
        """Every connection this process makes, including mail, which requests never wait for (`fairlx check`)."""
        return self.readiness_checks() | {"mail": self.mailer.ping()}

    def backends(self) -> dict[str, str]:
        """Which backend each part uses, for `fairlx check` and the logs."""
        return {
            "database": self.db.describe(),
            "job wake-ups": self.job_signal.describe(),
            "cache": self.cache.describe(),
            "rate limits": self.rate_limiter.describe(),
            "storage": self.storage.describe(),
            "mail": self.mailer.describe(),
        }


def build_infrastructure(settings: Settings) -> Infrastructure:
    storage = build_storage(settings)  # a malformed URL fails here, before any connection is opened
    mailer = build_mailer(settings)
    db = Database(settings.effective_database_url)
    redis = _connect_redis(settings.redis_url)
    signal = _job_signal(settings, db, redis)
    session_info: dict[str, object] = {}
    attach_signal(session_info, signal)
    db.sessions.configure(info=session_info)
    return Infrastructure(
        settings=settings,
        db=db,
        redis=redis,
        job_signal=signal,
        cache=build_cache(settings, redis),
        rate_limiter=build_rate_limiter(settings, redis),
        storage=storage,
        mailer=mailer,
        passwords=Passwords(
            time_cost=settings.password_hash_time_cost, memory_cost_kib=settings.password_hash_memory_kib
        ),
    )


def _connect_redis(url: str | None) -> Redis | None:
    if not url:
        return None
    # A blocking pool: a burst of requests waits briefly for a free connection instead of failing at once.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_MAX_CONNECTIONS,
        timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


def _job_signal(settings: Settings, db: Database, redis: Redis | None) -> JobSignal:
    if db.dialect == "postgresql":
        dsn = make_url(settings.effective_database_url).set(drivername="postgresql")
        return PostgresSignal(dsn.render_as_string(hide_password=False))
    if redis is not None:
        return RedisSignal(redis, f"{settings.redis_prefix}jobs")
    return JobSignal()
