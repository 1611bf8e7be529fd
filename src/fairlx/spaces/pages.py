"""Space pages: a workspace's spaces (cards, ordering, the create form) and one space's page (its
projects, members and settings). Forms post with htmx; a refused one comes back with its messages
(status 422)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict
from starlette.responses import Response

from fairlx.core.errors import AppError
from fairlx.dependencies import Db, Infra
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.spaces import service
from fairlx.spaces.models import Space, SpaceRole, SpaceVisibility
from fairlx.spaces.schemas import Color, Description, Key, Name, SpaceCreate, SpaceUpdate
from fairlx.web.forms import FormErrors, form_values, handle_form, parse_form, refused
from fairlx.web.guards import PageActor, redirect
from fairlx.web.templating import render
from fairlx.workflows import service as workflows
from fairlx.workflows.models import WorkflowInheritance
from fairlx.workflows.schemas import SpaceWorkflowSettings
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)

P = Permission
ViewWorkspace = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]
CreateSpaces = Annotated[Workspace, Authorized(P.WORKSPACE_SPACES_CREATE, Workspace, "workspace_id")]
EditSpaces = Annotated[Workspace, Authorized(P.WORKSPACE_SPACES_EDIT, Workspace, "workspace_id")]
ViewSpace = Annotated[Space, Authorized(P.SPACE_VIEW, Space, "space_id")]
EditSpace = Annotated[Space, Authorized(P.SPACE_SETTINGS_EDIT, Space, "space_id")]
DeleteSpace = Annotated[Space, Authorized(P.SPACE_DELETE, Space, "space_id")]
ManageMembers = Annotated[Space, Authorized(P.SPACE_MEMBERS_MANAGE, Space, "space_id")]

COLORS = [
    ("", "No colour"),
    ("#6366f1", "Indigo"),
    ("#0ea5e9", "Sky"),
    ("#10b981", "Emerald"),
    ("#f59e0b", "Amber"),
    ("#f43f5e", "Rose"),
    ("#8b5cf6", "Violet"),
    ("#64748b", "Slate"),
]
CHOICES: dict[str, Any] = {
    "colors": COLORS,
    "visibilities": [
        (SpaceVisibility.PUBLIC.value, "Public: everyone in the workspace"),
        (SpaceVisibility.PRIVATE.value, "Private: members of the space only"),
    ],
    "inheritances": [
        (
            WorkflowInheritance.REQUIRE.value,
            "Require",
            "New projects get this workflow and cannot change it.",
        ),
        (
            WorkflowInheritance.SUGGEST.value,
            "Suggest",
            "New projects start with this workflow unless they choose another.",
        ),
        (
            WorkflowInheritance.NONE.value,
            "None",
            "New projects choose their own workflow, or get the default template.",
        ),
    ],
    "space_roles": [
        (SpaceRole.ADMIN.value, "Admin"),
        (SpaceRole.MEMBER.value, "Member"),
        (SpaceRole.VIEWER.value, "Viewer"),
    ],
}


class SpaceForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    key: Key
    description: Description = None
    color: Color = None
    visibility: SpaceVisibility = SpaceVisibility.PUBLIC


class WorkflowForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    default_workflow_id: Annotated[uuid.UUID | None, BeforeValidator(lambda value: value or None)] = None
    inheritance: WorkflowInheritance = WorkflowInheritance.NONE


class MemberForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: uuid.UUID
    role: SpaceRole = SpaceRole.MEMBER


class RoleForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: SpaceRole


def toast(title: str, message: str = "") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": message}})}


def cleaned(values: Mapping[str, str]) -> dict[str, str | None]:
    """Form values with the key in capitals and empty optional fields as None."""
    result: dict[str, str | None] = {}
    for name, value in values.items():
        if name == "key":
            result[name] = value.strip().upper()
        elif name == "name":
            result[name] = value
        else:
            result[name] = value if value.strip() else None
    return result


# ───────────────────────── the workspace's spaces ─────────────────────────


async def spaces_context(
    db: Db, infra: Infra, actor: PageActor, workspace: Workspace, cursor: str | None = None
) -> dict[str, Any]:
    data = await service.spaces_page(db, infra.cache, actor.user_id, workspace, cursor)
    return {**CHOICES, "data": data, "values": {}, "errors": None}


@router.get("/workspaces/{workspace_id}/spaces", response_class=HTMLResponse)
async def spaces_page(
    request: Request,
    workspace: ViewWorkspace,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return render(request, "spaces/list.html", await spaces_context(db, infra, actor, workspace, cursor))


@router.post("/workspaces/{workspace_id}/spaces")
async def create_space(request: Request, workspace: CreateSpaces, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await spaces_context(db, infra, actor, workspace)
    values = await form_values(request)
    try:
        form = parse_form(SpaceForm, cleaned(values))
        space = await service.create_space(
            db, infra.cache, actor.user_id, workspace.id, SpaceCreate(**form.model_dump())
        )
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        return redirect(request, f"/spaces/{space.id}")
    return render(request, "spaces/_create_form.html", {**context, "values": values, "errors": errors}, status_code=422)


async def _moved(
    request: Request, workspace: Workspace, space_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, up: bool
) -> Response:
    await service.move_space(db, infra.cache, actor.user_id, workspace.id, space_id, up=up)
    return render(request, "spaces/_grid.html", await spaces_context(db, infra, actor, workspace))


@router.post("/workspaces/{workspace_id}/spaces/{space_id}/up")
async def move_up(
    request: Request, space_id: uuid.UUID, workspace: EditSpaces, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    return await _moved(request, workspace, space_id, actor, db=db, infra=infra, up=True)


@router.post("/workspaces/{workspace_id}/spaces/{space_id}/down")
async def move_down(
    request: Request, space_id: uuid.UUID, workspace: EditSpaces, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    return await _moved(request, workspace, space_id, actor, db=db, infra=infra, up=False)


# ───────────────────────── one space ─────────────────────────


async def space_context(db: Db, infra: Infra, actor: PageActor, space: Space) -> dict[str, Any]:
    data = await service.space_page(db, infra.cache, actor.user_id, space)
    return {**CHOICES, "data": data, "values": {}, "errors": None, "member_errors": None, "member_values": {}}


@router.get("/spaces/{space_id}", response_class=HTMLResponse)
async def space_page(request: Request, space: ViewSpace, actor: PageActor, db: Db, infra: Infra) -> Response:
    return render(request, "spaces/space.html", await space_context(db, infra, actor, space))


@router.post("/spaces/{space_id}/settings")
async def edit_space(request: Request, space: EditSpace, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await space_context(db, infra, actor, space)
    values = await form_values(request)
    try:
        form = parse_form(SpaceForm, cleaned(values))
        changes = SpaceUpdate(**form.model_dump()).model_dump(exclude_unset=True)
        await service.update_space(db, infra.cache, space, changes)
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        return redirect(request, f"/spaces/{space.id}")
    return render(
        request, "spaces/_settings_form.html", {**context, "values": values, "errors": errors}, status_code=422
    )


@router.post("/spaces/{space_id}/workflow")
async def set_workflow(request: Request, space: EditSpace, actor: PageActor, db: Db, infra: Infra) -> Response:
    """The workflow the space hands down to new projects, and how strictly."""

    async def act(form: WorkflowForm) -> Response:
        await workflows.set_space_workflow(db, space, SpaceWorkflowSettings(**form.model_dump()))
        context = await space_context(db, infra, actor, space)
        return render(request, "spaces/_workflow_form.html", context, headers=toast("Workflow settings saved"))

    async def context() -> dict[str, Any]:
        return await space_context(db, infra, actor, space)

    return await handle_form(request, db, WorkflowForm, act, template="spaces/_workflow_form.html", context=context)


@router.post("/spaces/{space_id}/archive")
async def archive_space(request: Request, space: EditSpace, db: Db) -> Response:
    await service.set_archived(db, space, archived=True)
    return redirect(request, f"/spaces/{space.id}")


@router.post("/spaces/{space_id}/unarchive")
async def unarchive_space(request: Request, space: EditSpace, db: Db) -> Response:
    await service.set_archived(db, space, archived=False)
    return redirect(request, f"/spaces/{space.id}")


async def _members_answer(
    request: Request,
    space: Space,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    change: Callable[[Mapping[str, str]], Awaitable[str]],
) -> Response:
    """Make a membership change and answer with the members section again; refused, with the
    section as it was and the messages."""
    before = await space_context(db, infra, actor, space)
    values = await form_values(request)
    try:
        title = await change(values)
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        return render(
            request, "spaces/_members.html", await space_context(db, infra, actor, space), headers=toast(title)
        )
    context = before | {"member_errors": errors, "member_values": values}
    return render(request, "spaces/_members.html", context, status_code=422)


@router.post("/spaces/{space_id}/members")
async def add_member(request: Request, space: ManageMembers, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(MemberForm, values)
        await service.add_member(db, infra.cache, space, form.user_id, form.role)
        return "Member added"

    return await _members_answer(request, space, actor, db=db, infra=infra, change=change)


@router.post("/spaces/{space_id}/members/{user_id}")
async def change_member(
    request: Request, user_id: uuid.UUID, space: ManageMembers, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(RoleForm, values)
        await service.update_member(db, infra.cache, space, user_id, form.role)
        return "Role changed"

    return await _members_answer(request, space, actor, db=db, infra=infra, change=change)


@router.delete("/spaces/{space_id}/members/{user_id}")
async def remove_member(
    request: Request, user_id: uuid.UUID, space: ManageMembers, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(_values: Mapping[str, str]) -> str:
        await service.remove_member(db, infra.cache, space, user_id)
        return "Member removed"

    return await _members_answer(request, space, actor, db=db, infra=infra, change=change)


@router.delete("/spaces/{space_id}")
async def delete_space(request: Request, space: DeleteSpace, db: Db, infra: Infra) -> Response:
    workspace_id = space.workspace_id
    await service.delete_space(db, infra.cache, space)
    return redirect(request, f"/workspaces/{workspace_id}/spaces")
