"""Work items: create, edit, move through the workflow and across the board, trash and restore, bulk
changes, split and clone. Every write checks the task's `version` when the caller sends one, and the
ORM's version column catches a write that raced past that check."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fractional_indexing import generate_key_between
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.db.counters import next_value
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from fairlx.fields.values import TypeRule, applicable_fields, clean_field_values, type_rules
from fairlx.projects.models import Project
from fairlx.rbac.access import VIEW_KEY
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.permissions import Permission, Scope
from fairlx.tasks.models import Label, Task, TaskAssignee, TaskLabel
from fairlx.tasks.schemas import BulkAction, BulkRequest, Priority, TaskCreate, TaskMove, TaskUpdate
from fairlx.workflows.models import WorkflowStatus
from fairlx.workflows.service import ensure_project_workflow, initial_status, mover_for, transition_rules

TASK_NUMBERS = "task_number"
TRASH_DAYS = 30
DEFAULT_LABEL_COLOR = "#64748b"
EPIC = "EPIC"


@dataclass(frozen=True)
class Caller:
    """Who makes a change, with what the rules need to know about them."""

    user_id: uuid.UUID
    cache: Cache


# ───────────────────────── create ─────────────────────────


async def create_task(db: AsyncSession, caller: Caller, project: Project, data: TaskCreate) -> Task:
    workflow = await ensure_project_workflow(db, project, caller.user_id)
    status = await _starting_status(db, workflow.id, data.status_id)
    rules = await type_rules(db, project)
    _known_type(rules, data.type)
    number = await next_value(db, TASK_NUMBERS, project.id)
    task = Task(
        workspace_id=project.workspace_id,
        project_id=project.id,
        number=number,
        key=f"{project.key}-{number}",
        type=data.type,
        title=data.title,
        status_id=status.id,
        priority=Priority.MEDIUM.value,
        reporter_id=caller.user_id,
        position=await _bottom_of(db, project.id, status.id),
        custom_fields={},
        created_by=caller.user_id,
        updated_by=caller.user_id,
    )
    fields = data.model_dump(exclude_unset=True, exclude={"title", "type", "status_id"})
    await _apply_fields(db, caller, project, task=task, changes=fields, rules=rules, creating=True)
    db.add(task)
    await db.flush()
    await _write_people_and_labels(db, caller, project, task, fields)
    return task


async def _starting_status(db: AsyncSession, workflow_id: uuid.UUID, status_id: uuid.UUID | None) -> WorkflowStatus:
    if status_id is None:
        return await initial_status(db, workflow_id)
    status = await db.get(WorkflowStatus, status_id)
    if status is None or status.workflow_id != workflow_id:
        raise Invalid("unknown_status", "That status is not part of this project's workflow.", field="status_id")
    if not status.is_initial:
        raise Invalid(
            "not_initial_status", f"New items start in an initial status, not {status.name}.", field="status_id"
        )
    return status


# ───────────────────────── update ─────────────────────────


async def update_task(
    db: AsyncSession, caller: Caller, project: Project, task: Task, data: TaskUpdate, *, expected_version: int | None
) -> Task:
    _check_version(task, expected_version)
    _touch(task, caller)
    changes = data.changes()
    if changes.get("type") is not None and changes["type"] != task.type:
        changes["retyped"] = True
    with refusing_stale_writes():
        if "status_id" in changes:
            await _transition(db, caller, project, task, _required(changes.pop("status_id"), "status_id"))
        for name in ("title", "type"):
            if name in changes:
                setattr(task, name, _required(changes.pop(name), name))
        rules = await type_rules(db, project)
        _known_type(rules, task.type)
        await _apply_fields(db, caller, project, task=task, changes=changes, rules=rules, creating=False)
        await _write_people_and_labels(db, caller, project, task, changes)
    return task


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise Invalid(f"{name}_required", f"Every item needs its {name.removesuffix('_id')}.", field=name)
    return value


async def move_task(
    db: AsyncSession, caller: Caller, project: Project, task: Task, data: TaskMove, *, expected_version: int | None
) -> Task:
    """A board drag: a transition when the column changes, then a new position between two neighbours
    (only this row is written, whatever the column holds)."""
    _check_version(task, expected_version)
    _touch(task, caller)
    with refusing_stale_writes():
        await _transition(db, caller, project, task, data.status_id)
        task.position = await _position_between(db, task, data.after_id, data.before_id)
        await db.flush()
    return task


async def _transition(db: AsyncSession, caller: Caller, project: Project, task: Task, to_status_id: uuid.UUID) -> None:
    if to_status_id == task.status_id:
        return
    workflow = await ensure_project_workflow(db, project, caller.user_id)
    rules = await transition_rules(db, workflow.id)
    rules.check(task.status_id, to_status_id, await mover_for(db, caller.cache, caller.user_id, project))
    task.status_id = to_status_id
    task.position = await _bottom_of(db, project.id, to_status_id)


def _touch(task: Task, caller: Caller) -> None:
    task.updated_by = caller.user_id
    task.updated_at = utcnow()


@contextmanager
def refusing_stale_writes() -> Iterator[None]:
    """A write that lost a race with another (the row's version moved on under it) is a 412."""
    try:
        yield
    except StaleDataError:
        raise _stale() from None


async def _save(db: AsyncSession, caller: Caller, task: Task) -> Task:
    _touch(task, caller)
    with refusing_stale_writes():
        await db.flush()
    return task


def _check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != task.version:
        raise _stale()


def _stale() -> PreconditionFailed:
    return PreconditionFailed(
        "version_mismatch", "Someone changed this item since you loaded it. Reload it and apply your change again."
    )


# ───────────────────────── fields, people and labels ─────────────────────────

PLAIN_FIELDS = (
    "description",
    "start_date",
    "due_date",
    "end_date",
    "story_points",
    "estimated_hours",
    "remaining_hours",
)


async def _apply_fields(
    db: AsyncSession,
    caller: Caller,
    project: Project,
    *,
    task: Task,
    changes: Mapping[str, Any],
    rules: Mapping[str, TypeRule],
    creating: bool,
) -> None:
    for name in PLAIN_FIELDS:
        if name in changes:
            setattr(task, name, changes[name])
    if changes.get("flagged") is not None:
        task.flagged = changes["flagged"]
    if "priority" in changes:
        task.priority = _known_priority(project, changes["priority"])
    _check_dates(task)
    if "epic_id" in changes:
        task.epic_id = await _epic(db, project, task, changes["epic_id"])
    if creating or "parent_id" in changes or changes.get("retyped"):
        await _check_parent(db, project, task, changes.get("parent_id", task.parent_id), rules)
    if creating or "custom_fields" in changes or changes.get("retyped"):
        fields = await applicable_fields(db, project)
        task.custom_fields = await clean_field_values(
            db,
            project,
            fields,
            task.type,
            changes.get("custom_fields") or {},
            previous=None if creating else task.custom_fields,
        )


def _check_dates(task: Task) -> None:
    if task.start_date and task.due_date and task.due_date < task.start_date:
        raise Invalid("due_before_start", "The due date can't be before the start date.", field="due_date")
    if task.start_date and task.end_date and task.end_date < task.start_date:
        raise Invalid("end_before_start", "The end date can't be before the start date.", field="end_date")


def _known_type(rules: Mapping[str, TypeRule], type_key: str) -> None:
    if type_key not in rules:
        raise Invalid("unknown_type", f"{type_key} is not a work item type of this project.", field="type")


def project_priorities(project: Project) -> list[str]:
    """The system priorities, lowest first, then the project's own."""
    custom = [each["key"] for each in project.settings.get("priorities", []) if isinstance(each, dict)]
    return [*(priority.value for priority in Priority), *custom]


def _known_priority(project: Project, priority: str | None) -> str:
    if priority is None:
        return Priority.MEDIUM.value
    if priority not in project_priorities(project):
        raise Invalid("unknown_priority", f"{priority} is not a priority of this project.", field="priority")
    return priority


async def _epic(db: AsyncSession, project: Project, task: Task, epic_id: uuid.UUID | None) -> uuid.UUID | None:
    if epic_id is None:
        return None
    epic = await db.get(Task, epic_id)
    if epic is None or epic.project_id != project.id or epic.deleted_at is not None:
        raise Invalid("unknown_epic", "No such epic in this project.", field="epic_id")
    if epic.type != EPIC or epic.id == task.id:
        raise Invalid("not_an_epic", f"{epic.key} is not an epic.", field="epic_id")
    return epic.id


async def _check_parent(
    db: AsyncSession, project: Project, task: Task, parent_id: uuid.UUID | None, rules: Mapping[str, TypeRule]
) -> None:
    task.parent_id = parent_id
    if parent_id is None:
        return
    parent = await db.get(Task, parent_id)
    if parent is None or parent.project_id != project.id or parent.deleted_at is not None:
        raise Invalid("unknown_parent", "No such item in this project.", field="parent_id")
    rule = rules[task.type]
    parent_rule = rules.get(parent.type)
    if parent_rule is None or parent.type not in rule.allowed_parents or task.type not in parent_rule.allowed_children:
        raise Invalid(
            "parent_type_not_allowed",
            f"A {rule.name} can't be a child of a {parent_rule.name if parent_rule else parent.type}.",
            field="parent_id",
        )
    if task.id is not None and task.id in await _ancestor_ids(db, parent.id):
        raise Invalid("hierarchy_cycle", "An item can't be its own ancestor.", field="parent_id")


async def _ancestor_ids(db: AsyncSession, task_id: uuid.UUID) -> set[uuid.UUID]:
    """`task_id` and every item above it, in one recursive query."""
    chain = select(Task.id, Task.parent_id).where(Task.id == task_id).cte("chain", recursive=True)
    chain = chain.union(select(Task.id, Task.parent_id).join(chain, Task.id == chain.c.parent_id))
    return set((await db.scalars(select(chain.c.id))).all())


async def _write_people_and_labels(
    db: AsyncSession, caller: Caller, project: Project, task: Task, changes: Mapping[str, Any]
) -> None:
    if changes.get("assignee_ids") is not None:
        await _set_assignees(db, caller, project, task, changes["assignee_ids"])
    if changes.get("labels") is not None:
        await _set_labels(db, project, task, changes["labels"])
    await db.flush()


async def _set_assignees(
    db: AsyncSession, caller: Caller, project: Project, task: Task, user_ids: Sequence[uuid.UUID]
) -> None:
    wanted = list(dict.fromkeys(user_ids))
    for index, user_id in enumerate(wanted):
        if VIEW_KEY[Scope.PROJECT] not in await permissions_on(db, caller.cache, user_id, project):
            raise Invalid(
                "assignee_not_member",
                "Only people who can see the project can be assigned.",
                field=f"assignee_ids.{index}",
            )
    await db.execute(delete(TaskAssignee).where(TaskAssignee.task_id == task.id))
    db.add_all(TaskAssignee(task_id=task.id, user_id=user_id, workspace_id=task.workspace_id) for user_id in wanted)


async def _set_labels(db: AsyncSession, project: Project, task: Task, names: Sequence[str]) -> None:
    wanted = list(dict.fromkeys(names))
    labels = await labels_named(db, project, wanted)
    await db.execute(delete(TaskLabel).where(TaskLabel.task_id == task.id))
    db.add_all(TaskLabel(task_id=task.id, label_id=label.id, workspace_id=task.workspace_id) for label in labels)


async def labels_named(db: AsyncSession, project: Project, names: Sequence[str]) -> list[Label]:
    """The project's labels with these names (matched without regard to case), created when missing."""
    existing = {
        label.name.casefold(): label for label in await db.scalars(select(Label).where(Label.project_id == project.id))
    }
    missing = [name for name in names if name.casefold() not in existing]
    created = [
        Label(workspace_id=project.workspace_id, project_id=project.id, name=name, color=DEFAULT_LABEL_COLOR)
        for name in missing
    ]
    db.add_all(created)
    await db.flush()
    existing |= {label.name.casefold(): label for label in created}
    return [existing[name.casefold()] for name in names]


# ───────────────────────── positions ─────────────────────────


async def _bottom_of(db: AsyncSession, project_id: uuid.UUID, status_id: uuid.UUID) -> str:
    last = await db.scalar(
        select(func.max(Task.position)).where(Task.project_id == project_id, Task.status_id == status_id)
    )
    return str(generate_key_between(last, None))


async def _position_between(
    db: AsyncSession, task: Task, after_id: uuid.UUID | None, before_id: uuid.UUID | None
) -> str:
    above = await _neighbour(db, task, after_id, "after_id")
    below = await _neighbour(db, task, before_id, "before_id")
    if above is None and below is None and after_id is None and before_id is None:
        below = await db.scalar(_column_edge(task, func.min))
    if above is not None and below is not None and above >= below:
        below = None  # neighbours that moved meanwhile: land just below the one named first
    return str(generate_key_between(above, below))


async def _neighbour(db: AsyncSession, task: Task, neighbour_id: uuid.UUID | None, field: str) -> str | None:
    if neighbour_id is None:
        return None
    neighbour = await db.get(Task, neighbour_id)
    if neighbour is None or neighbour.project_id != task.project_id or neighbour.status_id != task.status_id:
        raise Invalid("unknown_neighbour", "That card is not in the target column.", field=field)
    return neighbour.position


def _column_edge(task: Task, edge: Any) -> Any:
    return select(edge(Task.position)).where(
        Task.project_id == task.project_id, Task.status_id == task.status_id, Task.id != task.id
    )


# ───────────────────────── trash ─────────────────────────


async def delete_task(db: AsyncSession, caller: Caller, task: Task, *, expected_version: int | None) -> None:
    _check_version(task, expected_version)
    task.deleted_at = utcnow()
    task.deleted_by = caller.user_id
    await _save(db, caller, task)


async def restore_task(db: AsyncSession, caller: Caller, project: Project, task_id: uuid.UUID) -> Task:
    task = await db.get(Task, task_id)
    if task is None or task.project_id != project.id or task.deleted_at is None:
        raise NotFound("task_not_found", "No such item in this project's trash.")
    task.deleted_at = None
    task.deleted_by = None
    return await _save(db, caller, task)


async def purge_trash(db: AsyncSession) -> int:
    """Delete for good what has been in the trash for longer than `TRASH_DAYS`."""
    cutoff = utcnow() - timedelta(days=TRASH_DAYS)
    result = await db.execute(delete(Task).where(Task.deleted_at.is_not(None), Task.deleted_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


# ───────────────────────── split and clone ─────────────────────────

COPIED_ON_SPLIT = ("type", "status_id", "priority", "epic_id", "parent_id")


async def split_task(
    db: AsyncSession, caller: Caller, project: Project, task: Task, titles: Sequence[str]
) -> list[Task]:
    """New items, one per title, with the original's type, status, priority, epic and assignees."""
    return [
        await _copy(db, caller, project, source=task, title=title, attributes=COPIED_ON_SPLIT, with_labels=False)
        for title in titles
    ]


COPIED_ON_CLONE = (*COPIED_ON_SPLIT, *PLAIN_FIELDS, "flagged", "custom_fields")


async def clone_task(db: AsyncSession, caller: Caller, project: Project, task: Task, title: str | None) -> Task:
    return await _copy(
        db,
        caller,
        project,
        source=task,
        title=title or f"{task.title} (copy)",
        attributes=COPIED_ON_CLONE,
        with_labels=True,
    )


async def _copy(
    db: AsyncSession,
    caller: Caller,
    project: Project,
    *,
    source: Task,
    title: str,
    attributes: Iterable[str],
    with_labels: bool,
) -> Task:
    number = await next_value(db, TASK_NUMBERS, project.id)
    copy = Task(
        workspace_id=source.workspace_id,
        project_id=source.project_id,
        number=number,
        key=f"{project.key}-{number}",
        title=title,
        reporter_id=caller.user_id,
        created_by=caller.user_id,
        updated_by=caller.user_id,
        **{name: getattr(source, name) for name in attributes},
    )
    copy.custom_fields = dict(copy.custom_fields or {})
    copy.position = await _bottom_of(db, project.id, source.status_id)
    db.add(copy)
    await db.flush()
    assignees = await db.scalars(select(TaskAssignee.user_id).where(TaskAssignee.task_id == source.id))
    db.add_all(TaskAssignee(task_id=copy.id, user_id=user_id, workspace_id=copy.workspace_id) for user_id in assignees)
    if with_labels:
        labels = await db.scalars(select(TaskLabel.label_id).where(TaskLabel.task_id == source.id))
        db.add_all(TaskLabel(task_id=copy.id, label_id=label_id, workspace_id=copy.workspace_id) for label_id in labels)
    await db.flush()
    return copy


# ───────────────────────── bulk ─────────────────────────

BULK_PERMISSIONS = {
    BulkAction.UPDATE: Permission.PROJECT_TASKS_EDIT,
    BulkAction.MOVE: Permission.PROJECT_TASKS_EDIT,
    BulkAction.DELETE: Permission.PROJECT_TASKS_DELETE,
}


async def bulk_change(db: AsyncSession, caller: Caller, request: BulkRequest) -> list[Task]:
    """One change to many tasks, all or nothing: the first refusal (naming `task_ids.<n>`) undoes it all."""
    tasks = await _tasks_in_reach(db, caller, request.task_ids, BULK_PERMISSIONS[request.action])
    for index, task in enumerate(tasks):
        project = await _project_of(db, task)
        try:
            await _apply_bulk(db, caller, project, task, request)
        except (Invalid, Forbidden) as refusal:
            raise Invalid(refusal.code, f"{task.key}: {refusal.detail}", field=f"task_ids.{index}") from refusal
    return tasks


async def _apply_bulk(db: AsyncSession, caller: Caller, project: Project, task: Task, request: BulkRequest) -> None:
    if request.action is BulkAction.DELETE:
        await delete_task(db, caller, task, expected_version=None)
    elif request.action is BulkAction.MOVE:
        assert request.status_id is not None
        await _transition(db, caller, project, task, request.status_id)
        await _save(db, caller, task)
    else:
        assert request.changes is not None
        await update_task(db, caller, project, task, request.changes, expected_version=None)


async def _tasks_in_reach(
    db: AsyncSession, caller: Caller, task_ids: Sequence[uuid.UUID], permission: Permission
) -> list[Task]:
    wanted = list(dict.fromkeys(task_ids))
    found = {task.id: task for task in await db.scalars(select(Task).where(Task.id.in_(wanted)))}
    tasks = []
    for index, task_id in enumerate(wanted):
        task = found.get(task_id)
        keys = await permissions_on(db, caller.cache, caller.user_id, task) if task and not task.deleted_at else None
        if task is None or not keys or VIEW_KEY[Scope.PROJECT] not in keys:
            raise NotFound("task_not_found", "No such item, or it is not shared with you.", field=f"task_ids.{index}")
        if permission not in keys:
            raise Forbidden(
                "permission_denied",
                f"Your role does not allow this on {task.key} (it needs {permission.value}).",
                field=f"task_ids.{index}",
                extra={"permission": permission.value},
            )
        tasks.append(task)
    return tasks


async def _project_of(db: AsyncSession, task: Task) -> Project:
    project = await db.get(Project, task.project_id)
    if project is None:
        raise Conflict("project_gone", "The item's project was deleted meanwhile.")
    return project


# ───────────────────────── labels ─────────────────────────


async def create_label(db: AsyncSession, project: Project, name: str, color: str) -> Label:
    await _label_name_free(db, project.id, name, None)
    label = Label(workspace_id=project.workspace_id, project_id=project.id, name=name, color=color)
    db.add(label)
    await db.flush()
    return label


async def update_label(db: AsyncSession, label: Label, changes: Mapping[str, Any]) -> Label:
    if changes.get("name"):
        await _label_name_free(db, label.project_id, changes["name"], label.id)
        label.name = changes["name"]
    if changes.get("color"):
        label.color = changes["color"]
    await db.flush()
    return label


async def _label_name_free(db: AsyncSession, project_id: uuid.UUID, name: str, label_id: uuid.UUID | None) -> None:
    same_name = select(Label.id).where(Label.project_id == project_id, func.lower(Label.name) == name.casefold())
    if label_id is not None:
        same_name = same_name.where(Label.id != label_id)
    clash = await db.scalar(same_name)
    if clash is not None:
        raise Conflict("label_exists", f"This project already has a label named {name}.", field="name")


async def project_label(db: AsyncSession, project: Project, label_id: uuid.UUID) -> Label:
    label = await db.get(Label, label_id)
    if label is None or label.project_id != project.id:
        raise NotFound("label_not_found", "No such label in this project.")
    return label


async def delete_label(db: AsyncSession, label: Label) -> None:
    """The label goes, and with it from every item that had it."""
    await db.delete(label)
    await db.flush()
