"""A person's own work: the items assigned to them, due soon or recently touched across every workspace
they reach ("My work"), and their private backlog in one workspace, a three-column mini-kanban whose
items can be promoted into a project's work items.

Each read runs a fixed number of statements however many items it returns; which projects' items the
caller may see is decided from their cached workspace access (`project.tasks.view`), as `authorize` does."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fractional_indexing import generate_key_between
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Invalid, NotFound
from fairlx.core.pagination import Page, decode_cursor, encode_cursor, id_cursor, last_id
from fairlx.fields.models import CustomField
from fairlx.projects.models import Project
from fairlx.rbac.authorize import authorize
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import workspace_access
from fairlx.tasks import queries, service
from fairlx.tasks.models import PersonalItem, PersonalItemStatus, PersonalItemType, Task, TaskAssignee
from fairlx.tasks.mywork_schemas import (
    BacklogItemCreate,
    BacklogItemUpdate,
    BacklogMove,
    BacklogPromote,
    Section,
)
from fairlx.tasks.schemas import TaskCreate
from fairlx.workflows.models import StatusType, WorkflowStatus
from fairlx.workspaces.models import Workspace
from fairlx.workspaces.service import switcher_workspaces

DUE_SOON_DAYS = 7
TASK_READING = frozenset({Permission.PROJECT_VIEW, Permission.PROJECT_TASKS_VIEW})

# ───────────────────────── my work ─────────────────────────


@dataclass(frozen=True)
class MyWorkItem:
    view: queries.TaskView
    project: Project
    workspace: Workspace


@dataclass(frozen=True)
class MyWorkPage:
    section: Section
    page: Page[MyWorkItem]
    status_type_counts: dict[StatusType, int]  # of every item assigned to me, closed ones included
    workspaces: list[Workspace]  # where I have a personal backlog


SECTION_ORDER: dict[Section, list[tuple[ColumnElement[Any], bool]]] = {
    Section.ASSIGNED: [(Task.due_date.expression, False), (Task.updated_at.expression, True)],
    Section.DUE_SOON: [(Task.due_date.expression, False), (Task.updated_at.expression, True)],
    Section.RECENT: [(Task.updated_at.expression, True)],
}


def _assigned_to(user_id: uuid.UUID) -> ColumnElement[bool]:
    return Task.id.in_(select(TaskAssignee.task_id).where(TaskAssignee.user_id == user_id))


def _open() -> ColumnElement[bool]:
    closed = exists().where(WorkflowStatus.id == Task.status_id, WorkflowStatus.status_type == StatusType.CLOSED)
    return ~closed


def _in_section(user_id: uuid.UUID, section: Section, today: date) -> ColumnElement[bool]:
    live = Task.deleted_at.is_(None)
    if section is Section.RECENT:
        return and_(live, or_(Task.created_by == user_id, Task.updated_by == user_id, _assigned_to(user_id)))
    condition = and_(live, _assigned_to(user_id), _open())
    if section is Section.DUE_SOON:
        condition = and_(condition, Task.due_date.is_not(None), Task.due_date <= today + timedelta(days=DUE_SOON_DAYS))
    return condition


async def _readable_projects(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, involved: ColumnElement[bool]
) -> list[uuid.UUID]:
    """The projects holding items that match `involved` whose tasks the user may view: one statement,
    plus the (cached) access of each workspace they lie in."""
    by_workspace: defaultdict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for workspace_id, project_id in await db.execute(
        select(Task.workspace_id, Task.project_id).where(involved).distinct()
    ):
        by_workspace[workspace_id].add(project_id)
    readable = []
    for workspace_id, project_ids in by_workspace.items():
        access = await workspace_access(db, cache, user_id, workspace_id)
        if access is not None:
            readable += [each for each in project_ids if access.project_keys(each) >= TASK_READING]
    return readable


async def my_work(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    section: Section,
    *,
    cursor: str | None,
    limit: int,
    today: date | None = None,
) -> Page[MyWorkItem]:
    """One page of the section's items, from every workspace the user reaches."""
    involved = _in_section(user_id, section, today or utcnow().date())
    projects = await _readable_projects(db, cache, user_id, involved)
    if not projects:
        return Page([], None)
    order = SECTION_ORDER[section]
    statement = (
        select(Task, Project, Workspace)
        .join(Project, Project.id == Task.project_id)
        .join(Workspace, Workspace.id == Task.workspace_id)
        .where(involved, Task.project_id.in_(projects))
        .order_by(*queries.order_with_empties_last(order))
        .limit(limit + 1)
    )
    after = last_id(cursor)
    if after is not None:
        statement = statement.where(await queries.rows_after(db, order, after))
    rows = (await db.execute(statement)).all()
    shown = rows[:limit]
    fields = await _fields_of(db, {workspace.id for _, _, workspace in shown})
    views = await queries.views_of(db, [task for task, _, _ in shown], fields)
    items = [MyWorkItem(view, project, workspace) for view, (_, project, workspace) in zip(views, shown, strict=True)]
    return Page(items, id_cursor(shown[-1][0].id) if len(rows) > limit else None)


