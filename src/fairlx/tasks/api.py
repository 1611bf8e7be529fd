"""JSON routes of work items: a project's tasks, board, labels and trash; one task (by id or key) with its
moves, split and clone; bulk changes. Writes to one task honour `If-Match` with its version (412 when
stale) and every task answer carries it as the `ETag`."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.schemas import avatar_url
from fairlx.core.errors import Invalid, NotFound
from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx, Db, RequestContext
from fairlx.fields.values import applicable_fields
from fairlx.projects.models import Project
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.tasks import queries, service
from fairlx.tasks.filters import Condition, FilterGroup, Operator, parse_filter
from fairlx.tasks.models import Task
from fairlx.tasks.schemas import (
    SWIMLANE_PATTERN,
    BoardColumnOut,
    BoardOut,
    BulkRequest,
    BulkResult,
    LabelCreate,
    LabelList,
    LabelOut,
    LabelUpdate,
    PersonOut,
    SplitResult,
    StatusOut,
    SwimlaneOut,
    TaskClone,
    TaskCreate,
    TaskDetailOut,
    TaskList,
    TaskMove,
    TaskOut,
    TaskSplit,
    TaskUpdate,
)
from fairlx.web.markdown import render_markdown

router = APIRouter(prefix="/api/v1", tags=["tasks"])

P = Permission
TaskViewer = Annotated[Task, Authorized(P.PROJECT_TASKS_VIEW, Task, "task_ref")]
TaskEditor = Annotated[Task, Authorized(P.PROJECT_TASKS_EDIT, Task, "task_ref")]
TaskDeleter = Annotated[Task, Authorized(P.PROJECT_TASKS_DELETE, Task, "task_ref")]
TaskCreator = Annotated[Task, Authorized(P.PROJECT_TASKS_CREATE, Task, "task_ref")]
ProjectTasks = Annotated[Project, Authorized(P.PROJECT_TASKS_VIEW, Project, "project_id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40)]
VERSION_TAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
MAX_CARDS_PER_COLUMN = 200


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` names (`"3"`, `W/"3"` or `3`); `*` or no header: any version."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = VERSION_TAG.match(if_match.strip())
    if found is None:
        raise Invalid("if_match_invalid", 'If-Match takes the ETag of the item, like "3".', field="If-Match")
    return int(found.group(1))


def task_out(view: queries.TaskView) -> TaskOut:
    return TaskOut.model_validate(_task_fields(view))


def task_detail(view: queries.TaskView, response: Response) -> TaskDetailOut:
    response.headers["ETag"] = f'"{view.task.version}"'
    fields = _task_fields(view)
    fields |= {
        "description": view.task.description,
        "description_html": render_markdown(view.task.description or ""),
    }
    return TaskDetailOut.model_validate(fields)


def _task_fields(view: queries.TaskView) -> dict[str, Any]:
    task = view.task
    return {
        **{name: getattr(task, name) for name in TaskOut.model_fields if hasattr(task, name)},
        "status": StatusOut.model_validate(view.status),
        "labels": [LabelOut.model_validate(label) for label in view.labels],
        "assignees": [
            PersonOut(id=person.id, name=person.name, avatar_url=avatar_url(person.id, person.avatar_key))
            for person in view.assignees
        ],
        "custom_fields": view.custom_fields,
    }


def caller_of(ctx: RequestContext) -> service.Caller:
    return service.Caller(ctx.actor.user_id, ctx.infra.cache)


def viewer_of(ctx: RequestContext) -> queries.Viewer:
    return queries.Viewer(ctx.actor.user_id, ctx.infra.cache)


async def project_of(db: AsyncSession, task: Task) -> Project:
    project = await db.get(Project, task.project_id)
    if project is None:
        raise NotFound("task_not_found", "No such item, or it is not shared with you.")
    return project


# ───────────────────────── a project's tasks ─────────────────────────


def task_query(
    *,
    filter: Annotated[str | None, Query(max_length=8000, description="A filter group as JSON")] = None,
    sort: Annotated[str | None, Query(max_length=200, description="`field,-other`; cf.<key> for custom fields")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title, description or key")] = None,
    status_id: Annotated[uuid.UUID | None, Query()] = None,
    assignee_id: Annotated[uuid.UUID | None, Query()] = None,
    type: Annotated[str | None, Query(max_length=30)] = None,
    priority: Annotated[str | None, Query(max_length=30)] = None,
    label: Annotated[str | None, Query(max_length=50)] = None,
) -> queries.TaskQuery:
    """The list's query: a filter group, plus shorthand parameters ANDed with it."""
    group = parse_filter(filter)
    shorthand = {"status_id": status_id, "assignee_id": assignee_id, "type": type, "priority": priority, "label": label}
    extra = [
        Condition(
            field=name,
            operator=Operator.EQUALS,
            value=str(value).upper() if name in ("type", "priority") else str(value),
        )
        for name, value in shorthand.items()
        if value is not None
    ]
    if extra:
        group = FilterGroup(op="AND", conditions=[group, *extra])
    return queries.TaskQuery(group, sort, q)


