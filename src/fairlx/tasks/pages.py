"""Work item pages: a project's board (drag and drop through the workflow), its item table (filters,
sorting, chosen columns, inline edits), its trash, and one item's page. Filters live in the URL, so
any view of the items can be shared as a link."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from starlette.responses import Response

from fairlx.core.errors import AppError, Invalid
from fairlx.dependencies import Db, Infra
from fairlx.fields.models import CustomField, FieldType
from fairlx.fields.values import applicable_fields, type_rules
from fairlx.projects.models import Project
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.tasks import queries, service
from fairlx.tasks.filters import Condition, FilterGroup, Operator, parse_filter
from fairlx.tasks.models import Task
from fairlx.tasks.schemas import MAX_BULK, SWIMLANE_PATTERN, BulkRequest, TaskCreate, TaskMove, TaskSplit, TaskUpdate
from fairlx.views import service as views_service
from fairlx.views.models import SavedView, ViewScope, ViewType
from fairlx.views.schemas import ViewCreate, ViewDuplicate
from fairlx.web.forms import FormErrors, form_values, handle_form, parse_form
from fairlx.web.guards import PageActor, redirect
from fairlx.web.markdown import render_markdown
from fairlx.web.templating import render
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)
Posted = TypeVar("Posted", bound=BaseModel)

P = Permission
ProjectTasks = Annotated[Project, Authorized(P.PROJECT_TASKS_VIEW, Project, "project_id")]
ProjectCreator = Annotated[Project, Authorized(P.PROJECT_TASKS_CREATE, Project, "project_id")]
ProjectEditor = Annotated[Project, Authorized(P.PROJECT_TASKS_EDIT, Project, "project_id")]
ProjectDeleter = Annotated[Project, Authorized(P.PROJECT_TASKS_DELETE, Project, "project_id")]
TaskViewer = Annotated[Task, Authorized(P.PROJECT_TASKS_VIEW, Task, "task_ref")]
TaskEditor = Annotated[Task, Authorized(P.PROJECT_TASKS_EDIT, Task, "task_ref")]
TaskDeleter = Annotated[Task, Authorized(P.PROJECT_TASKS_DELETE, Task, "task_ref")]
TaskCreator = Annotated[Task, Authorized(P.PROJECT_TASKS_CREATE, Task, "task_ref")]

PAGE_SIZE = 50
MAX_VIEWS_LISTED = 100
CARDS_PER_COLUMN = 100
DEFAULT_COLUMNS = ("key", "title", "type", "status", "priority", "assignees", "due_date")
BUILT_IN_COLUMNS = {
    "key": "Key",
    "title": "Title",
    "type": "Type",
    "status": "Status",
    "priority": "Priority",
    "assignees": "Assignees",
    "labels": "Labels",
    "start_date": "Start",
    "due_date": "Due",
    "story_points": "Points",
    "estimated_hours": "Estimate (h)",
    "updated_at": "Updated",
}
SORTABLE = {"key": "number", "title": "title", "type": "type", "status": "status", "priority": "priority"}
SORTABLE |= {name: name for name in ("start_date", "due_date", "story_points", "estimated_hours", "updated_at")}
OPERATOR_LABELS = {
    Operator.EQUALS: "is",
    Operator.NOT_EQUALS: "is not",
    Operator.CONTAINS: "contains",
    Operator.NOT_CONTAINS: "does not contain",
    Operator.STARTS_WITH: "starts with",
    Operator.ENDS_WITH: "ends with",
    Operator.GT: "is after / above",
    Operator.LT: "is before / below",
    Operator.GTE: "is on or after / at least",
    Operator.LTE: "is on or before / at most",
    Operator.IN: "is any of",
    Operator.NOT_IN: "is none of",
    Operator.IS_EMPTY: "is empty",
    Operator.IS_NOT_EMPTY: "is not empty",
    Operator.BETWEEN: "is between",
}
FILTER_FIELDS = {
    "title": "Title",
    "type": "Type",
    "status_id": "Status",
    "priority": "Priority",
    "assignee_id": "Assignee",
    "label": "Label",
    "due_date": "Due date",
    "story_points": "Story points",
    "flagged": "Flagged",
}
LIST_SEPARATOR = ","
GROUP_PATTERN = r"^(|status|priority|type|cf\.[a-z][a-z0-9_]{0,49})$"
GROUP_SORTS = {"priority": "-priority"}
BUILT_IN_GROUPS = {"status": "Status", "priority": "Priority", "type": "Type"}


def label(value: str) -> str:
    """`IN_PROGRESS` -> "In progress"."""
    return value.replace("_", " ").capitalize()


# ───────────────────────── what a list or board shows ─────────────────────────


@dataclass(frozen=True)
class ItemsQuery:
    """The items' query as the URL carries it: builder rows (`where=field|operator|value`, joined by
    `match`), an advanced filter group (`filter`), words (`q`), sort and columns."""

    rows: list[tuple[str, str, str]]
    match: str
    advanced: str | None
    text: str | None
    sort: str | None
    columns: list[str]
    swimlane: str | None
    view_id: uuid.UUID | None = None
    group: str | None = None  # rows come in sections of one value of this field

    def with_view(self, view: SavedView) -> ItemsQuery:
        """This query with a saved view's filters, sort and columns where the URL names none. A flat
        filter shows as builder rows; a nested one stays an advanced filter."""
        chosen = replace(
            self,
            sort=self.sort or (",".join(view.sort) or None),
            group=self.group or view.group_by,
            columns=self.columns if self.columns_chosen else (list(view.columns) or self.columns),
        )
        if self.rows or self.advanced:
            return chosen
        group = parse_filter(view.filters)
        if all(isinstance(each, Condition) for each in group.conditions):
            rows = [_as_row(each) for each in group.conditions if isinstance(each, Condition)]
            return replace(chosen, rows=rows, match="any" if group.op == "OR" else "all")
        return replace(chosen, advanced=json.dumps(view.filters))

    @property
    def columns_chosen(self) -> bool:
        return self.columns != list(DEFAULT_COLUMNS)

    def saved_filters(self) -> dict[str, Any]:
        """The whole filter, as a saved view keeps it."""
        return self.task_query().filter.model_dump(mode="json")

    def task_query(self) -> queries.TaskQuery:
        conditions: list[Condition | FilterGroup] = [self._condition(index, row) for index, row in enumerate(self.rows)]
        builder = FilterGroup(op="OR" if self.match == "any" else "AND", conditions=conditions)
        advanced = parse_filter(self.advanced)
        group = FilterGroup(op="AND", conditions=[builder, advanced]) if advanced.conditions else builder
        return queries.TaskQuery(group, self.grouped_sort(), self.text or None)

    def grouped_sort(self) -> str | None:
        """The sort, led by the grouping field so each group's rows come together."""
        if not self.group:
            return self.sort
        leading = GROUP_SORTS.get(self.group, self.group)
        return ",".join([leading, *(part for part in (self.sort or queries.DEFAULT_SORT).split(",") if part)])

    @staticmethod
    def _condition(index: int, row: tuple[str, str, str]) -> Condition:
        field, operator, raw = row
        try:
            chosen = Operator(operator)
        except ValueError:
            raise Invalid("filter_invalid", "Choose an operator.", field=f"where.{index}") from None
        if chosen in (Operator.IN, Operator.NOT_IN, Operator.BETWEEN):
            value: Any = [part.strip() for part in raw.split(LIST_SEPARATOR) if part.strip()]
        else:
            value = raw if chosen not in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY) else None
        return Condition(field=field, operator=chosen, value=value)