async def _fields_of(db: AsyncSession, workspace_ids: set[uuid.UUID]) -> list[CustomField]:
    """Every custom field of these workspaces: enough to name each item's values by key."""
    if not workspace_ids:
        return []
    return list(await db.scalars(select(CustomField).where(CustomField.workspace_id.in_(workspace_ids))))


async def status_type_counts(db: AsyncSession, cache: Cache, user_id: uuid.UUID) -> dict[StatusType, int]:
    """How many of the live items assigned to the user (that they may still see) are open, in progress
    or closed."""
    involved = and_(Task.deleted_at.is_(None), _assigned_to(user_id))
    projects = await _readable_projects(db, cache, user_id, involved)
    counts = dict.fromkeys(StatusType, 0)
    if projects:
        rows = await db.execute(
            select(WorkflowStatus.status_type, func.count())
            .join(Task, Task.status_id == WorkflowStatus.id)
            .where(involved, Task.project_id.in_(projects))
            .group_by(WorkflowStatus.status_type)
        )
        counts |= {StatusType(status_type): count for status_type, count in rows.all()}
    return counts


async def my_work_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, section: Section, *, cursor: str | None, limit: int
) -> MyWorkPage:
    page = await my_work(db, cache, user_id, section, cursor=cursor, limit=limit)
    workspaces = [view.workspace for view in await switcher_workspaces(db, user_id)]
    return MyWorkPage(section, page, await status_type_counts(db, cache, user_id), workspaces)


# ───────────────────────── personal backlog ─────────────────────────

BOARD_COLUMN_LIMIT = 200
PROMOTED_AS_TASK = frozenset({PersonalItemType.IDEA, PersonalItemType.IMPROVEMENT})
STATUS_ORDER = tuple(PersonalItemStatus)  # TODO, IN_PROGRESS, DONE: the board's columns, left to right
REQUIRED_ON_UPDATE = frozenset({"title", "type", "priority", "status", "flagged"})


@dataclass(frozen=True)
class BacklogOwner:
    """Whose backlog, in which workspace. Nobody else ever reads or writes it."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID


@dataclass(frozen=True)
class BacklogItemView:
    item: PersonalItem
    promoted_task_key: str | None  # the work item it became


@dataclass(frozen=True)
class BacklogColumn:
    status: PersonalItemStatus
    items: list[BacklogItemView]
    count: int  # all of the column's items, beyond those shown


def _status_rank() -> ColumnElement[int]:
    return case({status.value: rank for rank, status in enumerate(STATUS_ORDER)}, value=PersonalItem.status)


def _owned(owner: BacklogOwner) -> ColumnElement[bool]:
    return and_(PersonalItem.workspace_id == owner.workspace_id, PersonalItem.user_id == owner.user_id)


def _with_task_keys(statement: Select[Any]) -> Select[Any]:
    return statement.add_columns(Task.key).outerjoin(Task, Task.id == PersonalItem.promoted_task_id)


async def list_backlog(
    db: AsyncSession,
    owner: BacklogOwner,
    *,
    status: PersonalItemStatus | None = None,
    cursor: str | None,
    limit: int,
) -> Page[BacklogItemView]:
    """The owner's items column by column (TODO, IN_PROGRESS, DONE), each column top to bottom."""
    rank = _status_rank()
    statement = _with_task_keys(select(PersonalItem).where(_owned(owner)))
    if status is not None:
        statement = statement.where(PersonalItem.status == status)
    if cursor:
        statement = statement.where(_after_in_board(rank, cursor))
    rows = (await db.execute(statement.order_by(rank, PersonalItem.position, PersonalItem.id).limit(limit + 1))).all()
    items = [BacklogItemView(item, key) for item, key in rows[:limit]]
    if len(rows) <= limit:
        return Page(items, None)
    last = items[-1].item
    return Page(items, encode_cursor([STATUS_ORDER.index(last.status), last.position], last.id))


def _after_in_board(rank: ColumnElement[int], cursor: str) -> ColumnElement[bool]:
    value, last = decode_cursor(cursor, list)
    if len(value) != 2 or not isinstance(value[0], int) or not isinstance(value[1], str):
        raise Invalid("cursor_invalid", "The cursor is not one this list gave out.", field="cursor")
    last_rank, position = value
    return or_(
        rank > last_rank,
        and_(rank == last_rank, PersonalItem.position > position),
        and_(rank == last_rank, PersonalItem.position == position, PersonalItem.id > last),
    )


