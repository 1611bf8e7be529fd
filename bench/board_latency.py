"""A board and a filtered list of a 5,000-item project on PostgreSQL, as latency p50/p95 of the real app
under uvicorn (production topology: PostgreSQL and Redis, rate limits on but sized out of the way),
against a ceiling measured in the same run: the raw SQL that returns the same rows, over asyncpg.

The project is seeded through the product where that is cheap (its workflow, roles and API token come
from the services) and in bulk where it is not (the items, their labels and assignees). Requests go one
at a time over a keep-alive connection from this process; the ceiling runs its statements the same
way. Targets alternate round by round, so drift on a busy machine hits all of them alike. Every answer
is checked: the app's and the raw SQL's must name the same items in the same order, with the counts
the seed implies.

The ratio checked is the board's app p50 / raw p50. The list's ratio is held to a threshold of its
own, reported as a problem when over it: its ceiling is about a millisecond, so its ratio is mostly
the fixed cost of a request (HTTP, the bearer token, authorization, a handful of statements) and moves
with the machine's load far more than the board's does."""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fractional_indexing import generate_n_keys_between
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from tests.support.backends import create_postgres_database, delete_redis_prefix, drop_postgres_database, redis_url

from bench.harness import REPO_ROOT, BenchmarkResult, clean_environment, uvicorn_server, write_results
from fairlx.apitokens.service import create_token
from fairlx.auth.models import AccountType, User
from fairlx.auth.sessions import ClientInfo
from fairlx.core.clock import utcnow
from fairlx.core.db.base import new_id
from fairlx.core.db.counters import next_value
from fairlx.core.db.migrations import upgrade
from fairlx.core.infrastructure import build_infrastructure
from fairlx.projects.models import Project
from fairlx.projects.schemas import ProjectCreate
from fairlx.projects.service import create_project
from fairlx.settings import Settings
from fairlx.tasks.models import Label, Task, TaskAssignee, TaskLabel
from fairlx.tasks.service import DEFAULT_LABEL_COLOR, TASK_NUMBERS, project_priorities
from fairlx.workflows.service import statuses_of
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole

NAME = "board_latency"
THRESHOLDS = {"board": 15.0, "list": 60.0}  # app p50 over raw-SQL p50; observed about 4x and 15-40x
ITEMS = 5000
PROJECT_KEY = "WEB"
PER_COLUMN = 50
LIST_LIMIT = 50
WARMUP_REQUESTS = 20
ROUNDS = 4
REQUESTS_PER_ROUND = 50
SEED = 5000  # the same project every run
SECRET_KEY = "bench-secret-key-" + "x" * 32
TYPES = ("STORY", "TASK", "BUG")
STORY_POINTS = (None, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0)
LABELS = ("backend", "frontend", "design", "infra", "docs")
LABELLED_SHARE = 0.3
ASSIGNED_SHARE = 0.6
FILTER_PRIORITIES = ("HIGH", "URGENT")
FILTER_LABEL = "backend"
LIST_FILTER = {
    "op": "AND",
    "conditions": [
        {"field": "priority", "operator": "IN", "value": list(FILTER_PRIORITIES)},
        {"field": "label", "operator": "CONTAINS", "value": FILTER_LABEL},
    ],
}
LIST_SORT = "-priority"

# The ceilings: one statement each, returning the same task rows with their counts.
RAW_BOARD = """
SELECT * FROM (
    SELECT t.*,
           row_number() OVER (PARTITION BY t.status_id ORDER BY t.position, t.id) AS rank,
           count(*) OVER (PARTITION BY t.status_id) AS column_count
    FROM tasks t
    WHERE t.project_id = $1 AND t.deleted_at IS NULL
) ranked
WHERE rank <= $2
ORDER BY position, id
"""
RAW_LIST = """
SELECT t.*, count(*) OVER () AS total
FROM tasks t
WHERE t.project_id = $1 AND t.deleted_at IS NULL
  AND t.priority = ANY($2::text[])
  AND EXISTS (
      SELECT 1 FROM task_labels tl JOIN labels l ON l.id = tl.label_id
      WHERE tl.task_id = t.id AND l.name = $3
  )
ORDER BY array_position($4::text[], t.priority) DESC, t.id
LIMIT $5
"""


@dataclass(frozen=True)
class Seeded:
    project_id: uuid.UUID
    token: str
    status_ids: list[uuid.UUID]  # board order
    priorities: list[str]  # lowest first
    column_counts: tuple[int, ...]
    list_total: int


@dataclass(frozen=True)
class Answer:
    """What a target returned, reduced to what must agree: counts and item ids in order."""

    counts: tuple[int, ...]
    ids: tuple[str, ...]
    status: int = 200


