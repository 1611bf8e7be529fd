"""What authorize() costs per request, with a cold and a warm cache, against a ceiling measured in the
same run: loading the same resource row with no authorization at all (`session.get(Project, id)` in its
own read-only unit of work). Embedded backends (SQLite, in-memory cache), one process, no HTTP.

The ratio checked is warm authorize / ceiling: a warm check adds cache reads and no SQL, so it should
stay close to the bare load. The cold figure (every entry invalidated before each call, so the four
layers are resolved from the database) is reported beside it."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.support.tenancy import BYSTANDER, SIGNED_IN_PERSONAS, World, write_world

from bench.harness import REPO_ROOT, BenchmarkResult, write_results
from fairlx.auth.models import User
from fairlx.core.db.migrations import upgrade
from fairlx.core.infrastructure import Infrastructure, build_infrastructure
from fairlx.projects.models import Project
from fairlx.rbac.authorize import authorize
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import workspace_namespace
from fairlx.settings import Settings

NAME = "authorize_cost"
THRESHOLD = 3.0  # warm authorize over a bare row load
CALLS = 2000
ROUNDS = 3
PERSONA = "project_member"


def run_benchmark() -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="fairlx-bench-") as scratch:
        return asyncio.run(_run(Path(scratch)))


async def _run(folder: Path) -> BenchmarkResult:
    settings = Settings(_env_file=None, data_dir=folder, secret_key="bench-secret-key-" + "x" * 32)
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    infra = build_infrastructure(settings)
    await infra.start()
    try:
        world = await write_world(infra, await _users(infra))
        timings = await _measure(infra, world)
    finally:
        await infra.close()
    return _summarize(timings)


async def _users(infra: Infrastructure) -> dict[str, uuid.UUID]:
    async with infra.db.unit_of_work() as db:
        users = {
            persona: User(email=f"{persona}@example.com", name=persona) for persona in (*SIGNED_IN_PERSONAS, BYSTANDER)
        }
        db.add_all(users.values())
        await db.flush()
        return {persona: user.id for persona, user in users.items()}


async def _measure(infra: Infrastructure, world: World) -> dict[str, list[float]]:
    user_id, project_id = world.users[PERSONA], world.project.id

    async def bare() -> None:
        async with infra.db.unit_of_work(read_only=True) as db:
            await db.get(Project, project_id)

    async def warm() -> None:
        async with infra.db.unit_of_work(read_only=True) as db:
            await authorize(
                db,
                infra.cache,
                user_id,
                permission=Permission.PROJECT_TASKS_VIEW,
                model=Project,
                resource_id=project_id,
            )

    async def cold() -> None:
        await infra.cache.bump_namespace(workspace_namespace(world.workspace.id))
        await warm()

    samples: dict[str, list[float]] = {"bare": [], "warm": [], "cold": []}
    for _ in range(ROUNDS):
        for name, call in (("bare", bare), ("warm", warm), ("cold", cold)):
            samples[name].append(await _microseconds_per_call(call))
    return samples


async def _microseconds_per_call(call: Callable[[], Awaitable[None]]) -> float:
    await call()
    started = time.perf_counter()
    for _ in range(CALLS):
        await call()
    return (time.perf_counter() - started) / CALLS * 1e6


def _summarize(samples: dict[str, list[float]]) -> BenchmarkResult:
    bare, warm, cold = (statistics.median(samples[name]) for name in ("bare", "warm", "cold"))
    figures = {
        "bare_us": round(bare, 1),
        "warm_us": round(warm, 1),
        "cold_us": round(cold, 1),
        "warm_ratio": warm / bare,
        "cold_ratio": cold / bare,
        "calls_per_round": CALLS,
        "rounds": ROUNDS,
        "samples_us": {name: [round(value, 1) for value in values] for name, values in samples.items()},
    }
    result = BenchmarkResult(NAME, warm / bare, THRESHOLD, figures)
    print(f"  bare row load     {bare:>8.1f} us/call (ceiling)")
    print(f"  authorize, warm   {warm:>8.1f} us/call ({warm / bare:.2f}x)")
    print(f"  authorize, cold   {cold:>8.1f} us/call ({cold / bare:.2f}x)")
    path = write_results(NAME, {"name": NAME, "threshold": THRESHOLD, "passed": result.passed, **figures})
    print(f"  written to {path.relative_to(REPO_ROOT)}")
    return result
