"""Reading work items: one task, a filtered and sorted list, a board, the trash. Each read runs a fixed
number of statements however many items it returns: the items, then their statuses, labels and
assignees in one statement each."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fairlx.auth.models import User
from fairlx.core.cache import Cache
from fairlx.core.errors import Invalid
from fairlx.core.pagination import Page, id_cursor, last_id
from fairlx.fields.models import CustomField
from fairlx.fields.values import applicable_fields
from fairlx.projects.models import Project, ProjectMember
from fairlx.rbac.access import VIEW_KEY
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.permissions import Scope
from fairlx.search.fulltext import search_terms, task_matches
from fairlx.tasks.filters import FieldCatalog, FilterGroup, compile_filter, parse_sort
from fairlx.tasks.models import Label, Task, TaskAssignee, TaskLabel
from fairlx.tasks.service import project_priorities
from fairlx.workflows.models import WorkflowStatus
from fairlx.workflows.service import mover_for, statuses_of, transition_rules
from fairlx.workspaces.models import WorkspaceMember

DEFAULT_SORT = "-number"
MAX_PEOPLE = 500


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    avatar_key: str | None


@dataclass
class TaskView:
    task: Task
    status: WorkflowStatus
    labels: list[Label] = field(default_factory=list)
    assignees: list[Person] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)  # by field key


@dataclass(frozen=True)
class TaskQuery:
    filter: FilterGroup
    sort: str | None = None
    text: str | None = None  # words searched in titles, descriptions and keys


async def catalog_for(db: AsyncSession, project: Project) -> tuple[FieldCatalog, list[CustomField]]:
    fields = await applicable_fields(db, project)
    dialect = db.get_bind().dialect.name
    return FieldCatalog(dialect, {each.key: each for each in fields}, project_priorities(project)), fields


async def views_of(db: AsyncSession, tasks: Sequence[Task], fields: Sequence[CustomField]) -> list[TaskView]:
    """The tasks with their status, labels and assignees: three statements for any number of tasks."""
    if not tasks:
        return []
    ids = [task.id for task in tasks]
    statuses = {
        status.id: status
        for status in await db.scalars(
            select(WorkflowStatus).where(WorkflowStatus.id.in_({task.status_id for task in tasks}))
        )
    }
    labels: dict[uuid.UUID, list[Label]] = defaultdict(list)
    for task_id, label in await db.execute(
        select(TaskLabel.task_id, Label).join(Label, Label.id == TaskLabel.label_id).where(TaskLabel.task_id.in_(ids))
    ):
        labels[task_id].append(label)
    people: dict[uuid.UUID, list[Person]] = defaultdict(list)
    for task_id, user_id, name, avatar_key in await db.execute(
        select(TaskAssignee.task_id, User.id, User.name, User.avatar_key)
        .join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(ids))
        .order_by(User.name)
    ):
        people[task_id].append(Person(user_id, name, avatar_key))
    keys = {str(each.id): each.key for each in fields}
    return [
        TaskView(
            task,
            statuses[task.status_id],
            sorted(labels[task.id], key=lambda label: label.name.casefold()),
            people[task.id],
            {keys[field_id]: value for field_id, value in (task.custom_fields or {}).items() if field_id in keys},
        )
        for task in tasks
    ]


async def views_across_projects(db: AsyncSession, tasks: Sequence[Task]) -> list[TaskView]:
    """Views of tasks from any projects: one statement for their projects and one per project for its
    fields, then the three of `views_of`."""
    project_ids = {task.project_id for task in tasks}
    projects = list(await db.scalars(select(Project).where(Project.id.in_(project_ids)))) if project_ids else []
    fields = [field for project in projects for field in await applicable_fields(db, project)]
    return await views_of(db, tasks, fields)


async def task_view(db: AsyncSession, project: Project, task: Task) -> TaskView:
    fields = await applicable_fields(db, project)
    return (await views_of(db, [task], fields))[0]


async def list_tasks(
    db: AsyncSession, project: Project, query: TaskQuery, *, cursor: str | None, limit: int
) -> tuple[Page[TaskView], int]:
    """A page of the project's live items matching `query`, and how many match in all."""
    catalog, fields = await catalog_for(db, project)
    matching = _matching(db, project, query, catalog)
    order = parse_sort(query.sort or DEFAULT_SORT, catalog)
    page_query = matching.order_by(*order_with_empties_last(order)).limit(limit + 1)
    after = last_id(cursor)
    if after is not None:
        page_query = page_query.where(await rows_after(db, order, after))
    rows = list((await db.scalars(page_query)).all())
    total = await db.scalar(matching.with_only_columns(func.count()).order_by(None)) or 0
    views = await views_of(db, rows[:limit], fields)
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(views, next_cursor), total


def _matching(db: AsyncSession, project: Project, query: TaskQuery, catalog: FieldCatalog) -> Select[Any]:
    condition = compile_filter(query.filter, catalog)
    statement = select(Task).where(Task.project_id == project.id, Task.deleted_at.is_(None), condition)
    if query.text:
        statement = statement.where(Task.id.in_(_text_matches(db.get_bind().dialect.name, query.text)))
    return statement