@dataclass(frozen=True)
class Target:
    view: str  # "board" or "list"
    side: str  # "app" or "raw"
    fetch: Callable[[], Awaitable[Any]]  # the timed part
    answer_of: Callable[[Any], Answer]  # checked afterwards, outside the timing

    @property
    def name(self) -> str:
        return f"{self.view}_{self.side}"


@dataclass
class Samples:
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_benchmark() -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="fairlx-bench-") as scratch:
        return asyncio.run(_run(Path(scratch)))


async def _run(workdir: Path) -> BenchmarkResult:
    prefix = f"fairlx_bench_{secrets.token_hex(4)}:"
    database_url = await create_postgres_database("fairlx_bench")
    try:
        await asyncio.to_thread(upgrade, database_url)
        seeded = await _seed(_settings(database_url, prefix, workdir))
        print(f"  seeded {ITEMS} items into {PROJECT_KEY}; {seeded.list_total} match the list's filter", flush=True)
        env = _server_environment(database_url, prefix, workdir)
        with uvicorn_server(
            "fairlx.app:create_app", factory=True, env=env, cwd=workdir, log_path=workdir / "app.log"
        ) as base_url:
            samples = await _measure(base_url, database_url, seeded)
        return _summarize(samples, seeded)
    finally:
        await drop_postgres_database(database_url)
        await delete_redis_prefix(prefix)


def _settings(database_url: str, prefix: str, workdir: Path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=workdir / "data",
        database_url=database_url,
        redis_url=redis_url(),
        redis_prefix=prefix,
        secret_key=SECRET_KEY,
    )


def _server_environment(database_url: str, prefix: str, workdir: Path) -> dict[str, str]:
    metrics = workdir / "data" / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    return clean_environment(
        {
            "FAIRLX_DATA_DIR": str(workdir / "data"),
            "FAIRLX_DATABASE_URL": database_url,
            "FAIRLX_REDIS_URL": redis_url(),
            "FAIRLX_REDIS_PREFIX": prefix,
            "FAIRLX_SECRET_KEY": SECRET_KEY,
            "FAIRLX_DISPATCHER": "off",
            "FAIRLX_LOG_LEVEL": "WARNING",
            "FAIRLX_LOG_FORMAT": "json",
            # every request still spends from its budget in Redis; the budget is just never the limit
            "FAIRLX_RATE_LIMIT_OVERRIDES": json.dumps({"default": "1000000/minute"}),
            # what `fairlx serve` does: metric samples go to files shared by the processes
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
    )


# --- seeding ---------------------------------------------------------------------------------------


async def _seed(settings: Settings) -> Seeded:
    infra = build_infrastructure(settings)
    await infra.start()
    try:
        async with infra.db.unit_of_work() as db:
            user = await _owner(db)
            workspace = Workspace(name="Benchmark", kind=WorkspaceKind.PERSONAL, created_by=user.id)
            db.add(workspace)
            await db.flush()
            db.add(WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=WorkspaceRole.OWNER))
            await db.flush()
            project = await create_project(
                db, infra.cache, user.id, workspace, ProjectCreate(name="Website", key=PROJECT_KEY)
            )
            assert project.workflow_id is not None
            status_ids = [status.id for status in await statuses_of(db, project.workflow_id)]
            column_counts, list_total = await _insert_items(db, project, user.id, status_ids)
            await next_value(db, TASK_NUMBERS, project.id, count=ITEMS)
            created = await create_token(db, user.id, "Board benchmark", None, ClientInfo("127.0.0.1", NAME))
        return Seeded(project.id, created.secret, status_ids, project_priorities(project), column_counts, list_total)
    finally:
        await infra.close()


async def _owner(db: AsyncSession) -> User:
    now = utcnow()
    user = User(
        email="owner@example.com",
        name="Board Owner",
        email_verified_at=now,
        terms_version="2026-01",
        terms_accepted_at=now,
        account_type=AccountType.PERSONAL,
        onboarded_at=now,
    )
    db.add(user)
    await db.flush()
    return user