def _as_row(condition: Condition) -> tuple[str, str, str]:
    value = condition.value
    text = LIST_SEPARATOR.join(str(each) for each in value) if isinstance(value, list) else str(value or "")
    return condition.field, condition.operator.value, text


def items_query(
    *,
    where: Annotated[list[str] | None, Query(max_length=20)] = None,
    match: Annotated[str, Query(pattern="^(all|any)$")] = "all",
    filter: Annotated[str | None, Query(max_length=8000)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(max_length=200)] = None,
    columns: Annotated[str | None, Query(max_length=1000)] = None,
    swimlane: Annotated[str | None, Query(pattern=SWIMLANE_PATTERN)] = None,
    view: Annotated[uuid.UUID | None, Query()] = None,
    group: Annotated[str | None, Query(pattern=GROUP_PATTERN)] = None,
) -> ItemsQuery:
    rows = [tuple([*row.split("|", 2), "", ""][:3]) for row in where or [] if row]
    chosen = [name for name in (columns or "").split(",") if name] or list(DEFAULT_COLUMNS)
    return ItemsQuery(
        [(field, operator, value) for field, operator, value in rows],
        match,
        filter or None,
        (q or "").strip() or None,
        sort,
        chosen,
        swimlane,
        view,
        group or None,
    )


