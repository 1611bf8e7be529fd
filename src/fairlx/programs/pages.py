"""Program pages: a workspace's programs as cards with a create form, and one program's overview
(summary, milestone chart and list, linked projects, members). Every form posts with htmx and the
answer is the program's body again (or, refused, the same with the messages: status 422)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.responses import Response

from fairlx.core.errors import AppError
from fairlx.dependencies import Db, Infra
from fairlx.programs import service
from fairlx.programs.models import MilestoneStatus, Program, ProgramRole, ProgramStatus
from fairlx.programs.schemas import (
    MAX_PAGE,
    MemberAdd,
    MemberUpdate,
    MilestoneCreate,
    MilestoneUpdate,
    ProgramCreate,
    ProgramUpdate,
    ProjectLink,
)
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.web.forms import FormErrors, form_values, parse_form, refused
from fairlx.web.guards import PageActor, redirect
from fairlx.web.templating import render
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)

P = Permission
Model = TypeVar("Model", bound=BaseModel)
Action = Callable[[], Awaitable[str]]  # does the change, gives the toast's title

BODY = "programs/_program.html"
KEEP_EMPTY = frozenset({"name"})  # an empty name is refused as such; other empty fields mean "none"

ProgramViewer = Annotated[Program, Authorized(P.PROGRAM_VIEW, Program, "program_id")]
ProgramEditor = Annotated[Program, Authorized(P.PROGRAM_EDIT, Program, "program_id")]
MembersManager = Annotated[Program, Authorized(P.PROGRAM_MEMBERS_MANAGE, Program, "program_id")]
MilestonesManager = Annotated[Program, Authorized(P.PROGRAM_MILESTONES_MANAGE, Program, "program_id")]

STATUS_TONES = {
    ProgramStatus.PLANNING: "neutral",
    ProgramStatus.ACTIVE: "accent",
    ProgramStatus.ON_HOLD: "warning",
    ProgramStatus.COMPLETED: "success",
    ProgramStatus.CANCELLED: "danger",
}
MILESTONE_TONES = {
    MilestoneStatus.NOT_STARTED: "neutral",
    MilestoneStatus.IN_PROGRESS: "info",
    MilestoneStatus.COMPLETED: "success",
    MilestoneStatus.DELAYED: "danger",
    MilestoneStatus.AT_RISK: "warning",
}


def label(value: str) -> str:
    """`ON_HOLD` -> "On hold"."""
    return value.replace("_", " ").capitalize()


CHOICES: dict[str, Any] = {
    "program_statuses": [(status.value, label(status)) for status in ProgramStatus],
    "milestone_statuses": [(status.value, label(status)) for status in MilestoneStatus],
    "roles": [(role.value, label(role)) for role in ProgramRole],
    "status_tones": STATUS_TONES,
    "milestone_tones": MILESTONE_TONES,
    "label": label,
    "P": P,
}


def toast(title: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": ""}})}


def cleaned(values: Mapping[str, str]) -> dict[str, str | None]:
    """Form values with empty fields as None (no date, no lead, no description)."""
    return {key: (value if value.strip() or key in KEEP_EMPTY else None) for key, value in values.items()}


# ───────────────────────── the workspace's programs ─────────────────────────


async def programs_context(
    db: Db, infra: Infra, actor: PageActor, workspace: Workspace, cursor: str | None = None
) -> dict[str, Any]:
    data = await service.programs_page(db, infra.cache, actor.user_id, workspace, limit=MAX_PAGE, cursor=cursor)
    others = [(str(person.id), person.name) for person in data.people if person.id != actor.user_id]
    return {**CHOICES, "data": data, "lead_choices": [("", "Me"), *others], "values": {}, "errors": None}


@router.get("/workspaces/{workspace_id}/programs", response_class=HTMLResponse)
async def programs_page(
    request: Request,
    workspace: Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")],
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    cursor: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    context = await programs_context(db, infra, actor, workspace, str(cursor) if cursor else None)
    return render(request, "programs/list.html", context)


@router.post("/workspaces/{workspace_id}/programs")
async def create_program(
    request: Request,
    workspace: Annotated[Workspace, Authorized(P.WORKSPACE_PROGRAMS_CREATE, Workspace, "workspace_id")],
    actor: PageActor,
    db: Db,
    infra: Infra,
) -> Response:
    values = await form_values(request)
    try:
        form = parse_form(ProgramCreate, cleaned(values))
        created = await service.create_program(db, infra.cache, actor.user_id, workspace.id, form)
        return redirect(request, f"/programs/{created.program.id}")
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
        await db.refresh(workspace)
    context = await programs_context(db, infra, actor, workspace)
    return render(
        request, "programs/_create_form.html", {**context, "values": values, "errors": errors}, status_code=422
    )


# ───────────────────────── one program ─────────────────────────


async def program_context(db: Db, infra: Infra, actor: PageActor, program: Program) -> dict[str, Any]:
    data = await service.program_page(db, infra.cache, actor.user_id, program)
    return {
        **CHOICES,
        "data": data,
        "program": program,
        "lead_choices": [("", "No lead"), *((str(person.id), person.name) for person in data.people)],
        "candidate_choices": [(str(person.id), f"{person.name} ({person.email})") for person in data.candidates],
        "project_choices": [
            (str(project.id), f"{project.key} · {project.name}") for project in data.available_projects
        ],
        "failed": None,
        "values": {},
        "errors": None,
    }


async def respond(
    request: Request,
    program: Program,
    form_id: str,
    action: Action,
    *,
    db: Db,
    infra: Infra,
    actor: PageActor,
) -> Response:
    """Do `action` and answer with the program's body; refused, with its messages beside form `form_id`."""
    try:
        title = await action()
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        return render(request, BODY, await program_context(db, infra, actor, program), headers=toast(title))
    values = await form_values(request)
    await db.refresh(program)
    context = await program_context(db, infra, actor, program)
    return render(request, BODY, {**context, "failed": form_id, "values": values, "errors": errors}, status_code=422)