def _text_matches(dialect: str, text: str) -> Select[Any]:
    terms = search_terms(text)
    if not terms:
        raise Invalid("search_empty", "Type at least one word to search for.", field="q")
    return select(task_matches(dialect, terms).subquery().c.task_id)


def order_with_empties_last(order: list[tuple[ColumnElement[Any], bool]]) -> list[ColumnElement[Any]]:
    """Each sort column with its empties last, then the id: a total order a cursor can resume."""
    terms: list[ColumnElement[Any]] = []
    for column, descending in order:
        terms += [column.is_(None), column.desc() if descending else column.asc()]
    return [*terms, Task.id.asc()]


async def rows_after(
    db: AsyncSession, order: list[tuple[ColumnElement[Any], bool]], last: uuid.UUID
) -> ColumnElement[bool]:
    """Rows after the row `last` in `order`. The cursor carries only the row's id; its sort values are
    read back (typed by the database) in one statement."""
    keys: list[tuple[ColumnElement[Any], bool]] = []
    for column, descending in order:
        keys += [(column.is_(None), False), (column, descending)]
    keys.append((Task.id.expression, False))
    values = (await db.execute(select(*(column for column, _ in keys)).where(Task.id == last))).first()
    if values is None:
        raise Invalid("cursor_invalid", "The cursor is not one this list gave out.", field="cursor")
    alternatives = []
    for index, (column, descending) in enumerate(keys):
        earlier_equal = [
            each.is_not_distinct_from(literal(values[position], each.type))
            for position, (each, _) in enumerate(keys[:index])
        ]
        theirs = literal(values[index], column.type)
        beyond = column < theirs if descending else column > theirs
        alternatives.append(and_(*earlier_equal, beyond))
    return or_(*alternatives)


# ───────────────────────── board ─────────────────────────

UNASSIGNED = "none"


@dataclass
class Column:
    status: WorkflowStatus
    wip_limit: int | None
    count: int
    cards: list[TaskView]
    next_cursor: str | None

    @property
    def over_limit(self) -> bool:
        return self.wip_limit is not None and self.wip_limit > 0 and self.count > self.wip_limit


@dataclass(frozen=True)
class Lane:
    key: str
    title: str
    task_ids: list[uuid.UUID]


@dataclass
class Board:
    workflow_id: uuid.UUID | None
    columns: list[Column]
    lanes: list[Lane]
    allowed_moves: dict[uuid.UUID, list[uuid.UUID]]
    fields: list[CustomField]


async def board(
    db: AsyncSession,
    viewer: Viewer,
    project: Project,
    query: TaskQuery,
    *,
    swimlane_by: str,
    per_column: int,
) -> Board:
    """Every column of the workflow with its count and its first `per_column` cards by position, and
    where the viewer may move a card from each column."""
    statuses, allowed_moves = await columns_and_moves(db, viewer, project)
    catalog, fields = await catalog_for(db, project)
    matching = _matching(db, project, query, catalog)
    counts = dict(
        (await db.execute(matching.with_only_columns(Task.status_id, func.count()).group_by(Task.status_id))).all()
    )
    ranked = matching.add_columns(
        func.row_number().over(partition_by=Task.status_id, order_by=(Task.position, Task.id)).label("rank")
    ).subquery()
    card = aliased(Task, ranked)
    cards = (
        await db.scalars(select(card).where(ranked.c.rank <= per_column).order_by(ranked.c.position, ranked.c.id))
    ).all()
    views = await views_of(db, cards, fields)
    by_status: dict[uuid.UUID, list[TaskView]] = defaultdict(list)
    for view in views:
        by_status[view.task.status_id].append(view)
    limits = _wip_limits(project, statuses)
    columns = [
        Column(
            status,
            limits.get(status.id),
            counts.get(status.id, 0),
            by_status[status.id],
            id_cursor(by_status[status.id][-1].task.id)
            if counts.get(status.id, 0) > len(by_status[status.id])
            else None,
        )
        for status in statuses
    ]
    lanes = await _lanes(db, views, swimlane_by, {f"cf.{field.key}": field for field in fields})
    return Board(project.workflow_id, columns, lanes, allowed_moves, fields)


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID
    cache: Cache


async def columns_and_moves(
    db: AsyncSession, viewer: Viewer, project: Project
) -> tuple[list[WorkflowStatus], dict[uuid.UUID, list[uuid.UUID]]]:
    """The workflow's statuses in order, and from each the statuses the viewer may move an item to."""
    if project.workflow_id is None:
        return [], {}
    statuses = await statuses_of(db, project.workflow_id)
    rules = await transition_rules(db, project.workflow_id)
    mover = await mover_for(db, viewer.cache, viewer.user_id, project)
    return statuses, {status.id: rules.targets(status.id, mover) for status in statuses}


async def allowed_statuses(db: AsyncSession, viewer: Viewer, project: Project, task: Task) -> list[WorkflowStatus]:
    """The statuses the viewer may move `task` to, its own first."""
    statuses, moves = await columns_and_moves(db, viewer, project)
    targets = set(moves.get(task.status_id, []))
    return [status for status in statuses if status.id == task.status_id or status.id in targets]


