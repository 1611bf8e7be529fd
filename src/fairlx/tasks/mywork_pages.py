"""Pages of a person's own work: `/my-work` (their items across every workspace, in three tabs, with a
chart of where they stand) and `/workspaces/{id}/backlog` (their private mini-kanban there: quick add,
drag and drop, edit and promote in dialogs, delete). Every backlog form posts with htmx; the answer is
the backlog's body again, or, refused, the form with its messages (status 422)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import model_validator
from starlette.responses import Response

from fairlx.core.clock import utcnow
from fairlx.core.pagination import CursorParam
from fairlx.dependencies import Db, Infra
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.tasks import mywork
from fairlx.tasks.models import PersonalItemStatus, PersonalItemType
from fairlx.tasks.mywork_schemas import BacklogItemCreate, BacklogItemUpdate, BacklogPromote, Section
from fairlx.tasks.schemas import Priority
from fairlx.web.forms import handle_form
from fairlx.web.guards import PageActor
from fairlx.web.templating import render
from fairlx.workflows.models import StatusType
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_INDEX = 10_000
BODY = "mywork/_backlog.html"
EDIT_FORM = "mywork/_edit_form.html"
PROMOTE_FORM = "mywork/_promote_form.html"
BacklogWorkspace = Annotated[Workspace, Authorized(Permission.WORKSPACE_VIEW, Workspace, "workspace_id")]


def label(value: str) -> str:
    """`IN_PROGRESS` -> "In progress"."""
    return value.replace("_", " ").capitalize()


STATUS_LABELS = {
    PersonalItemStatus.TODO: "To do",
    PersonalItemStatus.IN_PROGRESS: "In progress",
    PersonalItemStatus.DONE: "Done",
}
SECTIONS = [
    (Section.ASSIGNED, "Assigned"),
    (Section.DUE_SOON, "Due soon"),
    (Section.RECENT, "Recently updated"),
]
CHOICES: dict[str, Any] = {
    "label": label,
    "statuses": [(status.value, STATUS_LABELS[status]) for status in PersonalItemStatus],
    "status_labels": STATUS_LABELS,
    "types": [(kind.value, label(kind)) for kind in PersonalItemType],
    "priorities": [(priority.value, label(priority)) for priority in Priority],
    "status_tones": {"TODO": "neutral", "IN_PROGRESS": "info", "DONE": "success"},
    "status_types": [(status_type.value, label(status_type)) for status_type in StatusType],
    "promotion_types": [
        ("", "Its own (ideas and improvements become tasks)"),
        *((kind, label(kind)) for kind in ("TASK", "STORY", "BUG", "EPIC")),
    ],
}


def _blank_is_none(values: Any) -> Any:
    """Empty form fields mean "none"; labels are typed comma-separated."""
    if not isinstance(values, dict):
        return values
    cleaned = {key: (None if isinstance(value, str) and not value.strip() else value) for key, value in values.items()}
    typed = values.get("labels")
    if isinstance(typed, str):
        cleaned["labels"] = [part.strip() for part in typed.split(",") if part.strip()]
    return cleaned


class BacklogItemForm(BacklogItemUpdate):
    _blanks = model_validator(mode="before")(_blank_is_none)


class PromoteForm(BacklogPromote):
    _blanks = model_validator(mode="before")(_blank_is_none)


def toast(title: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": ""}})}


def into_backlog(title: str) -> dict[str, str]:
    """Headers that put the answer in place of the backlog's body (not the dialog's form), which closes
    the dialog, with a toast."""
    return {"HX-Retarget": "#backlog", "HX-Reswap": "outerHTML", **toast(title)}


def owner_of(workspace: Workspace, actor: PageActor) -> mywork.BacklogOwner:
    return mywork.BacklogOwner(actor.user_id, workspace.id)


def promote_context(workspace: Workspace, choice: mywork.PromotionChoice) -> dict[str, Any]:
    options = [(str(project.id), f"{project.key} · {project.name}") for project in choice.projects]
    return {**CHOICES, "workspace": workspace, "choice": choice, "project_options": options}


# ───────────────────────── my work ─────────────────────────


@router.get("/my-work", response_class=HTMLResponse)
async def my_work_page(
    request: Request,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    section: Section = Section.ASSIGNED,
    cursor: CursorParam = None,
) -> Response:
    data = await mywork.my_work_page(db, infra.cache, actor.user_id, section, cursor=cursor, limit=PAGE_SIZE)
    context = {**CHOICES, "data": data, "sections": SECTIONS, "today": utcnow().date()}
    return render(request, "mywork/my_work.html", context)


# ───────────────────────── personal backlog ─────────────────────────


async def backlog_context(db: Db, actor: PageActor, workspace: Workspace) -> dict[str, Any]:
    columns = await mywork.backlog_board(db, owner_of(workspace, actor))
    render_id = uuid.uuid4().hex[:8]
    return {**CHOICES, "workspace": workspace, "columns": columns, "values": {}, "errors": None, "render_id": render_id}


@router.get("/workspaces/{workspace_id}/backlog", response_class=HTMLResponse)
async def backlog_page(request: Request, workspace: BacklogWorkspace, actor: PageActor, db: Db) -> Response:
    return render(request, "mywork/backlog.html", await backlog_context(db, actor, workspace))


@router.post("/workspaces/{workspace_id}/backlog")
async def quick_add(request: Request, workspace: BacklogWorkspace, actor: PageActor, db: Db) -> Response:
    async def act(form: BacklogItemCreate) -> Response:
        await mywork.create_item(db, owner_of(workspace, actor), form)
        return render(request, BODY, await backlog_context(db, actor, workspace), headers=toast("Item added"))

    return await handle_form(
        request, db, BacklogItemCreate, act, template=BODY, context=lambda: backlog_context(db, actor, workspace)
    )


@router.post("/workspaces/{workspace_id}/backlog/move")
async def drop_item(
    workspace: BacklogWorkspace,
    actor: PageActor,
    *,
    db: Db,
    item: Annotated[uuid.UUID, Form()],
    column: Annotated[PersonalItemStatus, Form()],
    position: Annotated[int, Form(ge=0, le=MAX_INDEX)],
) -> Response:
    await mywork.place_item(db, owner_of(workspace, actor), item, column, position)
    return Response(status_code=204)


@router.get("/workspaces/{workspace_id}/backlog/{item_id}/edit", response_class=HTMLResponse)
async def edit_form(
    request: Request, workspace: BacklogWorkspace, item_id: uuid.UUID, actor: PageActor, db: Db
) -> Response:
    item = await mywork.backlog_item(db, owner_of(workspace, actor), item_id)
    return render(request, EDIT_FORM, {**CHOICES, "workspace": workspace, "item": item, "values": {}, "errors": None})


@router.post("/workspaces/{workspace_id}/backlog/{item_id}/edit")
async def edit_item(
    request: Request, workspace: BacklogWorkspace, item_id: uuid.UUID, actor: PageActor, db: Db
) -> Response:
    owner = owner_of(workspace, actor)
    item = await mywork.backlog_item(db, owner, item_id)

    async def act(form: BacklogItemForm) -> Response:
        await mywork.update_item(db, owner, item_id, form)
        return render(request, BODY, await backlog_context(db, actor, workspace), headers=into_backlog("Item saved"))

    return await handle_form(
        request,
        db,
        BacklogItemForm,
        act,
        template=EDIT_FORM,
        context={**CHOICES, "workspace": workspace, "item": item},
        checkboxes=("flagged",),
    )


@router.get("/workspaces/{workspace_id}/backlog/{item_id}/promote", response_class=HTMLResponse)
async def promote_form(
    request: Request, workspace: BacklogWorkspace, item_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    choice = await mywork.promotion_choice(db, infra.cache, owner_of(workspace, actor), item_id)
    return render(request, PROMOTE_FORM, {**promote_context(workspace, choice), "values": {}, "errors": None})


@router.post("/workspaces/{workspace_id}/backlog/{item_id}/promote")
async def promote_item(
    request: Request, workspace: BacklogWorkspace, item_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    owner = owner_of(workspace, actor)
    choice = await mywork.promotion_choice(db, infra.cache, owner, item_id)

    async def act(form: PromoteForm) -> Response:
        task, _ = await mywork.promote_item(db, infra.cache, owner, item_id, form)
        context = await backlog_context(db, actor, workspace)
        return render(request, BODY, context, headers=into_backlog(f"Promoted to {task.key}"))

    return await handle_form(
        request,
        db,
        PromoteForm,
        act,
        template=PROMOTE_FORM,
        context=promote_context(workspace, choice),
    )


@router.post("/workspaces/{workspace_id}/backlog/{item_id}/delete")
async def delete_item(
    request: Request, workspace: BacklogWorkspace, item_id: uuid.UUID, actor: PageActor, db: Db
) -> Response:
    await mywork.delete_item(db, owner_of(workspace, actor), item_id)
    return render(request, BODY, await backlog_context(db, actor, workspace), headers=toast("Item deleted"))
