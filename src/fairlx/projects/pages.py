"""Project pages: a workspace's projects with the create form, and a project's settings in sections
(General, Members, Roles, Teams, Copy settings). Forms post with htmx; a section answers with itself
again (refused: with the messages beside the fields, status 422)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from starlette.responses import Response

from fairlx.core.errors import AppError
from fairlx.dependencies import Db, Infra
from fairlx.projects import service
from fairlx.projects.models import BoardType, Project, ProjectStatus, TeamRole
from fairlx.projects.schemas import (
    SWIMLANES,
    LongText,
    Name,
    ProjectCreate,
    RoleCreate,
    RoleName,
    ShortText,
    Swimlane,
    TeamCreate,
)
from fairlx.projects.service import project_snapshot
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.spaces.pages import COLORS
from fairlx.spaces.schemas import Color, Description, Key
from fairlx.web.forms import FormErrors, form_values, parse_form, refused
from fairlx.web.guards import PageActor, redirect
from fairlx.web.templating import render
from fairlx.web.uploads import uploaded_file
from fairlx.workflows.templates import TEMPLATES, TemplateKey
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)

P = Permission
ViewWorkspace = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]


def _guard(permission: Permission) -> Any:
    return Authorized(permission, Project, "project_id")


EditSettings = Annotated[Project, _guard(P.PROJECT_SETTINGS_EDIT)]
UploadingTo = Annotated[Project, Authorized(P.PROJECT_SETTINGS_EDIT, Project, "project_id", outside_transaction=True)]
ManageSettings = Annotated[Project, _guard(P.PROJECT_SETTINGS_MANAGE)]
DeleteProject = Annotated[Project, _guard(P.PROJECT_DELETE)]
ViewMembers = Annotated[Project, _guard(P.PROJECT_MEMBERS_VIEW)]
ManageMembers = Annotated[Project, _guard(P.PROJECT_MEMBERS_MANAGE)]
RemoveMembers = Annotated[Project, _guard(P.PROJECT_MEMBERS_REMOVE)]
CreateRoles = Annotated[Project, _guard(P.PROJECT_ROLES_CREATE)]
DeleteRoles = Annotated[Project, _guard(P.PROJECT_ROLES_DELETE)]
ViewTeams = Annotated[Project, _guard(P.PROJECT_TEAMS_VIEW)]
CreateTeams = Annotated[Project, _guard(P.PROJECT_TEAMS_CREATE)]
ManageTeams = Annotated[Project, _guard(P.PROJECT_TEAMS_MANAGE)]
ManagePermissions = Annotated[Project, _guard(P.PROJECT_PERMISSIONS_MANAGE)]

# (section, label, icon, the key that opens it)
SECTIONS = [
    ("general", "General", "settings", P.PROJECT_SETTINGS_EDIT.value),
    ("members", "Members", "users", P.PROJECT_MEMBERS_VIEW.value),
    ("roles", "Roles", "shield", P.PROJECT_MEMBERS_VIEW.value),
    ("teams", "Teams", "layers", P.PROJECT_TEAMS_VIEW.value),
    ("fields", "Fields", "kanban", P.PROJECT_SETTINGS_MANAGE.value),
    ("types", "Work item types", "zap", P.PROJECT_SETTINGS_MANAGE.value),
    ("workflow", "Workflow", "git-branch", P.PROJECT_VIEW.value),
    ("copy", "Copy settings", "copy", P.PROJECT_SETTINGS_MANAGE.value),
]
SECTION_TEMPLATES = {
    "general": "projects/_general.html",
    "members": "projects/_members.html",
    "roles": "projects/_roles.html",
    "teams": "projects/_teams.html",
    "fields": "fields/_fields.html",
    "types": "fields/_types.html",
    "workflow": "workflows/_project_section.html",
    "copy": "projects/_copy.html",
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def label(value: str) -> str:
    """`ON_HOLD` -> "On hold"."""
    return value.replace("_", " ").capitalize()


def permission_label(key: str) -> str:
    """`project.tasks.create` -> "Create tasks"; `project.view` -> "View project"."""
    parts = key.split(".")[1:]
    if len(parts) == 1:
        return f"{parts[0].capitalize()} project"
    noun, verb = parts[0], parts[-1]
    return f"{verb.capitalize()} {noun}"


CHOICES: dict[str, Any] = {
    "board_types": [(board.value, label(board)) for board in BoardType],
    "workflow_templates": [(template.key.value, template.name) for template in TEMPLATES.values()],
    "statuses": [(status.value, label(status)) for status in ProjectStatus],
    "swimlanes": [(lane, "No swimlanes" if lane == "none" else f"By {lane}") for lane in SWIMLANES],
    "days": [(str(number), day) for number, day in enumerate(DAYS, start=1)],
    "team_roles": [(TeamRole.MEMBER.value, "Member"), (TeamRole.LEAD.value, "Lead")],
    "colors": COLORS,
    "permission_groups": [(group, [key.value for key in keys]) for group, keys in service.PERMISSION_GROUPS],
    "sections": SECTIONS,
    "label": label,
    "permission_label": permission_label,
}


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Optional = BeforeValidator(_blank_is_none)


class ProjectForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    key: Key
    space_id: Annotated[uuid.UUID | None, Optional] = None
    board_type: BoardType = BoardType.KANBAN
    description: Annotated[LongText, Optional] = None
    workflow_template: Annotated[TemplateKey | None, Optional] = None


WIP_LINE = re.compile(r"^(?P<status>[^=:]+?)\s*[=:]\s*(?P<limit>\d{1,5})$")


class GeneralForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    board_type: BoardType
    status: ProjectStatus
    start_date: Annotated[date | None, Optional] = None
    deadline: Annotated[date | None, Optional] = None
    color: Annotated[Color, Optional] = None
    description: Annotated[LongText, Optional] = None
    swimlane: Swimlane = "none"
    sprint_length_days: Annotated[int, Field(ge=1, le=60)] = 14
    sprint_start_day: Annotated[int, Field(ge=1, le=7)] = 1
    default_assignee_id: Annotated[uuid.UUID | None, Optional] = None
    time_tracking: bool = False
    wip_limits: dict[str, int] = Field(default_factory=dict)

    @field_validator("wip_limits", mode="before")
    @classmethod
    def _wip_lines(cls, value: Any) -> Any:
        """One column per line, such as `In progress = 3`."""
        if not isinstance(value, str):
            return value
        limits: dict[str, int] = {}
        for line in value.splitlines():
            if not line.strip():
                continue
            found = WIP_LINE.match(line.strip())
            if found is None or len(found["status"]) > 60:
                raise ValueError(f"Write one column per line as Name = limit (“{line.strip()[:40]}” is not).")
            limits[found["status"].strip()] = int(found["limit"])
        return limits

    def changes(self) -> dict[str, Any]:
        settings = {
            "wip_limits": self.wip_limits,
            "swimlane": self.swimlane,
            "sprint_length_days": self.sprint_length_days,
            "sprint_start_day": self.sprint_start_day,
            "default_assignee_id": self.default_assignee_id,
            "time_tracking": self.time_tracking,
        }
        fields = self.model_dump(
            include={"name", "board_type", "status", "start_date", "deadline", "color", "description"}
        )
        return fields | {"settings": settings}


class MemberForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: uuid.UUID
    role_id: uuid.UUID


class MemberRoleForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role_id: uuid.UUID


class RoleForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: RoleName
    description: Annotated[ShortText, Optional] = None


class TeamForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    description: Annotated[Description, Optional] = None


class TeamMemberForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: uuid.UUID
    role: TeamRole = TeamRole.MEMBER


class GrantsForm(BaseModel):
    """The team permissions form: its marker tells a form with every box unticked from no form."""

    model_config = ConfigDict(extra="ignore")

    grants: Literal["1"]


class CopyForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    from_project_id: uuid.UUID


def toast(title: str, message: str = "") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": message}})}


def ticked(values: Mapping[str, str], prefix: str) -> set[str]:
    """The permission keys of checkboxes named `<prefix><key>` that were ticked."""
    return {name.removeprefix(prefix) for name, value in values.items() if name.startswith(prefix) and value == "on"}


# ───────────────────────── the workspace's projects ─────────────────────────


async def projects_context(
    db: Db, infra: Infra, actor: PageActor, workspace: Workspace, cursor: str | None = None
) -> dict[str, Any]:
    data = await service.projects_page(db, infra.cache, actor.user_id, workspace, cursor)
    return {**CHOICES, "data": data, "values": {}, "errors": None}


@router.get("/workspaces/{workspace_id}/projects", response_class=HTMLResponse)
async def projects_page(
    request: Request,
    workspace: ViewWorkspace,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return render(request, "projects/list.html", await projects_context(db, infra, actor, workspace, cursor))


@router.post("/workspaces/{workspace_id}/projects")
async def create_project(
    request: Request, workspace: ViewWorkspace, actor: PageActor, db: Db, infra: Infra
) -> Response:
    context = await projects_context(db, infra, actor, workspace)
    values = await form_values(request)
    try:
        form = parse_form(ProjectForm, {**values, "key": values.get("key", "").strip().upper()})
        project = await service.create_project(
            db, infra.cache, actor.user_id, workspace, ProjectCreate(**form.model_dump())
        )
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        return redirect(request, f"/projects/{project.id}/board")
    return render(
        request, "projects/_create_form.html", {**context, "values": values, "errors": errors}, status_code=422
    )


# ───────────────────────── a project's settings ─────────────────────────


async def settings_context(db: Db, infra: Infra, actor: PageActor, project: Project, section: str) -> dict[str, Any]:
    data = await service.settings_page(db, infra.cache, actor.user_id, project, section)
    return {**CHOICES, "data": data, "values": {}, "errors": None}


async def _section_page(
    request: Request, project: Project, actor: PageActor, *, db: Db, infra: Infra, section: str
) -> Response:
    return render(request, "projects/settings.html", await settings_context(db, infra, actor, project, section))


async def _section_change(
    request: Request,
    project: Project,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    section: str,
    change: Callable[[Mapping[str, str]], Awaitable[str]],
) -> Response:
    """Make a change from a section's form and answer with the section again: updated with a toast,
    or (refused) as it was, with the messages and what was typed."""
    before = await settings_context(db, infra, actor, project, section)
    values = await form_values(request)
    try:
        title = await change(values)
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await refused(db, error)
    else:
        after = await settings_context(db, infra, actor, project, section)
        return render(request, SECTION_TEMPLATES[section], after, headers=toast(title))
    return render(request, SECTION_TEMPLATES[section], before | {"values": values, "errors": errors}, status_code=422)


@router.get("/projects/{project_id}/settings", response_class=HTMLResponse)
async def general_page(request: Request, project: EditSettings, actor: PageActor, db: Db, infra: Infra) -> Response:
    return await _section_page(request, project, actor, db=db, infra=infra, section="general")


@router.post("/projects/{project_id}/settings")
async def save_general(request: Request, project: EditSettings, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(GeneralForm, values, checkboxes=("time_tracking",))
        await service.update_project(db, infra.cache, actor.user_id, project, form.changes())
        return "Settings saved"

    return await _section_change(request, project, actor, db=db, infra=infra, section="general", change=change)


@router.post("/projects/{project_id}/settings/image")
async def upload_image(request: Request, project: UploadingTo, infra: Infra) -> Response:
    try:
        async with uploaded_file(request) as upload:
            project = await service.replace_image(infra, project, upload.file, upload.size or 0)
    except AppError as error:
        context = {"project": project_snapshot(project), "errors": FormErrors.of(error)}
        return render(request, "projects/_image_card.html", context, status_code=422)
    context = {"project": project_snapshot(project), "errors": None}
    return render(request, "projects/_image_card.html", context, headers=toast("Image updated"))


@router.post("/projects/{project_id}/settings/image/remove")
async def remove_image(request: Request, project: EditSettings, db: Db) -> Response:
    await service.remove_image(db, project)
    context = {"project": project_snapshot(project), "errors": None}
    return render(request, "projects/_image_card.html", context, headers=toast("Image removed"))


@router.delete("/projects/{project_id}")
async def delete_project(request: Request, project: DeleteProject, db: Db, infra: Infra) -> Response:
    workspace_id = project.workspace_id
    await service.delete_project(db, infra.cache, project)
    return redirect(request, f"/workspaces/{workspace_id}/projects")


# members


@router.get("/projects/{project_id}/settings/members", response_class=HTMLResponse)
async def members_page(request: Request, project: ViewMembers, actor: PageActor, db: Db, infra: Infra) -> Response:
    return await _section_page(request, project, actor, db=db, infra=infra, section="members")


@router.post("/projects/{project_id}/settings/members")
async def add_member(request: Request, project: ManageMembers, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(MemberForm, values)
        await service.add_member(
            db, infra.cache, actor.user_id, project, member_user_id=form.user_id, role_id=form.role_id
        )
        return "Member added"

    return await _section_change(request, project, actor, db=db, infra=infra, section="members", change=change)


@router.post("/projects/{project_id}/settings/members/{user_id}")
async def change_member(
    request: Request, user_id: uuid.UUID, project: ManageMembers, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(MemberRoleForm, values)
        await service.update_member(
            db, infra.cache, actor.user_id, project, member_user_id=user_id, role_id=form.role_id
        )
        return "Role changed"

    return await _section_change(request, project, actor, db=db, infra=infra, section="members", change=change)


@router.delete("/projects/{project_id}/settings/members/{user_id}")
async def remove_member(
    request: Request, user_id: uuid.UUID, project: RemoveMembers, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(_values: Mapping[str, str]) -> str:
        await service.remove_member(db, infra.cache, actor.user_id, project, user_id)
        return "Member removed"

    return await _section_change(request, project, actor, db=db, infra=infra, section="members", change=change)


# roles


@router.get("/projects/{project_id}/settings/roles", response_class=HTMLResponse)
async def roles_page(request: Request, project: ViewMembers, actor: PageActor, db: Db, infra: Infra) -> Response:
    return await _section_page(request, project, actor, db=db, infra=infra, section="roles")


@router.post("/projects/{project_id}/settings/roles")
async def create_role(request: Request, project: CreateRoles, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(RoleForm, values)
        keys = sorted(ticked(values, "new:"))
        await service.create_role(
            db, infra.cache, actor.user_id, project, RoleCreate(**form.model_dump(), permissions=keys)
        )
        return f"Role {form.name} created"

    return await _section_change(request, project, actor, db=db, infra=infra, section="roles", change=change)


@router.post("/projects/{project_id}/settings/roles/permissions")
async def save_roles(request: Request, project: CreateRoles, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        chosen: dict[uuid.UUID, set[str]] = {}
        for name in values:
            if name.startswith("role:"):
                try:
                    role_id = uuid.UUID(name.removeprefix("role:"))
                except ValueError:
                    continue
                chosen[role_id] = ticked(values, f"{role_id}:")
        await service.save_role_matrix(db, infra.cache, actor.user_id, project, chosen)
        return "Roles saved"

    return await _section_change(request, project, actor, db=db, infra=infra, section="roles", change=change)


@router.delete("/projects/{project_id}/settings/roles/{role_id}")
async def delete_role(
    request: Request, role_id: uuid.UUID, project: DeleteRoles, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(_values: Mapping[str, str]) -> str:
        await service.delete_role(db, project, role_id)
        return "Role deleted"

    return await _section_change(request, project, actor, db=db, infra=infra, section="roles", change=change)


# teams


@router.get("/projects/{project_id}/settings/teams", response_class=HTMLResponse)
async def teams_page(request: Request, project: ViewTeams, actor: PageActor, db: Db, infra: Infra) -> Response:
    return await _section_page(request, project, actor, db=db, infra=infra, section="teams")


@router.post("/projects/{project_id}/settings/teams")
async def create_team(request: Request, project: CreateTeams, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(TeamForm, values)
        await service.create_team(db, project, TeamCreate(**form.model_dump()))
        return f"Team {form.name} created"

    return await _section_change(request, project, actor, db=db, infra=infra, section="teams", change=change)


@router.post("/projects/{project_id}/settings/teams/{team_id}/members")
async def add_team_member(
    request: Request, team_id: uuid.UUID, project: ManageTeams, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(TeamMemberForm, values)
        await service.add_team_member(db, infra.cache, project, team_id=team_id, user_id=form.user_id, role=form.role)
        return "Added to the team"

    return await _section_change(request, project, actor, db=db, infra=infra, section="teams", change=change)


@router.delete("/projects/{project_id}/settings/teams/{team_id}/members/{user_id}")
async def remove_team_member(
    request: Request,
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    project: ManageTeams,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
) -> Response:
    async def change(_values: Mapping[str, str]) -> str:
        await service.remove_team_member(db, infra.cache, project, team_id, user_id)
        return "Removed from the team"

    return await _section_change(request, project, actor, db=db, infra=infra, section="teams", change=change)


@router.post("/projects/{project_id}/settings/teams/{team_id}/permissions")
async def save_team_permissions(
    request: Request, team_id: uuid.UUID, project: ManagePermissions, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        parse_form(GrantsForm, values)
        keys = sorted(ticked(values, "perm:"))
        await service.set_team_grants(db, infra.cache, actor.user_id, project, team_id=team_id, values=keys)
        return "Team permissions saved"

    return await _section_change(request, project, actor, db=db, infra=infra, section="teams", change=change)


@router.delete("/projects/{project_id}/settings/teams/{team_id}")
async def delete_team(
    request: Request, team_id: uuid.UUID, project: ManageTeams, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    async def change(_values: Mapping[str, str]) -> str:
        await service.delete_team(db, infra.cache, project, team_id)
        return "Team deleted"

    return await _section_change(request, project, actor, db=db, infra=infra, section="teams", change=change)


# copy settings


@router.get("/projects/{project_id}/settings/copy", response_class=HTMLResponse)
async def copy_page(request: Request, project: ManageSettings, actor: PageActor, db: Db, infra: Infra) -> Response:
    return await _section_page(request, project, actor, db=db, infra=infra, section="copy")


@router.post("/projects/{project_id}/settings/copy")
async def copy_settings(request: Request, project: ManageSettings, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def change(values: Mapping[str, str]) -> str:
        form = parse_form(CopyForm, values)
        await service.copy_settings(db, infra.cache, actor.user_id, project, form.from_project_id)
        return "Settings copied"

    return await _section_change(request, project, actor, db=db, infra=infra, section="copy", change=change)
