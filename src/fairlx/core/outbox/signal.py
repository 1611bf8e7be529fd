"""Wake-ups for dispatchers: a commit that queued jobs wakes the dispatcher in this process at once,
and other processes through PostgreSQL LISTEN/NOTIFY or Redis pub/sub. Polling stays as the fallback,
so a lost wake-up only delays a job, never loses it."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

NOTIFY_CHANNEL = "fairlx_jobs"
_EMITTED = "outbox.emitted"
_SIGNAL = "outbox.signal"
RECONNECT_MIN_SECONDS = 0.5
RECONNECT_MAX_SECONDS = 10.0

log = structlog.get_logger(__name__)


class JobSignal:
    """In-process wake-up; subclasses add a channel between processes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.listening = asyncio.Event()  # set once wake-ups from every source can arrive

    def wake(self) -> None:
        self._event.set()

    def committed(self) -> None:
        """Called after a commit that queued jobs."""
        self.wake()

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()

    async def start(self) -> None:
        """Begin listening to other processes (in process: nothing to connect)."""
        self.listening.set()

    async def close(self) -> None:
        """Stop listening."""

    def describe(self) -> str:
        return "in-process"


class RemoteJobSignal(JobSignal, ABC):
    """A signal that also listens to other processes, reconnecting with backoff when the link drops."""

    def __init__(self) -> None:
        super().__init__()
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen_forever())

    async def _listen_forever(self) -> None:
        delay = RECONNECT_MIN_SECONDS
        while True:
            try:
                await self._listen_until_disconnected(on_ready=self._on_ready)
                delay = RECONNECT_MIN_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.listening.clear()
                log.warning("job_wakeup_listener_failed", channel=self.describe(), error=str(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _on_ready(self) -> None:
        self.listening.set()
        self.wake()  # catch up on commits made while nobody listened

    @abstractmethod
    async def _listen_until_disconnected(self, on_ready: Callable[[], None]) -> None:
        """Subscribe, call `on_ready`, then return only when the connection is lost."""

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None


class PostgresSignal(RemoteJobSignal):
    """LISTEN on a dedicated connection; `emit` issues NOTIFY inside the transaction."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self._dsn = dsn

    async def _listen_until_disconnected(self, on_ready: Callable[[], None]) -> None:
        connection = await asyncpg.connect(self._dsn)
        closed = asyncio.Event()
        connection.add_termination_listener(lambda _connection: closed.set())
        try:
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_args: self.wake())
            on_ready()
            await closed.wait()
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    def describe(self) -> str:
        return "PostgreSQL LISTEN/NOTIFY"


class RedisSignal(RemoteJobSignal):
    """Publishes after each commit that queued jobs; every process subscribes."""

    def __init__(self, redis: Redis, channel: str) -> None:
        super().__init__()
        self._redis = redis
        self._channel = channel
        self._publishes: set[asyncio.Task[None]] = set()

    def committed(self) -> None:
        super().committed()
        task = asyncio.get_running_loop().create_task(self._publish())
        self._publishes.add(task)
        task.add_done_callback(self._publishes.discard)

    async def _publish(self) -> None:
        try:
            await self._redis.publish(self._channel, b"1")
        except Exception as error:  # other processes still poll: a lost wake-up only delays a job
            log.warning("job_wakeup_publish_failed", error=str(error))

    async def _listen_until_disconnected(self, on_ready: Callable[[], None]) -> None:
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self._channel)
            on_ready()
            async for _message in pubsub.listen():
                self.wake()

    async def close(self) -> None:
        await super().close()
        await asyncio.gather(*self._publishes, return_exceptions=True)

    def describe(self) -> str:
        return "Redis pub/sub"


def attach_signal(info: dict[str, Any], signal: JobSignal) -> None:
    """Make sessions created with this `info` wake `signal` after committing queued jobs."""
    info[_SIGNAL] = signal


def mark_jobs_emitted(session: AsyncSession) -> None:
    session.sync_session.info[_EMITTED] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_EMITTED, False) and (signal := session.info.get(_SIGNAL)) is not None:
        signal.committed()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_EMITTED, None)
