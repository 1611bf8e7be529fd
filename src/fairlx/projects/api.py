"""JSON routes of projects: `/api/v1/workspaces/{workspace_id}/projects` and `/api/v1/projects/{project_id}`
with its roles, members, teams and grants."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx, Infra
from fairlx.projects import service
from fairlx.projects.models import Project
from fairlx.projects.schemas import (
    CopySettings,
    GrantSet,
    GrantsOut,
    MemberAdd,
    MemberList,
    MemberOut,
    MemberUpdate,
    MyPermissions,
    ProjectCreate,
    ProjectList,
    ProjectOut,
    ProjectUpdate,
    RoleCreate,
    RoleList,
    RoleOut,
    RoleUpdate,
    TeamCreate,
    TeamList,
    TeamMemberAdd,
    TeamMemberList,
    TeamMemberOut,
    TeamOut,
    TeamUpdate,
)
from fairlx.projects.service import MemberRow, RoleRow, TeamMemberRow, TeamRow, project_snapshot
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.web.uploads import UPLOAD_BODY_DOC, picture_response, uploaded_file
from fairlx.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1", tags=["projects"])

P = Permission
# Creating a project needs workspace.projects.create, or space.projects.create on the space the body
# names: the service decides, once it knows which.
ViewWorkspace = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]


ViewProject = Annotated[Project, Authorized(P.PROJECT_VIEW, Project, "project_id")]
EditSettings = Annotated[Project, Authorized(P.PROJECT_SETTINGS_EDIT, Project, "project_id")]
UploadingTo = Annotated[Project, Authorized(P.PROJECT_SETTINGS_EDIT, Project, "project_id", outside_transaction=True)]
# Upload routes allowed a body up to the picture limit (app.py's body limits).
PROJECT_IMAGE_PATHS = r"/(api/v1/)?projects/[0-9a-f-]{36}/(settings/)?image$"
ManageSettings = Annotated[Project, Authorized(P.PROJECT_SETTINGS_MANAGE, Project, "project_id")]
DeleteProject = Annotated[Project, Authorized(P.PROJECT_DELETE, Project, "project_id")]
ViewMembers = Annotated[Project, Authorized(P.PROJECT_MEMBERS_VIEW, Project, "project_id")]
ManageMembers = Annotated[Project, Authorized(P.PROJECT_MEMBERS_MANAGE, Project, "project_id")]
RemoveMembers = Annotated[Project, Authorized(P.PROJECT_MEMBERS_REMOVE, Project, "project_id")]
CreateRoles = Annotated[Project, Authorized(P.PROJECT_ROLES_CREATE, Project, "project_id")]
DeleteRoles = Annotated[Project, Authorized(P.PROJECT_ROLES_DELETE, Project, "project_id")]
ViewTeams = Annotated[Project, Authorized(P.PROJECT_TEAMS_VIEW, Project, "project_id")]
CreateTeams = Annotated[Project, Authorized(P.PROJECT_TEAMS_CREATE, Project, "project_id")]
ManageTeams = Annotated[Project, Authorized(P.PROJECT_TEAMS_MANAGE, Project, "project_id")]
ManagePermissions = Annotated[Project, Authorized(P.PROJECT_PERMISSIONS_MANAGE, Project, "project_id")]


def project_out(project: Project) -> ProjectOut:
    return project_snapshot(project)


def role_out(row: RoleRow) -> RoleOut:
    role = row.role
    return RoleOut(
        id=role.id,
        name=role.name,
        description=role.description,
        color=role.color,
        permissions=sorted(role.permissions),
        is_default=role.is_default,
        member_count=row.member_count,
    )


def member_out(row: MemberRow) -> MemberOut:
    return MemberOut(
        user_id=row.user_id,
        name=row.name,
        email=row.email,
        role_id=row.role_id,
        role_name=row.role_name,
        joined_at=row.joined_at,
    )


def team_out(row: TeamRow) -> TeamOut:
    team = row.team
    return TeamOut(
        id=team.id,
        name=team.name,
        description=team.description,
        color=team.color,
        member_count=row.member_count,
        created_at=team.created_at,
    )


def team_member_out(row: TeamMemberRow) -> TeamMemberOut:
    return TeamMemberOut(user_id=row.user_id, name=row.name, email=row.email, role=row.role, added_at=row.added_at)


# projects


@router.get("/workspaces/{workspace_id}/projects")
async def list_projects(
    workspace: ViewWorkspace,
    ctx: Ctx,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    space_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ProjectList:
    page = await service.list_projects(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, limit=limit, cursor=cursor, space_id=space_id
    )
    return ProjectList(items=[project_out(project) for project in page.items], next_cursor=page.next_cursor)


@router.post("/workspaces/{workspace_id}/projects", status_code=201)
async def create_project(body: ProjectCreate, workspace: ViewWorkspace, ctx: Ctx) -> ProjectOut:
    return project_out(await service.create_project(ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace, body))


@router.get("/projects/{project_id}")
async def get_project(project: ViewProject) -> ProjectOut:
    return project_out(project)


@router.patch("/projects/{project_id}")
async def update_project(body: ProjectUpdate, project: EditSettings, ctx: Ctx) -> ProjectOut:
    changes = body.model_dump(exclude_unset=True)
    return project_out(await service.update_project(ctx.db, ctx.infra.cache, ctx.actor.user_id, project, changes))


@router.post("/projects/{project_id}/copy-settings")
async def copy_settings(body: CopySettings, project: ManageSettings, ctx: Ctx) -> ProjectOut:
    copied = await service.copy_settings(ctx.db, ctx.infra.cache, ctx.actor.user_id, project, body.from_project_id)
    return project_out(copied)


@router.post(
    "/projects/{project_id}/image",
    openapi_extra=UPLOAD_BODY_DOC,
    responses={413: {"description": "The picture is over 10 MB"}, 422: {"description": "Not a picture we read"}},
)
async def upload_image(request: Request, project: UploadingTo, infra: Infra) -> ProjectOut:
    """Upload a JPEG, PNG, WebP or GIF (up to 10 MB) as the `file` field; it is stored as a 256x256 WebP."""
    async with uploaded_file(request) as upload:
        return project_out(await service.replace_image(infra, project, upload.file, upload.size or 0))


@router.delete("/projects/{project_id}/image", status_code=204)
async def remove_image(project: EditSettings, ctx: Ctx) -> None:
    await service.remove_image(ctx.db, project)


@router.get("/projects/{project_id}/image", response_class=StreamingResponse)
async def get_image(project: ViewProject, infra: Infra, v: str | None = None) -> StreamingResponse:
    """The project's image; linked with the `?v=` of `image_url`, it may be cached for a year."""
    image = await service.open_image(infra, project)
    return picture_response(image, project_out(project).image_url, requested=v)