@router.get("/projects/{project_id}/tasks")
async def list_tasks(
    project: ProjectTasks,
    db: Db,
    query: Annotated[queries.TaskQuery, Depends(task_query)],
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> TaskList:
    page, total = await queries.list_tasks(db, project, query, cursor=cursor, limit=limit)
    return TaskList(items=[task_out(view) for view in page.items], next_cursor=page.next_cursor, total=total)


@router.post("/projects/{project_id}/tasks", status_code=201)
async def create_task(
    project: Annotated[Project, Authorized(P.PROJECT_TASKS_CREATE, Project, "project_id")],
    body: TaskCreate,
    ctx: Ctx,
    response: Response,
) -> TaskDetailOut:
    task = await service.create_task(ctx.db, caller_of(ctx), project, body)
    return task_detail(await queries.task_view(ctx.db, project, task), response)


@router.get("/projects/{project_id}/board")
async def project_board(
    project: ProjectTasks,
    ctx: Ctx,
    query: Annotated[queries.TaskQuery, Depends(task_query)],
    swimlane: Annotated[str | None, Query(pattern=SWIMLANE_PATTERN)] = None,
    per_column: Annotated[int, Query(ge=1, le=MAX_CARDS_PER_COLUMN)] = 50,
) -> BoardOut:
    swimlane_by = swimlane or project.settings.get("swimlane", "none")
    board = await queries.board(ctx.db, viewer_of(ctx), project, query, swimlane_by=swimlane_by, per_column=per_column)
    return BoardOut(
        project_id=project.id,
        workflow_id=project.workflow_id or uuid.UUID(int=0),
        columns=[
            BoardColumnOut(
                status=StatusOut.model_validate(column.status),
                wip_limit=column.wip_limit,
                count=column.count,
                over_limit=column.over_limit,
                cards=[task_out(view) for view in column.cards],
                next_cursor=column.next_cursor,
            )
            for column in board.columns
        ],
        swimlane_by=swimlane_by,
        swimlanes=[SwimlaneOut(key=lane.key, title=lane.title, task_ids=lane.task_ids) for lane in board.lanes],
        allowed_moves={str(status_id): targets for status_id, targets in board.allowed_moves.items()},
    )


@router.get("/projects/{project_id}/trash")
async def list_trash(
    project: ProjectTasks, db: Db, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> TaskList:
    page = await queries.trash(db, project, cursor=cursor, limit=limit)
    return TaskList(items=[task_out(view) for view in page.items], next_cursor=page.next_cursor, total=len(page.items))


@router.post("/projects/{project_id}/trash/{task_id}/restore")
async def restore_task(
    project: Annotated[Project, Authorized(P.PROJECT_TASKS_DELETE, Project, "project_id")],
    task_id: uuid.UUID,
    ctx: Ctx,
    response: Response,
) -> TaskDetailOut:
    task = await service.restore_task(ctx.db, caller_of(ctx), project, task_id)
    return task_detail(await queries.task_view(ctx.db, project, task), response)


# ───────────────────────── one task ─────────────────────────


@router.post("/tasks/bulk")
async def bulk_change(body: BulkRequest, ctx: Ctx) -> BulkResult:
    tasks = await service.bulk_change(ctx.db, caller_of(ctx), body)
    views = await queries.views_across_projects(ctx.db, tasks)
    return BulkResult(action=body.action, items=[task_out(view) for view in views])


@router.get("/tasks/{task_ref}")
async def get_task(task: TaskViewer, db: Db, response: Response) -> TaskDetailOut:
    return task_detail(await queries.task_view(db, await project_of(db, task), task), response)


@router.patch("/tasks/{task_ref}")
async def update_task(
    task: TaskEditor, body: TaskUpdate, ctx: Ctx, response: Response, if_match: IfMatch = None
) -> TaskDetailOut:
    project = await project_of(ctx.db, task)
    task = await service.update_task(
        ctx.db, caller_of(ctx), project, task, body, expected_version=expected_version(if_match)
    )
    return task_detail(await queries.task_view(ctx.db, project, task), response)


@router.delete("/tasks/{task_ref}", status_code=204)
async def delete_task(task: TaskDeleter, ctx: Ctx, if_match: IfMatch = None) -> Response:
    await service.delete_task(ctx.db, caller_of(ctx), task, expected_version=expected_version(if_match))
    return Response(status_code=204)


@router.post("/tasks/{task_ref}/move")
async def move_task(
    task: TaskEditor, body: TaskMove, ctx: Ctx, response: Response, if_match: IfMatch = None
) -> TaskDetailOut:
    project = await project_of(ctx.db, task)
    task = await service.move_task(
        ctx.db, caller_of(ctx), project, task, body, expected_version=expected_version(if_match)
    )
    return task_detail(await queries.task_view(ctx.db, project, task), response)


@router.get("/tasks/{task_ref}/transitions")
async def allowed_transitions(task: TaskViewer, ctx: Ctx) -> list[StatusOut]:
    """The statuses the caller may move the item to (its own first)."""
    statuses = await queries.allowed_statuses(ctx.db, viewer_of(ctx), await project_of(ctx.db, task), task)
    return [StatusOut.model_validate(status) for status in statuses]


@router.post("/tasks/{task_ref}/split", status_code=201)
async def split_task(task: TaskCreator, body: TaskSplit, ctx: Ctx) -> SplitResult:
    project = await project_of(ctx.db, task)
    parts = await service.split_task(ctx.db, caller_of(ctx), project, task, body.titles)
    fields = await applicable_fields(ctx.db, project)
    return SplitResult(items=[task_out(view) for view in await queries.views_of(ctx.db, parts, fields)])


@router.post("/tasks/{task_ref}/clone", status_code=201)
async def clone_task(task: TaskCreator, body: TaskClone, ctx: Ctx, response: Response) -> TaskDetailOut:
    project = await project_of(ctx.db, task)
    copy = await service.clone_task(ctx.db, caller_of(ctx), project, task, body.title)
    return task_detail(await queries.task_view(ctx.db, project, copy), response)


# ───────────────────────── labels ─────────────────────────


@router.get("/projects/{project_id}/labels")
async def list_labels(project: ProjectTasks, db: Db) -> LabelList:
    return LabelList(items=[LabelOut.model_validate(label) for label in await queries.labels_of(db, project)])


@router.post("/projects/{project_id}/labels", status_code=201)
async def create_label(
    project: Annotated[Project, Authorized(P.PROJECT_TASKS_EDIT, Project, "project_id")], body: LabelCreate, db: Db
) -> LabelOut:
    return LabelOut.model_validate(await service.create_label(db, project, body.name, body.color))


LabelsManager = Annotated[Project, Authorized(P.PROJECT_SETTINGS_EDIT, Project, "project_id")]


@router.patch("/projects/{project_id}/labels/{label_id}")
async def update_label(project: LabelsManager, label_id: uuid.UUID, body: LabelUpdate, db: Db) -> LabelOut:
    label = await service.project_label(db, project, label_id)
    return LabelOut.model_validate(await service.update_label(db, label, body.model_dump(exclude_unset=True)))


@router.delete("/projects/{project_id}/labels/{label_id}", status_code=204)
async def delete_label(project: LabelsManager, label_id: uuid.UUID, db: Db) -> Response:
    await service.delete_label(db, await service.project_label(db, project, label_id))
    return Response(status_code=204)