def _wip_limits(project: Project, statuses: Sequence[WorkflowStatus]) -> dict[uuid.UUID, int]:
    """The project's WIP limits (kept by status name or key) per status id."""
    configured = {name.casefold(): limit for name, limit in project.settings.get("wip_limits", {}).items()}
    limits = {}
    for status in statuses:
        limit = configured.get(status.key.casefold(), configured.get(status.name.casefold()))
        if limit:
            limits[status.id] = int(limit)
    return limits


async def _lanes(
    db: AsyncSession, views: Sequence[TaskView], swimlane_by: str, custom: Mapping[str, CustomField]
) -> list[Lane]:
    """Cards grouped by a built-in field or by a custom field (`cf.<key>`: one lane per value)."""
    if swimlane_by == "none":
        return []
    if swimlane_by.startswith("cf.") and swimlane_by not in custom:
        raise Invalid("unknown_swimlane", f"{swimlane_by} is not a field of this project.", field="swimlane")
    grouped: dict[str, list[uuid.UUID]] = defaultdict(list)
    titles: dict[str, str] = {}
    for view in views:
        key, title = (
            _custom_lane_of(view, custom[swimlane_by]) if swimlane_by in custom else _lane_of(view, swimlane_by)
        )
        grouped[key].append(view.task.id)
        titles[key] = title
    if swimlane_by == "epic":
        titles |= await _epic_titles(db, [key for key in grouped if key != UNASSIGNED])
    ordered = sorted(grouped, key=lambda key: (key == UNASSIGNED, titles[key].casefold()))
    return [Lane(key, titles[key], grouped[key]) for key in ordered]


def _lane_of(view: TaskView, swimlane_by: str) -> tuple[str, str]:
    task = view.task
    if swimlane_by == "assignee":
        first = view.assignees[0] if view.assignees else None
        return (str(first.id), first.name) if first else (UNASSIGNED, "Unassigned")
    if swimlane_by == "epic":
        return (str(task.epic_id), "") if task.epic_id else (UNASSIGNED, "No epic")
    if swimlane_by == "type":
        return task.type, task.type.title()
    return task.priority, task.priority.title()


def _custom_lane_of(view: TaskView, field: CustomField) -> tuple[str, str]:
    value = view.custom_fields.get(field.key)
    first = value[0] if isinstance(value, list) and value else value
    if first is None or first == []:
        return UNASSIGNED, f"No {field.name.lower()}"
    options = {option["id"]: str(option["value"]) for option in field.options}
    return str(first), options.get(first, str(first))


async def _epic_titles(db: AsyncSession, epic_ids: Sequence[str]) -> dict[str, str]:
    if not epic_ids:
        return {}
    rows = await db.execute(select(Task.id, Task.key, Task.title).where(Task.id.in_([uuid.UUID(e) for e in epic_ids])))
    return {str(epic_id): f"{key} {title}" for epic_id, key, title in rows}


# ───────────────────────── trash ─────────────────────────


async def trash(db: AsyncSession, project: Project, *, cursor: str | None, limit: int) -> Page[TaskView]:
    statement = (
        select(Task)
        .where(Task.project_id == project.id, Task.deleted_at.is_not(None))
        .order_by(Task.deleted_at.desc(), Task.id)
        .limit(limit + 1)
    )
    after = last_id(cursor)
    if after is not None:
        statement = statement.where(await rows_after(db, [(Task.deleted_at.expression, True)], after))
    rows = list((await db.scalars(statement)).all())
    fields = await applicable_fields(db, project)
    return Page(await views_of(db, rows[:limit], fields), id_cursor(rows[limit - 1].id) if len(rows) > limit else None)


async def labels_of(db: AsyncSession, project: Project) -> list[Label]:
    return list(await db.scalars(select(Label).where(Label.project_id == project.id).order_by(func.lower(Label.name))))


async def project_people(db: AsyncSession, cache: Cache, project: Project) -> list[Person]:
    """Who can be assigned in the project: the workspace's and the project's members who can see it."""
    candidates = await db.execute(
        select(User.id, User.name, User.avatar_key)
        .where(
            or_(
                User.id.in_(
                    select(WorkspaceMember.user_id).where(WorkspaceMember.workspace_id == project.workspace_id)
                ),
                User.id.in_(select(ProjectMember.user_id).where(ProjectMember.project_id == project.id)),
            )
        )
        .order_by(User.name)
        .limit(MAX_PEOPLE)
    )
    people = []
    for user_id, name, avatar_key in candidates:
        if VIEW_KEY[Scope.PROJECT] in await permissions_on(db, cache, user_id, project):
            people.append(Person(user_id, name, avatar_key))
    return people


async def epics_of(db: AsyncSession, project: Project) -> list[Task]:
    return list(
        await db.scalars(
            select(Task)
            .where(Task.project_id == project.id, Task.type == "EPIC", Task.deleted_at.is_(None))
            .order_by(Task.number)
            .limit(MAX_PEOPLE)
        )
    )