async def backlog_board(db: AsyncSession, owner: BacklogOwner) -> list[BacklogColumn]:
    """The three columns with their counts and first `BOARD_COLUMN_LIMIT` items: two statements."""
    counts = dict(
        (
            await db.execute(
                select(PersonalItem.status, func.count()).where(_owned(owner)).group_by(PersonalItem.status)
            )
        ).all()
    )
    ranked = (
        select(
            PersonalItem.id,
            func.row_number()
            .over(partition_by=PersonalItem.status, order_by=(PersonalItem.position, PersonalItem.id))
            .label("rank"),
        )
        .where(_owned(owner))
        .subquery()
    )
    statement = _with_task_keys(
        select(PersonalItem).join(ranked, ranked.c.id == PersonalItem.id).where(ranked.c.rank <= BOARD_COLUMN_LIMIT)
    )
    by_status: defaultdict[PersonalItemStatus, list[BacklogItemView]] = defaultdict(list)
    for item, key in await db.execute(statement.order_by(PersonalItem.position, PersonalItem.id)):
        by_status[item.status].append(BacklogItemView(item, key))
    return [BacklogColumn(status, by_status[status], counts.get(status, 0)) for status in STATUS_ORDER]


async def backlog_item(db: AsyncSession, owner: BacklogOwner, item_id: uuid.UUID) -> PersonalItem:
    """The owner's item; anyone else's (or none) is a 404."""
    item = await db.get(PersonalItem, item_id)
    if item is None or item.user_id != owner.user_id or item.workspace_id != owner.workspace_id:
        raise NotFound("backlog_item_not_found", "No such item in your backlog.")
    return item


async def item_view(db: AsyncSession, item: PersonalItem) -> BacklogItemView:
    key = None
    if item.promoted_task_id is not None:
        key = await db.scalar(select(Task.key).where(Task.id == item.promoted_task_id))
    return BacklogItemView(item, key)


async def create_item(db: AsyncSession, owner: BacklogOwner, data: BacklogItemCreate) -> BacklogItemView:
    item = PersonalItem(
        workspace_id=owner.workspace_id,
        user_id=owner.user_id,
        title=data.title,
        status=data.status,
        type=PersonalItemType.TASK,
        priority="MEDIUM",
        labels=[],
        flagged=False,
        position=await _bottom_of(db, owner, data.status),
    )
    _apply(item, data.model_dump(exclude_unset=True, exclude={"title", "status"}))
    db.add(item)
    await db.flush()
    return BacklogItemView(item, None)


async def update_item(
    db: AsyncSession, owner: BacklogOwner, item_id: uuid.UUID, data: BacklogItemUpdate
) -> BacklogItemView:
    item = await backlog_item(db, owner, item_id)
    changes = data.model_dump(exclude_unset=True)
    for name in REQUIRED_ON_UPDATE & changes.keys():
        if changes[name] is None:
            raise Invalid(f"{name}_required", f"Every backlog item needs its {name}.", field=name)
    if changes.get("status", item.status) != item.status:
        item.status = changes["status"]
        item.position = await _bottom_of(db, owner, item.status, leaving=item.id)
    if "title" in changes:
        item.title = changes["title"]
    _apply(item, changes)
    item.updated_at = utcnow()
    await db.flush()
    return await item_view(db, item)


def _apply(item: PersonalItem, changes: dict[str, Any]) -> None:
    """The shared fields that were sent: `null` clears a description, date, estimate or labels."""
    for name in ("description", "due_date", "estimated_hours", "type", "flagged"):
        if name in changes:
            setattr(item, name, changes[name])
    if "priority" in changes:
        item.priority = changes["priority"].value
    if "labels" in changes:
        item.labels = list(dict.fromkeys(changes["labels"] or []))


async def delete_item(db: AsyncSession, owner: BacklogOwner, item_id: uuid.UUID) -> None:
    await db.delete(await backlog_item(db, owner, item_id))
    await db.flush()


async def move_item(db: AsyncSession, owner: BacklogOwner, item_id: uuid.UUID, move: BacklogMove) -> BacklogItemView:
    """Into `move.status` between two of its items; only this row is written."""
    item = await backlog_item(db, owner, item_id)
    above = await _neighbour(db, owner, item, status=move.status, neighbour_id=move.after_id, field="after_id")
    below = await _neighbour(db, owner, item, status=move.status, neighbour_id=move.before_id, field="before_id")
    if move.after_id is None and move.before_id is None:
        below = await db.scalar(_column_edge(owner, move.status, item.id))
    if above is not None and below is not None and above >= below:
        below = None  # neighbours that moved meanwhile: land just below the one named first
    item.status = move.status
    item.position = str(generate_key_between(above, below))
    item.updated_at = utcnow()
    await db.flush()
    return await item_view(db, item)