async def posted(request: Request, model: type[Model]) -> Model:
    return parse_form(model, cleaned(await form_values(request)))


@router.get("/programs/{program_id}", response_class=HTMLResponse)
async def program_page(request: Request, program: ProgramViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    return render(request, "programs/program.html", await program_context(db, infra, actor, program))


@router.post("/programs/{program_id}/edit")
async def edit_program(request: Request, program: ProgramEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def action() -> str:
        await service.update_program(db, infra.cache, actor.user_id, program, await posted(request, ProgramUpdate))
        return "Program saved"

    return await respond(request, program, "details", action, db=db, infra=infra, actor=actor)


@router.delete("/programs/{program_id}")
async def delete_program(
    request: Request,
    program: Annotated[Program, Authorized(P.PROGRAM_DELETE, Program, "program_id")],
    db: Db,
    infra: Infra,
) -> Response:
    workspace_id = program.workspace_id
    await service.delete_program(db, infra.cache, program)
    return redirect(request, f"/workspaces/{workspace_id}/programs")


@router.post("/programs/{program_id}/milestones")
async def add_milestone(
    request: Request, program: MilestonesManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.create_milestone(db, program, await posted(request, MilestoneCreate))
        return "Milestone added"

    return await respond(request, program, "milestone-new", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/milestones/{milestone_id}")
async def edit_milestone(
    request: Request, milestone_id: uuid.UUID, program: MilestonesManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.update_milestone(db, program, milestone_id, await posted(request, MilestoneUpdate))
        return "Milestone saved"

    return await respond(request, program, f"milestone-{milestone_id}", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/milestones/{milestone_id}/delete")
async def delete_milestone(
    request: Request, milestone_id: uuid.UUID, program: MilestonesManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.delete_milestone(db, program, milestone_id)
        return "Milestone deleted"

    return await respond(request, program, "milestones", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/milestones/{milestone_id}/up")
async def move_milestone_up(
    request: Request, milestone_id: uuid.UUID, program: MilestonesManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.move_milestone(db, program, milestone_id, -1)
        return "Milestone moved up"

    return await respond(request, program, "milestones", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/milestones/{milestone_id}/down")
async def move_milestone_down(
    request: Request, milestone_id: uuid.UUID, program: MilestonesManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.move_milestone(db, program, milestone_id, 1)
        return "Milestone moved down"

    return await respond(request, program, "milestones", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/projects")
async def link_project(request: Request, program: ProgramEditor, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def action() -> str:
        form = await posted(request, ProjectLink)
        project = await service.link_project(db, infra.cache, actor.user_id, program, form.project_id)
        return f"{project.name} joined the program"

    return await respond(request, program, "projects", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/projects/{project_id}/unlink")
async def unlink_project(
    request: Request, project_id: uuid.UUID, program: ProgramEditor, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.unlink_project(db, program, project_id)
        return "Project unlinked"

    return await respond(request, program, "projects", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/members")
async def add_member(request: Request, program: MembersManager, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def action() -> str:
        form = await posted(request, MemberAdd)
        member = await service.add_member(db, infra.cache, actor.user_id, program, form.user_id, role=form.role)
        return f"{member.name} joined the program"

    return await respond(request, program, "members", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/members/{user_id}")
async def change_member_role(
    request: Request, user_id: uuid.UUID, program: MembersManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        form = await posted(request, MemberUpdate)
        member = await service.change_member_role(db, infra.cache, actor.user_id, program, user_id, role=form.role)
        return f"{member.name} is now {label(member.role).lower()}"

    return await respond(request, program, "members", action, db=db, infra=infra, actor=actor)


@router.post("/programs/{program_id}/members/{user_id}/remove")
async def remove_member(
    request: Request, user_id: uuid.UUID, program: MembersManager, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def action() -> str:
        await service.remove_member(db, infra.cache, actor.user_id, program, user_id)
        return "Member removed"

    return await respond(request, program, "members", action, db=db, infra=infra, actor=actor)