async def _insert_items(
    db: AsyncSession, project: Project, user_id: uuid.UUID, status_ids: Sequence[uuid.UUID]
) -> tuple[tuple[int, ...], int]:
    """The items in bulk, ~30% of them labelled and ~60% assigned; returns the per-column counts and
    how many items the list's filter matches, as the seed decides them."""
    rng = random.Random(SEED)
    labels = [
        Label(workspace_id=project.workspace_id, project_id=project.id, name=name, color=DEFAULT_LABEL_COLOR)
        for name in LABELS
    ]
    db.add_all(labels)
    await db.flush()
    statuses = [rng.choice(status_ids) for _ in range(ITEMS)]
    columns = Counter(statuses)
    positions = {status: iter(generate_n_keys_between(None, None, columns[status])) for status in columns}
    priorities = project_priorities(project)
    owned = {"workspace_id": project.workspace_id}
    tasks: list[dict[str, Any]] = []
    task_labels: list[dict[str, Any]] = []
    assignees: list[dict[str, Any]] = []
    list_total = 0
    for number, status_id in enumerate(statuses, start=1):
        task = _item_row(project, user_id, number, rng) | {
            "status_id": status_id,
            "priority": rng.choice(priorities),
            "position": next(positions[status_id]),
        }
        tasks.append(task)
        if rng.random() < LABELLED_SHARE:
            label = rng.choice(labels)
            task_labels.append({"task_id": task["id"], "label_id": label.id, **owned})
            if label.name == FILTER_LABEL and task["priority"] in FILTER_PRIORITIES:
                list_total += 1
        if rng.random() < ASSIGNED_SHARE:
            assignees.append({"task_id": task["id"], "user_id": user_id, **owned})
    for model, rows in ((Task, tasks), (TaskLabel, task_labels), (TaskAssignee, assignees)):
        await db.execute(insert(model), rows)
    return tuple(columns[status] for status in status_ids), list_total


def _item_row(project: Project, user_id: uuid.UUID, number: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": new_id(),
        "workspace_id": project.workspace_id,
        "project_id": project.id,
        "number": number,
        "key": f"{PROJECT_KEY}-{number}",
        "type": rng.choice(TYPES),
        "title": f"Work item {number}",
        "story_points": rng.choice(STORY_POINTS),
        "reporter_id": user_id,
        "created_by": user_id,
        "updated_by": user_id,
        "custom_fields": {},
        "version": 1,
    }


# --- measuring -------------------------------------------------------------------------------------


async def _measure(base_url: str, database_url: str, seeded: Seeded) -> Samples:
    connection = await asyncpg.connect(
        make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    headers = {"Authorization": f"Bearer {seeded.token}"}
    try:
        await connection.execute("ANALYZE")  # the statistics a project this size would long have
        async with httpx.AsyncClient(base_url=base_url, headers=headers, trust_env=False, timeout=30) as client:
            return await _alternate(_targets(client, connection, seeded), seeded)
    finally:
        await connection.close()


def _targets(client: httpx.AsyncClient, connection: asyncpg.Connection, seeded: Seeded) -> list[Target]:
    project = seeded.project_id
    board_params = {"per_column": PER_COLUMN}
    list_params: dict[str, str | int] = {"filter": json.dumps(LIST_FILTER), "sort": LIST_SORT, "limit": LIST_LIMIT}
    return [
        Target(
            "board",
            "app",
            lambda: client.get(f"/api/v1/projects/{project}/board", params=board_params),
            _app_board_answer,
        ),
        Target(
            "board",
            "raw",
            lambda: connection.fetch(RAW_BOARD, project, PER_COLUMN),
            lambda rows: _raw_board_answer(rows, seeded.status_ids),
        ),
        Target(
            "list", "app", lambda: client.get(f"/api/v1/projects/{project}/tasks", params=list_params), _app_list_answer
        ),
        Target(
            "list",
            "raw",
            lambda: connection.fetch(
                RAW_LIST, project, list(FILTER_PRIORITIES), FILTER_LABEL, seeded.priorities, LIST_LIMIT + 1
            ),
            _raw_list_answer,
        ),
    ]


def _app_board_answer(response: httpx.Response) -> Answer:
    if response.status_code != 200:
        return Answer((), (), response.status_code)
    columns = response.json()["columns"]
    return Answer(
        tuple(column["count"] for column in columns),
        tuple(card["id"] for column in columns for card in column["cards"]),
    )


def _raw_board_answer(rows: Sequence[asyncpg.Record], status_ids: Sequence[uuid.UUID]) -> Answer:
    counts = {row["status_id"]: row["column_count"] for row in rows}
    return Answer(
        tuple(counts.get(status, 0) for status in status_ids),
        tuple(str(row["id"]) for status in status_ids for row in rows if row["status_id"] == status),
    )


def _app_list_answer(response: httpx.Response) -> Answer:
    if response.status_code != 200:
        return Answer((), (), response.status_code)
    body = response.json()
    return Answer((body["total"],), tuple(item["id"] for item in body["items"]))


def _raw_list_answer(rows: Sequence[asyncpg.Record]) -> Answer:
    return Answer((rows[0]["total"] if rows else 0,), tuple(str(row["id"]) for row in rows[:LIST_LIMIT]))


async def _alternate(targets: list[Target], seeded: Seeded) -> Samples:
    """Warm every target up, then time them round by round; each answer must match the expected one
    (the raw SQL's first answer, whose counts must be the seed's)."""
    expected = {target.view: target.answer_of(await target.fetch()) for target in targets if target.side == "raw"}
    samples = Samples({target.name: [] for target in targets})
    _check_counts(expected, seeded, samples.problems)
    for target in targets:
        for _ in range(WARMUP_REQUESTS):
            await target.fetch()
    for round_number in range(1, ROUNDS + 1):
        for target in targets:
            await _time_round(target, expected[target.view], samples)
        medians = "  ".join(
            f"{name} {statistics.median(ms[-REQUESTS_PER_ROUND:]):.2f}" for name, ms in samples.latencies_ms.items()
        )
        print(f"  round {round_number}/{ROUNDS}, p50 of the round in ms: {medians}", flush=True)
    return samples


def _check_counts(expected: dict[str, Answer], seeded: Seeded, problems: list[str]) -> None:
    if expected["board"].counts != seeded.column_counts:
        problems.append(f"raw board counts {expected['board'].counts}, seeded {seeded.column_counts}")
    if expected["list"].counts != (seeded.list_total,):
        problems.append(f"raw list total {expected['list'].counts}, seeded {seeded.list_total}")
    wanted_cards = sum(min(count, PER_COLUMN) for count in seeded.column_counts)
    if len(expected["board"].ids) != wanted_cards or len(expected["list"].ids) != min(seeded.list_total, LIST_LIMIT):
        problems.append("the raw statements returned an unexpected number of items")


async def _time_round(target: Target, expected: Answer, samples: Samples) -> None:
    for _ in range(REQUESTS_PER_ROUND):
        started = time.perf_counter()
        result = await target.fetch()
        samples.latencies_ms[target.name].append((time.perf_counter() - started) * 1000)
        answer = target.answer_of(result)
        if answer != expected and len(samples.problems) < 10:
            samples.problems.append(f"{target.name}: {_difference(answer, expected)}")


def _difference(answer: Answer, expected: Answer) -> str:
    if answer.status != expected.status:
        return f"answered {answer.status}"
    if answer.counts != expected.counts:
        return f"counts {answer.counts}, expected {expected.counts}"
    return f"{len(answer.ids)} items differing from the {len(expected.ids)} expected, or in another order"


# --- reporting -------------------------------------------------------------------------------------


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49], cuts[94]