@router.get("/projects/{project_id}/my-permissions")
async def my_permissions(project: ViewProject, ctx: Ctx) -> MyPermissions:
    keys = await service.my_permissions(ctx.db, ctx.infra.cache, ctx.actor.user_id, project)
    return MyPermissions(project_id=project.id, permissions=keys)


# roles


@router.get("/projects/{project_id}/roles")
async def list_roles(project: ViewMembers, ctx: Ctx) -> RoleList:
    return RoleList(items=[role_out(row) for row in await service.list_roles(ctx.db, project)])


@router.post("/projects/{project_id}/roles", status_code=201)
async def create_role(body: RoleCreate, project: CreateRoles, ctx: Ctx) -> RoleOut:
    return role_out(await service.create_role(ctx.db, ctx.infra.cache, ctx.actor.user_id, project, body))


@router.patch("/projects/{project_id}/roles/{role_id}")
async def update_role(role_id: uuid.UUID, body: RoleUpdate, project: CreateRoles, ctx: Ctx) -> RoleOut:
    changes = body.model_dump(exclude_unset=True)
    return role_out(
        await service.update_role(ctx.db, ctx.infra.cache, ctx.actor.user_id, project, role_id=role_id, changes=changes)
    )


@router.delete("/projects/{project_id}/roles/{role_id}", status_code=204)
async def delete_role(role_id: uuid.UUID, project: DeleteRoles, ctx: Ctx) -> None:
    await service.delete_role(ctx.db, project, role_id)


# members


