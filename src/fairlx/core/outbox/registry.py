"""Job kinds and recurring schedules. Each domain's `jobs.py` registers its handlers at import time;
`JOB_MODULES` lists those modules so every process (server, worker, tests) knows the same kinds."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cronsim import CronSim

if TYPE_CHECKING:
    from fairlx.core.infrastructure import Infrastructure

JOB_MODULES = ("fairlx.core.outbox.jobs", "fairlx.core.mail.jobs", "fairlx.core.storage.jobs", "fairlx.tasks.jobs")


@dataclass(frozen=True)
class JobContext:
    """What a handler receives. `job_id` is stable across retries: use it to de-duplicate deliveries."""

    job_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempt: int
    infra: Infrastructure


Handler = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int
    retry_base_seconds: float
    timeout_seconds: float


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)

    def next_after(self, moment: datetime) -> datetime:
        return next(CronSim(self.cron, moment.astimezone(UTC)))


class JobRegistry:
    def __init__(self) -> None:
        self.kinds: dict[str, JobKind] = {}
        self.schedules: dict[str, Schedule] = {}

    def handler(
        self,
        kind: str,
        *,
        max_attempts: int = 8,
        retry_base_seconds: float = 10.0,
        timeout_seconds: float = 300.0,
    ) -> Callable[[Handler], Handler]:
        def register(function: Handler) -> Handler:
            if kind in self.kinds:
                raise ValueError(f"job kind {kind!r} is registered twice")
            self.kinds[kind] = JobKind(kind, function, max_attempts, retry_base_seconds, timeout_seconds)
            return function

        return register

    def schedule(self, name: str, cron: str, kind: str, payload: dict[str, Any] | None = None) -> None:
        """Run `kind` on a cron schedule (UTC, five fields), once per period across all processes."""
        schedule = Schedule(name, cron, kind, payload or {})
        schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # a malformed expression fails at import, not at 3 a.m.
        self.schedules[name] = schedule

    def kind(self, name: str) -> JobKind | None:
        return self.kinds.get(name)


registry = JobRegistry()


def load_job_modules() -> JobRegistry:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return registry