def _summarize(samples: Samples, seeded: Seeded) -> BenchmarkResult:
    percentiles = {name: _percentiles(latencies) for name, latencies in samples.latencies_ms.items()}
    figures: dict[str, Any] = {}
    for name, (p50, p95) in percentiles.items():
        figures |= {f"{name}_p50_ms": round(p50, 2), f"{name}_p95_ms": round(p95, 2)}
    ratios = {view: percentiles[f"{view}_app"][0] / percentiles[f"{view}_raw"][0] for view in THRESHOLDS}
    figures |= {
        "board_ratio": round(ratios["board"], 2),
        "list_ratio": round(ratios["list"], 2),
        "items": ITEMS,
        "list_matches": seeded.list_total,
        "per_column": PER_COLUMN,
        "list_limit": LIST_LIMIT,
        "requests_per_target": ROUNDS * REQUESTS_PER_ROUND,
        "rounds": ROUNDS,
        "warmup_requests": WARMUP_REQUESTS,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    problems = [*samples.problems]
    if ratios["list"] > THRESHOLDS["list"]:
        problems.append(f"list ratio {ratios['list']:.2f}x is over its threshold {THRESHOLDS['list']:g}x")
    result = BenchmarkResult(NAME, ratios["board"], THRESHOLDS["board"], figures, problems)
    _print(result)
    path = write_results(NAME, {"name": NAME, "thresholds": THRESHOLDS, "passed": result.passed, **figures})
    print(f"  written to {path.relative_to(REPO_ROOT)}")
    return result


def _print(result: BenchmarkResult) -> None:
    figures = result.figures
    print(f"  {ITEMS} items, {figures['requests_per_target']} sequential requests per target after a warm-up")
    for view, what in (
        ("board", f"board, {PER_COLUMN} cards per column"),
        ("list", f"filtered list, {LIST_LIMIT} per page"),
    ):
        for side, label in (("app", "app (HTTP)"), ("raw", "raw SQL (ceiling)")):
            p50, p95 = figures[f"{view}_{side}_p50_ms"], figures[f"{view}_{side}_p95_ms"]
            print(f"  {what:<32} {label:<18} p50 {p50:>8.2f} ms   p95 {p95:>8.2f} ms")
        ratio, threshold = figures[f"{view}_ratio"], THRESHOLDS[view]
        print(f"  {what:<32} ratio app/raw p50 {ratio:.2f}x (threshold {threshold:g}x)")
    print(f"  load average {figures['load_average_1m']} on {figures['cpus']} CPUs while measuring")
    for problem in result.problems:
        print(f"  PROBLEM: {problem}")