Items = Annotated[ItemsQuery, Depends(items_query)]


async def project_frame(db: Db, infra: Infra, actor: PageActor, project: Project) -> dict[str, Any]:
    """What every page of a project shows around its content: the workspace, the tabs, what the
    viewer may do, the item types and fields."""
    workspace = await db.get(Workspace, project.workspace_id)
    keys = await permissions_on(db, infra.cache, actor.user_id, project)
    types = await type_rules(db, project)
    priorities = service.project_priorities(project)
    return {
        "project": project,
        "workspace": workspace,
        "keys": {key.value for key in keys},
        "types": types,
        "type_options": [(key, rule.name) for key, rule in types.items()],
        "fields": await applicable_fields(db, project),
        "priorities": priorities,
        "priority_options": [(priority, label(priority)) for priority in reversed(priorities)],
        "label": label,
        "errors": None,
        "values": {},
        "filter_error": None,
        "field_text": field_text,
        "today": date.today(),
    }


def field_text(field: CustomField, value: Any) -> str:
    """A custom field's value as words: option names for selects, Yes/No, lists joined."""
    options = {option["id"]: option["value"] for option in field.options}
    if value is None:
        text = "—"
    elif field.field_type == FieldType.CHECKBOX:
        text = "Yes" if value else "No"
    elif field.field_type in (FieldType.USER, FieldType.USERS):
        count = len(value) if isinstance(value, list) else 1
        text = f"{count} {'person' if count == 1 else 'people'}"
    elif isinstance(value, list):
        text = ", ".join(str(options.get(each, each)) for each in value)
    else:
        text = str(options.get(value, value)) + FIELD_SUFFIXES.get(field.field_type, "")
    return text


FIELD_SUFFIXES = {FieldType.PERCENTAGE: "%"}


BUILT_IN_LANES = [("none", "No swimlanes"), ("assignee", "Lanes by assignee"), ("epic", "Lanes by epic")]
BUILT_IN_LANES += [("type", "Lanes by type"), ("priority", "Lanes by priority")]
LANE_FIELD_TYPES = frozenset({FieldType.SELECT, FieldType.MULTI_SELECT, FieldType.CHECKBOX})


def _lane_options(fields: list[CustomField]) -> list[tuple[str, str]]:
    custom = [(f"cf.{field.key}", f"Lanes by {field.name}") for field in fields if field.field_type in LANE_FIELD_TYPES]
    return BUILT_IN_LANES + custom


async def posted(request: Request, model: type[Posted], checkboxes: tuple[str, ...] = ()) -> Posted:
    """A small form posted by htmx as `model`; bad input is a problem naming the field."""
    try:
        return parse_form(model, await form_values(request), checkboxes)
    except FormErrors as invalid:
        field, message = next(iter(invalid.fields.items()), ("form", "The form could not be read."))
        raise Invalid("form_invalid", message, field=field) from None


def viewer(actor: PageActor, infra: Infra) -> queries.Viewer:
    return queries.Viewer(actor.user_id, infra.cache)


def caller(actor: PageActor, infra: Infra) -> service.Caller:
    return service.Caller(actor.user_id, infra.cache)


# ───────────────────────── board ─────────────────────────


@router.get("/projects/{project_id}/board", response_class=HTMLResponse)
async def board_page(
    request: Request, project: ProjectTasks, actor: PageActor, *, items: Items, db: Db, infra: Infra
) -> Response:
    swimlane = items.swimlane or project.settings.get("swimlane", "none")
    context = await project_frame(db, infra, actor, project)
    try:
        board = await queries.board(
            db,
            viewer(actor, infra),
            project,
            items.task_query(),
            swimlane_by=swimlane,
            per_column=CARDS_PER_COLUMN,
        )
    except AppError as error:
        board, context["filter_error"] = None, error.detail
    context |= {
        "board": board,
        "items": items,
        "swimlane": swimlane,
        "tab": "board",
        "lane_options": _lane_options(context["fields"]),
    }
    context["allowed_moves"] = json.dumps(
        {str(key): [str(value) for value in targets] for key, targets in (board.allowed_moves if board else {}).items()}
    )
    template = "tasks/_board.html" if request.headers.get("hx-target") == "board" else "tasks/board.html"
    return render(request, template, context)