@router.get("/projects/{project_id}/members")
async def list_members(
    project: ViewMembers, ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> MemberList:
    page = await service.list_members(ctx.db, project, limit=limit, cursor=cursor)
    return MemberList(items=[member_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/projects/{project_id}/members", status_code=201)
async def add_member(body: MemberAdd, project: ManageMembers, ctx: Ctx) -> MemberOut:
    row = await service.add_member(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, project, member_user_id=body.user_id, role_id=body.role_id
    )
    return member_out(row)


@router.patch("/projects/{project_id}/members/{user_id}")
async def update_member(user_id: uuid.UUID, body: MemberUpdate, project: ManageMembers, ctx: Ctx) -> MemberOut:
    row = await service.update_member(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, project, member_user_id=user_id, role_id=body.role_id
    )
    return member_out(row)


@router.delete("/projects/{project_id}/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, project: RemoveMembers, ctx: Ctx) -> None:
    await service.remove_member(ctx.db, ctx.infra.cache, ctx.actor.user_id, project, user_id)


@router.get("/projects/{project_id}/members/{user_id}/permissions")
async def member_permissions(user_id: uuid.UUID, project: ManagePermissions, ctx: Ctx) -> GrantsOut:
    return GrantsOut(permissions=await service.member_grants(ctx.db, project, user_id))


@router.put("/projects/{project_id}/members/{user_id}/permissions")
async def set_member_permissions(user_id: uuid.UUID, body: GrantSet, project: ManagePermissions, ctx: Ctx) -> GrantsOut:
    keys = await service.set_member_grants(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, project, user_id=user_id, values=body.permissions
    )
    return GrantsOut(permissions=keys)


# teams


@router.get("/projects/{project_id}/teams")
async def list_teams(
    project: ViewTeams, ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> TeamList:
    page = await service.list_teams(ctx.db, project, limit=limit, cursor=cursor)
    return TeamList(items=[team_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/projects/{project_id}/teams", status_code=201)
async def create_team(body: TeamCreate, project: CreateTeams, ctx: Ctx) -> TeamOut:
    return team_out(await service.create_team(ctx.db, project, body))


@router.patch("/projects/{project_id}/teams/{team_id}")
async def update_team(team_id: uuid.UUID, body: TeamUpdate, project: ManageTeams, ctx: Ctx) -> TeamOut:
    return team_out(await service.update_team(ctx.db, project, team_id, body.model_dump(exclude_unset=True)))


@router.delete("/projects/{project_id}/teams/{team_id}", status_code=204)
async def delete_team(team_id: uuid.UUID, project: ManageTeams, ctx: Ctx) -> None:
    await service.delete_team(ctx.db, ctx.infra.cache, project, team_id)


@router.get("/projects/{project_id}/teams/{team_id}/members")
async def list_team_members(
    team_id: uuid.UUID, project: ViewTeams, ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
) -> TeamMemberList:
    page = await service.list_team_members(ctx.db, project, team_id, limit=limit, cursor=cursor)
    return TeamMemberList(items=[team_member_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/projects/{project_id}/teams/{team_id}/members", status_code=201)
async def add_team_member(team_id: uuid.UUID, body: TeamMemberAdd, project: ManageTeams, ctx: Ctx) -> TeamMemberOut:
    row = await service.add_team_member(
        ctx.db, ctx.infra.cache, project, team_id=team_id, user_id=body.user_id, role=body.role
    )
    return team_member_out(row)


@router.delete("/projects/{project_id}/teams/{team_id}/members/{user_id}", status_code=204)
async def remove_team_member(team_id: uuid.UUID, user_id: uuid.UUID, project: ManageTeams, ctx: Ctx) -> None:
    await service.remove_team_member(ctx.db, ctx.infra.cache, project, team_id, user_id)


@router.get("/projects/{project_id}/teams/{team_id}/permissions")
async def team_permissions(team_id: uuid.UUID, project: ManagePermissions, ctx: Ctx) -> GrantsOut:
    return GrantsOut(permissions=await service.team_grants(ctx.db, project, team_id))


@router.put("/projects/{project_id}/teams/{team_id}/permissions")
async def set_team_permissions(team_id: uuid.UUID, body: GrantSet, project: ManagePermissions, ctx: Ctx) -> GrantsOut:
    keys = await service.set_team_grants(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, project, team_id=team_id, values=body.permissions
    )
    return GrantsOut(permissions=keys)


@router.delete("/projects/{project_id}", status_code=204)
async def delete_project(project: DeleteProject, ctx: Ctx) -> None:
    await service.delete_project(ctx.db, ctx.infra.cache, project)