async def place_item(
    db: AsyncSession, owner: BacklogOwner, item_id: uuid.UUID, status: PersonalItemStatus, index: int
) -> BacklogItemView:
    """A board drop: the item lands at `index` (0: the top) among the column's other items."""
    item = await backlog_item(db, owner, item_id)
    others = list(
        await db.scalars(
            select(PersonalItem.id)
            .where(_owned(owner), PersonalItem.status == status, PersonalItem.id != item.id)
            .order_by(PersonalItem.position, PersonalItem.id)
            .offset(max(index - 1, 0))
            .limit(2 if index > 0 else 1)
        )
    )
    after_id = others[0] if index > 0 and others else None
    before_id = (others[1] if len(others) > 1 else None) if index > 0 else (others[0] if others else None)
    return await move_item(db, owner, item.id, BacklogMove(status=status, after_id=after_id, before_id=before_id))


async def _neighbour(
    db: AsyncSession,
    owner: BacklogOwner,
    item: PersonalItem,
    *,
    status: PersonalItemStatus,
    neighbour_id: uuid.UUID | None,
    field: str,
) -> str | None:
    if neighbour_id is None:
        return None
    neighbour = await db.get(PersonalItem, neighbour_id)
    if (
        neighbour is None
        or neighbour.id == item.id
        or neighbour.user_id != owner.user_id
        or neighbour.workspace_id != owner.workspace_id
        or neighbour.status != status
    ):
        raise Invalid("unknown_neighbour", "That item is not in the target column of your backlog.", field=field)
    return neighbour.position


def _column_edge(owner: BacklogOwner, status: PersonalItemStatus, leaving: uuid.UUID) -> Select[Any]:
    return select(func.min(PersonalItem.position)).where(
        _owned(owner), PersonalItem.status == status, PersonalItem.id != leaving
    )


async def _bottom_of(
    db: AsyncSession, owner: BacklogOwner, status: PersonalItemStatus, *, leaving: uuid.UUID | None = None
) -> str:
    statement = select(func.max(PersonalItem.position)).where(_owned(owner), PersonalItem.status == status)
    if leaving is not None:
        statement = statement.where(PersonalItem.id != leaving)
    return str(generate_key_between(await db.scalar(statement), None))


# ───────────────────────── promotion ─────────────────────────


@dataclass(frozen=True)
class PromotionChoice:
    item: PersonalItem
    projects: list[Project]  # of the workspace, where the owner may create work items, by name


async def promotion_choice(db: AsyncSession, cache: Cache, owner: BacklogOwner, item_id: uuid.UUID) -> PromotionChoice:
    item = await backlog_item(db, owner, item_id)
    access = await workspace_access(db, cache, owner.user_id, owner.workspace_id)
    if access is None:
        return PromotionChoice(item, [])
    projects = await db.scalars(
        select(Project).where(Project.workspace_id == owner.workspace_id).order_by(func.lower(Project.name))
    )
    return PromotionChoice(
        item, [each for each in projects if Permission.PROJECT_TASKS_CREATE in access.project_keys(each.id)]
    )


async def promote_item(
    db: AsyncSession, cache: Cache, owner: BacklogOwner, item_id: uuid.UUID, data: BacklogPromote
) -> tuple[Task, BacklogItemView]:
    """A real work item in `data.project_id` made from the backlog item, which is marked promoted (once)."""
    item = await backlog_item(db, owner, item_id)
    if item.promoted_task_id is not None or item.promoted_at is not None:
        raise Conflict("backlog_item_promoted", "This item was promoted already.")
    project = await authorize(
        db, cache, owner.user_id, permission=Permission.PROJECT_TASKS_CREATE, model=Project, resource_id=data.project_id
    )
    if project.workspace_id != owner.workspace_id:
        raise Invalid("project_in_other_workspace", "Choose a project of this workspace.", field="project_id")
    task = await service.create_task(db, service.Caller(owner.user_id, cache), project, _as_task(item, data.type))
    item.promoted_task_id = task.id
    item.promoted_at = utcnow()
    item.updated_at = item.promoted_at
    await db.flush()
    return task, BacklogItemView(item, task.key)


def _as_task(item: PersonalItem, chosen_type: str | None) -> TaskCreate:
    default_type = PersonalItemType.TASK if item.type in PROMOTED_AS_TASK else item.type
    return TaskCreate(
        title=item.title,
        type=chosen_type or default_type.value,
        description=item.description,
        priority=item.priority,
        labels=item.labels or None,
        due_date=item.due_date,
        estimated_hours=item.estimated_hours,
        flagged=item.flagged,
    )