class BoardMove(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, values: Any) -> Any:
        return {key: value or None for key, value in values.items()} if isinstance(values, dict) else values

    item: uuid.UUID
    column: uuid.UUID
    after: uuid.UUID | None = None
    before: uuid.UUID | None = None
    version: int | None = None


@router.post("/projects/{project_id}/board/move")
async def board_move(request: Request, project: ProjectEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    """A card dropped on the board; a refusal answers as a problem, which the page shows and undoes."""
    move = await posted(request, BoardMove)
    task = await db.get(Task, move.item)
    if task is None or task.project_id != project.id or task.deleted_at is not None:
        raise Invalid("unknown_card", "That card is no longer on this board; reload it.")
    moved = await service.move_task(
        db,
        caller(actor, infra),
        project,
        task,
        TaskMove(status_id=move.column, after_id=move.after, before_id=move.before),
        expected_version=move.version,
    )
    return Response(status_code=204, headers={"X-Task-Version": str(moved.version)})


# ───────────────────────── new items ─────────────────────────


@router.post("/projects/{project_id}/items/new")
async def create_item(request: Request, project: ProjectCreator, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def act(data: TaskCreate) -> Response:
        task = await service.create_task(db, caller(actor, infra), project, data)
        return redirect(request, f"/tasks/{task.key}")

    async def context() -> dict[str, Any]:
        return await project_frame(db, infra, actor, project)

    return await handle_form(request, db, TaskCreate, act, template="tasks/_new_item_form.html", context=context)


# ───────────────────────── the item table ─────────────────────────


@router.get("/projects/{project_id}/items", response_class=HTMLResponse)
async def items_page(
    request: Request,
    project: ProjectTasks,
    actor: PageActor,
    *,
    items: Items,
    db: Db,
    infra: Infra,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    context = await project_frame(db, infra, actor, project)
    views = await views_service.list_views(
        db, infra.cache, actor.user_id, project_id=project.id, view_type=ViewType.LIST, limit=MAX_VIEWS_LISTED
    )
    chosen = next((item for item in views.items if item.view.id == items.view_id), None)
    if chosen is None and not request.query_params:
        chosen = next((item for item in views.items if item.view.is_default), None)  # the place's default view
    if chosen is not None:
        items = items.with_view(chosen.view)
    statuses, moves = await queries.columns_and_moves(db, viewer(actor, infra), project)
    context |= {"views": views.items, "chosen_view": chosen, "statuses": statuses, "moves": moves}
    try:
        page, total = await queries.list_tasks(db, project, items.task_query(), cursor=cursor, limit=PAGE_SIZE)
    except AppError as error:
        page, total, context["filter_error"] = None, 0, error.detail
    context |= {
        "page": page,
        "total": total,
        "items": items,
        "tab": "items",
        "columns": _columns(items.columns, context["fields"]),
        "all_columns": _all_columns(context["fields"]),
        "filter_fields": _filter_fields(context["fields"]),
        "operators": OPERATOR_LABELS,
        "people": await queries.project_people(db, infra.cache, project),
        "sortable": SORTABLE,
        "request_url_with": lambda **changes: url_with(request, changes),
        "group_options": _group_options(context["fields"]),
        "group_label": _group_labeller(items.group, context),
        "request_query": urlencode(
            [(key, value) for key, value in request.query_params.multi_items() if key != "cursor"]
        ),
        "request_url_without_where": lambda index: url_without_where(request, index),
    }
    return render(request, "tasks/items.html", context)


def url_with(request: Request, changes: Mapping[str, str | None]) -> str:
    """This page's URL with some parameters replaced (None removes one)."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in changes]
    added = [(key, value) for key, value in changes.items() if value is not None]
    return f"{request.url.path}?{urlencode(kept + added)}"


def url_without_where(request: Request, index: int) -> str:
    """This page's URL without its `index`-th filter condition."""
    rows = [value for key, value in request.query_params.multi_items() if key == "where" and value]
    others = [(key, value) for key, value in request.query_params.multi_items() if key not in ("where", "cursor")]
    kept = [("where", row) for position, row in enumerate(rows) if position != index]
    return f"{request.url.path}?{urlencode(others + kept)}"


def _all_columns(fields: list[CustomField]) -> dict[str, str]:
    return BUILT_IN_COLUMNS | {f"cf.{field.key}": field.name for field in fields}


def _group_options(fields: list[CustomField]) -> dict[str, str]:
    return BUILT_IN_GROUPS | {
        f"cf.{field.key}": field.name for field in fields if field.field_type in GROUP_FIELD_TYPES
    }


GROUP_FIELD_TYPES = frozenset(
    {FieldType.SELECT, FieldType.CHECKBOX, FieldType.USER, FieldType.NUMBER, FieldType.DATE, FieldType.TEXT}
)


def _group_labeller(group: str | None, context: Mapping[str, Any]) -> Any:
    """A function giving a row's group heading (None when the table is not grouped)."""
    if not group:
        return lambda _view: None
    if group == "status":
        return lambda view: view.status.name
    if group == "priority":
        return lambda view: label(view.task.priority)
    if group == "type":
        return lambda view: (
            context["types"][view.task.type].name if view.task.type in context["types"] else view.task.type
        )
    field = next((each for each in context["fields"] if f"cf.{each.key}" == group), None)
    if field is None:
        raise Invalid("unknown_group", f"{group} is not a field of this project.", field="group")
    return lambda view: (
        field_text(field, view.custom_fields.get(field.key))
        if view.custom_fields.get(field.key) is not None
        else f"No {field.name.lower()}"
    )


def _columns(chosen: list[str], fields: list[CustomField]) -> list[tuple[str, str]]:
    names = _all_columns(fields)
    return [(name, names[name]) for name in chosen if name in names] or [
        (name, names[name]) for name in DEFAULT_COLUMNS
    ]


def _filter_fields(fields: list[CustomField]) -> dict[str, str]:
    return FILTER_FIELDS | {f"cf.{field.key}": field.name for field in fields if field.field_type != FieldType.TEXTAREA}


class ViewForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    shared: bool = False


@router.post("/projects/{project_id}/views")
async def save_view(
    request: Request, project: ProjectTasks, actor: PageActor, *, items: Items, db: Db, infra: Infra
) -> Response:
    """Save what the item table shows now (filters, sort, columns) as a view, for oneself or shared."""
    form = await posted(request, ViewForm, checkboxes=("shared",))
    if items.view_id is not None:
        items = items.with_view((await views_service.get_view(db, infra.cache, actor.user_id, items.view_id)).view)
    created = await views_service.create_view(
        db,
        infra.cache,
        actor.user_id,
        ViewCreate(
            name=form.name,
            view_type=ViewType.LIST,
            scope=ViewScope.PROJECT if form.shared else ViewScope.PERSONAL,
            project_id=project.id,
            filters=items.saved_filters(),
            sort=[part for part in (items.sort or "").split(",") if part],
            columns=items.columns,
            group_by=items.group,
        ),
    )
    return redirect(request, f"/projects/{project.id}/items?view={created.view.id}")


@router.post("/projects/{project_id}/views/{view_id}/duplicate")
async def duplicate_view(
    request: Request, project_id: uuid.UUID, view_id: uuid.UUID, *, actor: PageActor, db: Db, infra: Infra
) -> Response:
    """A personal copy of a view, to change without touching the original. The views service decides
    who may act on a view (its place and owner are in its row), as the JSON API does."""
    copy = await views_service.duplicate_view(db, infra.cache, actor.user_id, view_id, ViewDuplicate())
    return redirect(request, f"/projects/{project_id}/items?view={copy.view.id}")


@router.post("/projects/{project_id}/views/{view_id}/default")
async def make_default_view(
    request: Request, project_id: uuid.UUID, view_id: uuid.UUID, *, actor: PageActor, db: Db, infra: Infra
) -> Response:
    """The view opens when the item table is opened without filters."""
    await views_service.make_default(db, infra.cache, actor.user_id, view_id)
    return redirect(request, f"/projects/{project_id}/items?view={view_id}")


@router.delete("/projects/{project_id}/views/{view_id}")
async def delete_view(
    request: Request, project_id: uuid.UUID, view_id: uuid.UUID, *, actor: PageActor, db: Db, infra: Infra
) -> Response:
    await views_service.delete_view(db, infra.cache, actor.user_id, view_id)
    return redirect(request, f"/projects/{project_id}/items")


class InlineEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    value: str = ""
    version: int | None = None


INLINE_FIELDS = frozenset({"title", "priority", "status_id", "due_date", "story_points"})


@router.post("/tasks/{task_ref}/inline", response_class=HTMLResponse)
async def inline_edit(request: Request, task: TaskEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    """One cell of the table edited in place: answers with the row again."""
    edit = await posted(request, InlineEdit)
    if edit.field not in INLINE_FIELDS:
        raise Invalid("not_editable_here", "That column is edited on the item's page.", field="field")
    project = await _project_of(db, task)
    change = TaskUpdate.model_validate({edit.field: edit.value or None})
    task = await service.update_task(db, caller(actor, infra), project, task, change, expected_version=edit.version)
    context = await project_frame(db, infra, actor, project)
    view = await queries.task_view(db, project, task)
    columns = _columns(
        [name for name in request.headers.get("x-columns", "").split(",") if name] or list(DEFAULT_COLUMNS),
        context["fields"],
    )
    statuses, moves = await queries.columns_and_moves(db, viewer(actor, infra), project)
    context |= {"view": view, "columns": columns, "statuses": statuses, "moves": moves}
    return render(request, "tasks/_item_row.html", context, headers={"HX-Trigger": _toast("Saved")})


@router.post("/projects/{project_id}/items/bulk")
async def bulk_items(request: Request, project: ProjectEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    form = await request.form()
    try:
        ids = [uuid.UUID(str(value)) for value in form.getlist("task_ids")][:MAX_BULK]
    except ValueError:
        raise Invalid(
            "task_ids_invalid", "The selection could not be read; reload the page.", field="task_ids"
        ) from None
    if not ids:
        raise Invalid("nothing_selected", "Select at least one item.", field="task_ids")
    action = str(form.get("action") or "")
    request_body: dict[str, Any] = {"action": action, "task_ids": ids}
    if action == "move":
        request_body["status_id"] = form.get("status_id") or None
    if action == "update":
        request_body["changes"] = {"priority": form.get("priority") or None}
    await service.bulk_change(db, caller(actor, infra), BulkRequest.model_validate(request_body))
    return redirect(request, str(request.headers.get("hx-current-url") or f"/projects/{project.id}/items"))


# ───────────────────────── trash ─────────────────────────


@router.get("/projects/{project_id}/trash", response_class=HTMLResponse)
async def trash_page(
    request: Request,
    project: ProjectTasks,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    context = await project_frame(db, infra, actor, project)
    context |= {"page": await queries.trash(db, project, cursor=cursor, limit=PAGE_SIZE), "tab": "trash"}
    return render(request, "tasks/trash.html", context)


@router.post("/projects/{project_id}/trash/{task_id}/restore")
async def restore_item(
    request: Request, project: ProjectDeleter, task_id: uuid.UUID, *, actor: PageActor, db: Db, infra: Infra
) -> Response:
    task = await service.restore_task(db, caller(actor, infra), project, task_id)
    return redirect(request, f"/tasks/{task.key}")


# ───────────────────────── one item ─────────────────────────


async def _project_of(db: Db, task: Task) -> Project:
    project = await db.get(Project, task.project_id)
    assert project is not None  # authorized through it a moment ago
    return project


async def item_context(db: Db, infra: Infra, actor: PageActor, task: Task) -> dict[str, Any]:
    project = await _project_of(db, task)
    context = await project_frame(db, infra, actor, project)
    view = await queries.task_view(db, project, task)
    context |= {
        "view": view,
        "task": task,
        "description_html": render_markdown(task.description or ""),
        "statuses": await queries.allowed_statuses(db, viewer(actor, infra), project, task),
        "people": await queries.project_people(db, infra.cache, project),
        "epics": await queries.epics_of(db, project),
        "tab": "items",
    }
    return context


@router.get("/tasks/{task_ref}", response_class=HTMLResponse)
async def item_page(request: Request, task: TaskViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    return render(request, "tasks/item.html", await item_context(db, infra, actor, task))


ITEM_FORM_FIELDS = (
    "title",
    "type",
    "status_id",
    "priority",
    "description",
    "start_date",
    "due_date",
    "end_date",
    "story_points",
    "estimated_hours",
    "remaining_hours",
    "epic_id",
)


def item_update(
    values: Mapping[str, str], form_lists: Mapping[str, list[str]], fields: list[CustomField]
) -> TaskUpdate:
    """The item form as an update: blank inputs clear, lists come from repeated inputs."""
    data: dict[str, Any] = {name: (values.get(name) or None) for name in ITEM_FORM_FIELDS if name in values}
    data["flagged"] = values.get("flagged") == "on"
    data["assignee_ids"] = form_lists.get("assignee_ids", [])
    data["labels"] = [each.strip() for each in values.get("labels", "").split(",") if each.strip()]
    data["custom_fields"] = {
        field.key: _custom_value(field, values, form_lists) for field in fields if f"cf.{field.key}" in values
    }
    try:
        return TaskUpdate.model_validate(data)
    except ValidationError as error:
        raise FormErrors(fields={str(problem["loc"][0]): problem["msg"] for problem in error.errors()}) from error


def _custom_value(field: CustomField, values: Mapping[str, str], form_lists: Mapping[str, list[str]]) -> Any:
    name = f"cf.{field.key}"
    if field.field_type in (FieldType.MULTI_SELECT, FieldType.USERS):
        return [value for value in form_lists.get(name, []) if value]
    if field.field_type == FieldType.LABELS:
        return [part.strip() for part in values.get(name, "").split(",") if part.strip()]
    if field.field_type == FieldType.CHECKBOX:
        return values.get(name) == "on"
    return values.get(name) or None


@router.post("/tasks/{task_ref}/edit", response_class=HTMLResponse)
async def save_item(request: Request, task: TaskEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    lists = {key: [str(value) for value in form.getlist(key)] for key in form}
    project = await _project_of(db, task)
    fields = await applicable_fields(db, project)
    savepoint = await db.begin_nested()
    try:
        change = item_update(values, lists, fields)
        version = int(values["version"]) if values.get("version", "").isdigit() else None
        await service.update_task(db, caller(actor, infra), project, task, change, expected_version=version)
    except (AppError, FormErrors) as error:
        await savepoint.rollback()
        errors = FormErrors.of(error) if isinstance(error, AppError) else error
        await db.refresh(task)
        context = await item_context(db, infra, actor, task) | {"values": values, "errors": errors}
        return render(request, "tasks/_item_form.html", context, status_code=422)
    await savepoint.commit()
    context = await item_context(db, infra, actor, task)
    return render(request, "tasks/_item_form.html", context, headers={"HX-Trigger": _toast("Item saved")})


@router.post("/tasks/{task_ref}/clone")
async def clone_item(request: Request, task: TaskCreator, actor: PageActor, db: Db, infra: Infra) -> Response:
    copy = await service.clone_task(db, caller(actor, infra), await _project_of(db, task), task, None)
    return redirect(request, f"/tasks/{copy.key}")


@router.post("/tasks/{task_ref}/split")
async def split_item(request: Request, task: TaskCreator, actor: PageActor, db: Db, infra: Infra) -> Response:
    titles = [line.strip() for line in (await form_values(request)).get("titles", "").splitlines() if line.strip()]
    try:
        data = TaskSplit(titles=titles)
    except ValidationError:
        raise Invalid("split_needs_two", "Write 2 to 20 titles, one per line.", field="titles") from None
    await service.split_task(db, caller(actor, infra), await _project_of(db, task), task, data.titles)
    return redirect(request, f"/projects/{task.project_id}/items")


@router.delete("/tasks/{task_ref}")
async def delete_item(request: Request, task: TaskDeleter, actor: PageActor, db: Db, infra: Infra) -> Response:
    await service.delete_task(db, caller(actor, infra), task, expected_version=None)
    return redirect(request, f"/projects/{task.project_id}/board")


def _toast(title: str) -> str:
    return json.dumps({"toast": {"kind": "success", "title": title, "message": ""}})
