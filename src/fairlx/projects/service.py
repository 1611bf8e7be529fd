"""Projects: their settings, roles, members, teams and direct grants.

A new project gets the four default roles (OWNER, ADMIN, MEMBER, VIEWER), which cannot be renamed or
deleted, and its creator as an OWNER member; at least one OWNER member always remains. What someone may
do in a project is the union of their role, their teams' grants and their direct grants (see
`fairlx.rbac.access`); nobody can hand out, through a role, a team or a grant, a key they do not hold
themselves, nor change or remove a member who holds keys they lack. Every change to who holds what
drops the workspace's cached access once it commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import User
from fairlx.core.cache import Cache
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox import emit
from fairlx.core.pagination import Page, after, after_id, page_of
from fairlx.core.storage.jobs import DELETE_STORED_FILE
from fairlx.files.pictures import StoredPicture, open_picture, picture_url, store_picture
from fairlx.projects.models import (
    Project,
    ProjectGrant,
    ProjectMember,
    ProjectRole,
    ProjectTeam,
    ProjectTeamMember,
    TeamRole,
)
from fairlx.projects.schemas import ProjectCreate, ProjectOut, ProjectSettings, RoleCreate, TeamCreate
from fairlx.rbac.authorize import authorize, permissions_on
from fairlx.rbac.permissions import PROJECT_DEFAULT_ROLES, PROJECT_OWNER_ROLE, Permission, Scope, in_scope
from fairlx.rbac.resolver import workspace_access_changed
from fairlx.spaces.models import Space
from fairlx.spaces.service import (
    MAX_PAGE,
    MAX_PEOPLE,
    WorkspaceHeader,
    WorkspacePerson,
    access_in,
    require_workspace_member,
    visible_projects,
    visible_spaces,
    workspace_people,
)
from fairlx.workflows.service import assign_new_project_workflow
from fairlx.workspaces.models import Workspace

P = Permission
PROJECT_KEYS = in_scope(Scope.PROJECT)
POSITION_STEP = 1.0
MAX_ROLES = 50
DEFAULT_ROLE_ORDER = list(PROJECT_DEFAULT_ROLES)
DEFAULT_ROLE_DESCRIPTIONS = {
    "OWNER": "Everything, including deleting the project.",
    "ADMIN": "Runs the project: work, sprints, docs, members, teams and settings.",
    "MEMBER": "Views the project and creates and edits tasks.",
    "VIEWER": "Views the project.",
}

# The permission matrix of the roles page, grouped as the original lists the 34 keys.
PERMISSION_GROUPS: list[tuple[str, list[Permission]]] = [
    (
        "View",
        [
            P.PROJECT_VIEW,
            P.PROJECT_TASKS_VIEW,
            P.PROJECT_SPRINTS_VIEW,
            P.PROJECT_DOCS_VIEW,
            P.PROJECT_MEMBERS_VIEW,
            P.PROJECT_TEAMS_VIEW,
            P.PROJECT_BOARD_VIEW,
            P.PROJECT_REPORTS_VIEW,
        ],
    ),
    (
        "Create",
        [
            P.PROJECT_TASKS_CREATE,
            P.PROJECT_SPRINTS_CREATE,
            P.PROJECT_DOCS_CREATE,
            P.PROJECT_TEAMS_CREATE,
            P.PROJECT_COMMENTS_CREATE,
            P.PROJECT_ROLES_CREATE,
        ],
    ),
    (
        "Edit",
        [
            P.PROJECT_TASKS_EDIT,
            P.PROJECT_SPRINTS_EDIT,
            P.PROJECT_DOCS_EDIT,
            P.PROJECT_SETTINGS_EDIT,
            P.PROJECT_BOARD_UPDATE,
            P.PROJECT_TASKS_ASSIGN,
        ],
    ),
    (
        "Delete",
        [
            P.PROJECT_TASKS_DELETE,
            P.PROJECT_SPRINTS_DELETE,
            P.PROJECT_DOCS_DELETE,
            P.PROJECT_DELETE,
            P.PROJECT_COMMENTS_DELETE,
            P.PROJECT_ROLES_DELETE,
        ],
    ),
    ("Sprint", [P.PROJECT_SPRINTS_START, P.PROJECT_SPRINTS_COMPLETE]),
    (
        "Management",
        [
            P.PROJECT_MEMBERS_MANAGE,
            P.PROJECT_TEAMS_MANAGE,
            P.PROJECT_PERMISSIONS_MANAGE,
            P.PROJECT_SETTINGS_MANAGE,
            P.PROJECT_MEMBERS_INVITE,
            P.PROJECT_MEMBERS_REMOVE,
        ],
    ),
]


@dataclass(frozen=True)
class RoleRow:
    role: ProjectRole
    member_count: int


@dataclass(frozen=True)
class MemberRow:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str
    role_id: uuid.UUID
    role_name: str
    joined_at: datetime


@dataclass(frozen=True)
class TeamRow:
    team: ProjectTeam
    member_count: int


@dataclass(frozen=True)
class TeamMemberRow:
    user_id: uuid.UUID
    name: str
    email: str
    role: TeamRole
    added_at: datetime


# settings and checks shared by the routes


def effective_settings(stored: dict[str, Any] | None) -> ProjectSettings:
    """The project's settings over the defaults (keys this version does not know are ignored)."""
    known = {name: value for name, value in (stored or {}).items() if name in ProjectSettings.model_fields}
    return ProjectSettings.model_validate(known)


def project_keys(values: Iterable[str], field: str = "permissions") -> list[Permission]:
    """`values` as project permission keys, sorted and without repeats; an unknown one is a 422 naming it."""
    keys: set[Permission] = set()
    for value in values:
        if value not in {key.value for key in PROJECT_KEYS}:
            raise Invalid(
                "unknown_permission",
                field=field,
                detail=f"{value!r} is not a project permission.",
                extra={"permission": value},
            )
        keys.add(Permission(value))
    return sorted(keys)


async def caller_keys(db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project) -> frozenset[Permission]:
    return await permissions_on(db, cache, user_id, project)


def require_held(held: frozenset[Permission], keys: Iterable[str], action: str) -> None:
    """Refuse to hand out (or take from someone) a key the caller does not hold."""
    lacking = sorted(set(keys) - {key.value for key in held})
    if lacking:
        raise Forbidden(
            "permission_denied",
            f"You cannot {action}: it involves {lacking[0]}, which you do not hold yourself.",
            extra={"permission": lacking[0]},
        )


def _check_dates(start: date | None, deadline: date | None) -> None:
    if start is not None and deadline is not None and start > deadline:
        raise Invalid("dates_out_of_order", field="deadline", detail="The deadline cannot be before the start date.")


async def _check_settings(db: AsyncSession, workspace_id: uuid.UUID, settings: ProjectSettings) -> None:
    if settings.default_assignee_id is not None:
        await require_workspace_member(
            db, workspace_id, settings.default_assignee_id, field="settings.default_assignee_id"
        )


async def _space_for(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    *,
    workspace_id: uuid.UUID,
    space_id: uuid.UUID,
    need: Permission,
) -> Space:
    """A space named in a body, in the project's workspace and with `need` held on it."""
    try:
        space = await authorize(db, cache, user_id, permission=P.SPACE_VIEW, model=Space, resource_id=space_id)
    except NotFound:
        space = None
    if space is None or space.workspace_id != workspace_id:
        raise Invalid("space_not_found", field="space_id", detail="No such space in this workspace.")
    if need not in await permissions_on(db, cache, user_id, space):
        raise Forbidden(
            "permission_denied", f"Your role does not allow this (it needs {need.value}).", extra={"permission": need}
        )
    if space.archived_at is not None:
        raise Conflict("space_archived", field="space_id", detail="The space is archived; unarchive it first.")
    return space


# projects


async def list_projects(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    space_id: uuid.UUID | None = None,
) -> Page[Project]:
    """The projects the caller can view, by name: all of them for an implicit owner."""
    access = await access_in(db, cache, user_id, workspace_id)
    query = select(Project).where(Project.workspace_id == workspace_id, visible_projects(access))
    if space_id is not None:
        query = query.where(Project.space_id == space_id)
    if (condition := after(cursor, Project.name, Project.id, str)) is not None:
        query = query.where(condition)
    rows = list(await db.scalars(query.order_by(Project.name, Project.id).limit(limit + 1)))
    return page_of(rows, limit, lambda project: (project.name, project.id))


async def create_project(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace, body: ProjectCreate
) -> Project:
    """A project in the workspace (`workspace.projects.create`) or in one of its spaces
    (`space.projects.create` there), with the default roles and its creator as OWNER."""
    if body.space_id is not None:
        await _space_for(
            db, cache, user_id, workspace_id=workspace.id, space_id=body.space_id, need=P.SPACE_PROJECTS_CREATE
        )
    elif P.WORKSPACE_PROJECTS_CREATE not in await permissions_on(db, cache, user_id, workspace):
        raise Forbidden(
            "permission_denied",
            f"Your role does not allow this (it needs {P.WORKSPACE_PROJECTS_CREATE.value}).",
            extra={"permission": P.WORKSPACE_PROJECTS_CREATE.value},
        )
    _check_dates(body.start_date, body.deadline)
    await _check_settings(db, workspace.id, body.settings)
    if await db.scalar(select(Project.id).where(Project.workspace_id == workspace.id, Project.key == body.key)):
        raise Conflict(
            "project_key_taken", field="key", detail=f"Another project in this workspace uses the key {body.key}."
        )
    last = await db.scalar(select(func.max(Project.position)).where(Project.workspace_id == workspace.id))
    project = Project(
        workspace_id=workspace.id,
        space_id=body.space_id,
        name=body.name,
        key=body.key,
        description=body.description or None,
        board_type=body.board_type,
        status=body.status,
        start_date=body.start_date,
        deadline=body.deadline,
        color=body.color,
        settings=body.settings.model_dump(mode="json"),
        position=(last or 0.0) + POSITION_STEP,
        created_by=user_id,
    )
    db.add(project)
    await db.flush()
    roles = {
        name: ProjectRole(
            workspace_id=workspace.id,
            project_id=project.id,
            name=name,
            description=DEFAULT_ROLE_DESCRIPTIONS[name],
            permissions=sorted(keys),
            is_default=True,
        )
        for name, keys in PROJECT_DEFAULT_ROLES.items()
    }
    db.add_all(roles.values())
    await db.flush()
    owner = roles[PROJECT_OWNER_ROLE]
    db.add(ProjectMember(workspace_id=workspace.id, project_id=project.id, user_id=user_id, role_id=owner.id))
    await db.flush()
    await assign_new_project_workflow(
        db, project, user_id, workflow_id=body.workflow_id, template=body.workflow_template
    )
    workspace_access_changed(db, cache, workspace.id)
    return project


async def update_project(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, changes: dict[str, Any]
) -> Project:
    """Apply a partial update; `changes["settings"]` (if present) is itself partial."""
    changes = dict(changes)
    _check_dates(changes.get("start_date", project.start_date), changes.get("deadline", project.deadline))
    if "space_id" in changes and changes["space_id"] not in (None, project.space_id):
        await _space_for(
            db,
            cache,
            user_id,
            workspace_id=project.workspace_id,
            space_id=changes["space_id"],
            need=P.SPACE_PROJECTS_ASSIGN,
        )
    if "settings" in changes:
        patch = changes.pop("settings") or {}
        merged = effective_settings(project.settings).model_dump() | patch
        settings = ProjectSettings.model_validate(merged)
        if "default_assignee_id" in patch:
            await _check_settings(db, project.workspace_id, settings)
        project.settings = settings.model_dump(mode="json")
    for name, value in changes.items():
        setattr(project, name, value)
    await db.flush()
    return project


async def delete_project(db: AsyncSession, cache: Cache, project: Project) -> None:
    # members first: they reference the project's roles, which go with the project
    await db.execute(delete(ProjectMember).where(ProjectMember.project_id == project.id))
    await db.delete(project)
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id)


async def copy_settings(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, from_project_id: uuid.UUID
) -> Project:
    """Take the board type and board settings of another project the caller can view."""
    if from_project_id == project.id:
        raise Invalid("same_project", field="from_project_id", detail="Choose another project to copy from.")
    try:
        source = await authorize(
            db, cache, user_id, permission=P.PROJECT_VIEW, model=Project, resource_id=from_project_id
        )
    except NotFound:
        raise Invalid(
            "project_not_found", field="from_project_id", detail="No such project, or it is not shared with you."
        ) from None
    settings = effective_settings(source.settings)
    if settings.default_assignee_id is not None and source.workspace_id != project.workspace_id:
        try:
            await require_workspace_member(db, project.workspace_id, settings.default_assignee_id)
        except Invalid:
            settings = settings.model_copy(update={"default_assignee_id": None})
    project.board_type = source.board_type
    project.settings = settings.model_dump(mode="json")
    await db.flush()
    return project


# roles


async def _owner_role(db: AsyncSession, project_id: uuid.UUID) -> ProjectRole:
    role = await db.scalar(
        select(ProjectRole).where(
            ProjectRole.project_id == project_id, ProjectRole.is_default, ProjectRole.name == PROJECT_OWNER_ROLE
        )
    )
    assert role is not None, "every project has its OWNER role"
    return role


async def _role(db: AsyncSession, project: Project, role_id: uuid.UUID, field: str | None = None) -> ProjectRole:
    role = await db.scalar(select(ProjectRole).where(ProjectRole.id == role_id, ProjectRole.project_id == project.id))
    if role is None:
        if field:
            raise Invalid("unknown_role", field=field, detail="No such role in this project.")
        raise NotFound("role_not_found", "No such role in this project.")
    return role


async def list_roles(db: AsyncSession, project: Project) -> list[RoleRow]:
    counts = (
        select(ProjectMember.role_id, func.count().label("members"))
        .where(ProjectMember.project_id == project.id)
        .group_by(ProjectMember.role_id)
        .subquery()
    )
    rows = await db.execute(
        select(ProjectRole, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.role_id == ProjectRole.id)
        .where(ProjectRole.project_id == project.id)
    )
    found = [RoleRow(role, int(members)) for role, members in rows]
    return sorted(
        found,
        key=lambda row: (
            not row.role.is_default,
            DEFAULT_ROLE_ORDER.index(row.role.name) if row.role.is_default else 0,
            row.role.name.lower(),
        ),
    )


async def _name_taken(db: AsyncSession, project: Project, name: str, except_id: uuid.UUID | None = None) -> bool:
    query = select(ProjectRole.id).where(
        ProjectRole.project_id == project.id, func.lower(ProjectRole.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(ProjectRole.id != except_id)
    return await db.scalar(query) is not None


async def create_role(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, body: RoleCreate
) -> RoleRow:
    keys = project_keys(body.permissions)
    require_held(await caller_keys(db, cache, user_id, project), keys, "create this role")
    if await _name_taken(db, project, body.name):
        raise Conflict("role_name_taken", field="name", detail=f"This project already has a role named {body.name}.")
    count = await db.scalar(select(func.count()).select_from(ProjectRole).where(ProjectRole.project_id == project.id))
    if (count or 0) >= MAX_ROLES:
        raise Conflict("too_many_roles", detail=f"A project has at most {MAX_ROLES} roles.")
    role = ProjectRole(
        workspace_id=project.workspace_id,
        project_id=project.id,
        name=body.name,
        description=body.description or None,
        color=body.color,
        permissions=[key.value for key in keys],
        is_default=False,
    )
    db.add(role)
    await db.flush()
    return RoleRow(role, 0)


async def update_role(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, *, role_id: uuid.UUID, changes: dict[str, Any]
) -> RoleRow:
    role = await _role(db, project, role_id)
    if role.is_default and "name" in changes and changes["name"] != role.name:
        raise Conflict("default_role", field="name", detail=f"The default role {role.name} cannot be renamed.")
    if "name" in changes and await _name_taken(db, project, changes["name"], role.id):
        raise Conflict(
            "role_name_taken", field="name", detail=f"This project already has a role named {changes['name']}."
        )
    if "permissions" in changes:
        keys = [key.value for key in project_keys(changes["permissions"])]
        if role.is_default and role.name == PROJECT_OWNER_ROLE and set(keys) != set(role.permissions):
            raise Conflict("default_role", field="permissions", detail="The OWNER role always holds every permission.")
        held = await caller_keys(db, cache, user_id, project)
        require_held(held, set(keys) ^ set(role.permissions), "change this role")
        if set(keys) != set(role.permissions):
            workspace_access_changed(db, cache, project.workspace_id)
        changes["permissions"] = keys
    for name, value in changes.items():
        setattr(role, name, value)
    await db.flush()
    members = await db.scalar(select(func.count()).select_from(ProjectMember).where(ProjectMember.role_id == role.id))
    return RoleRow(role, members or 0)


async def delete_role(db: AsyncSession, project: Project, role_id: uuid.UUID) -> None:
    role = await _role(db, project, role_id)
    if role.is_default:
        raise Conflict("default_role", detail=f"The default role {role.name} cannot be deleted.")
    if await db.scalar(select(ProjectMember.id).where(ProjectMember.role_id == role.id).limit(1)) is not None:
        raise Conflict("role_in_use", detail=f"Members hold the role {role.name}; give them another role first.")
    await db.delete(role)
    await db.flush()


# members


def _member_rows_query() -> Any:
    return (
        select(
            ProjectMember.id,
            ProjectMember.user_id,
            User.name,
            User.email,
            ProjectMember.role_id,
            ProjectRole.name,
            ProjectMember.created_at,
        )
        .join(User, User.id == ProjectMember.user_id)
        .join(ProjectRole, ProjectRole.id == ProjectMember.role_id)
    )


async def list_members(db: AsyncSession, project: Project, *, limit: int, cursor: str | None = None) -> Page[MemberRow]:
    query = _member_rows_query().where(ProjectMember.project_id == project.id)
    if (condition := after_id(cursor, ProjectMember.id)) is not None:
        query = query.where(condition)
    rows = [MemberRow(*row) for row in await db.execute(query.order_by(ProjectMember.id).limit(limit + 1))]
    return page_of(rows, limit, lambda row: (0, row.id))


async def _member(db: AsyncSession, project: Project, user_id: uuid.UUID) -> ProjectMember:
    member = await db.scalar(
        select(ProjectMember).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user_id)
    )
    if member is None:
        raise NotFound("member_not_found", "This person is not a member of the project.")
    return member


async def _member_row(db: AsyncSession, member_id: uuid.UUID) -> MemberRow:
    row = (await db.execute(_member_rows_query().where(ProjectMember.id == member_id))).one()
    return MemberRow(*row)


async def add_member(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    project: Project,
    *,
    member_user_id: uuid.UUID,
    role_id: uuid.UUID,
) -> MemberRow:
    await require_workspace_member(db, project.workspace_id, member_user_id)
    role = await _role(db, project, role_id, field="role_id")
    require_held(await caller_keys(db, cache, user_id, project), role.permissions, f"give the role {role.name}")
    existing = await db.scalar(
        select(ProjectMember.id).where(ProjectMember.project_id == project.id, ProjectMember.user_id == member_user_id)
    )
    if existing is not None:
        raise Conflict("already_member", field="user_id", detail="This person is already a member of the project.")
    member = ProjectMember(
        workspace_id=project.workspace_id, project_id=project.id, user_id=member_user_id, role_id=role.id
    )
    db.add(member)
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id, user_id=member_user_id)
    return await _member_row(db, member.id)


async def _refuse_last_owner(db: AsyncSession, project: Project, member: ProjectMember, action: str) -> None:
    owner = await _owner_role(db, project.id)
    if member.role_id != owner.id:
        return
    owners = await db.scalar(select(func.count()).select_from(ProjectMember).where(ProjectMember.role_id == owner.id))
    if (owners or 0) <= 1:
        raise Conflict("last_owner", detail=f"A project needs an OWNER: make someone else OWNER before you {action}.")


async def update_member(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    project: Project,
    *,
    member_user_id: uuid.UUID,
    role_id: uuid.UUID,
) -> MemberRow:
    member = await _member(db, project, member_user_id)
    role = await _role(db, project, role_id, field="role_id")
    if role.id != member.role_id:
        current = await _role(db, project, member.role_id)
        held = await caller_keys(db, cache, user_id, project)
        require_held(held, current.permissions, f"change the role of a member who is {current.name}")
        require_held(held, role.permissions, f"give the role {role.name}")
        await _refuse_last_owner(db, project, member, "change this role")
        member.role_id = role.id
        await db.flush()
        workspace_access_changed(db, cache, project.workspace_id, user_id=member_user_id)
    return await _member_row(db, member.id)


async def remove_member(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, member_user_id: uuid.UUID
) -> None:
    """Remove the member along with their places in the project's teams and their direct grants."""
    member = await _member(db, project, member_user_id)
    current = await _role(db, project, member.role_id)
    if member_user_id != user_id:
        require_held(
            await caller_keys(db, cache, user_id, project),
            current.permissions,
            f"remove a member who is {current.name}",
        )
    await _refuse_last_owner(db, project, member, "remove this member")
    await db.execute(
        delete(ProjectTeamMember).where(
            ProjectTeamMember.project_id == project.id, ProjectTeamMember.user_id == member_user_id
        )
    )
    await db.execute(
        delete(ProjectGrant).where(ProjectGrant.project_id == project.id, ProjectGrant.user_id == member_user_id)
    )
    await db.delete(member)
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id, user_id=member_user_id)


# teams


async def _team(db: AsyncSession, project: Project, team_id: uuid.UUID) -> ProjectTeam:
    team = await db.scalar(select(ProjectTeam).where(ProjectTeam.id == team_id, ProjectTeam.project_id == project.id))
    if team is None:
        raise NotFound("team_not_found", "No such team in this project.")
    return team


def _team_counts() -> Any:
    return (
        select(ProjectTeamMember.team_id, func.count().label("members")).group_by(ProjectTeamMember.team_id).subquery()
    )


async def list_teams(db: AsyncSession, project: Project, *, limit: int, cursor: str | None = None) -> Page[TeamRow]:
    counts = _team_counts()
    query = (
        select(ProjectTeam, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.team_id == ProjectTeam.id)
        .where(ProjectTeam.project_id == project.id)
    )
    if (condition := after(cursor, ProjectTeam.name, ProjectTeam.id, str)) is not None:
        query = query.where(condition)
    result = await db.execute(query.order_by(ProjectTeam.name, ProjectTeam.id).limit(limit + 1))
    rows = [TeamRow(team, int(members)) for team, members in result]
    return page_of(rows, limit, lambda row: (row.team.name, row.team.id))


async def _team_name_taken(db: AsyncSession, project: Project, name: str, except_id: uuid.UUID | None = None) -> bool:
    query = select(ProjectTeam.id).where(
        ProjectTeam.project_id == project.id, func.lower(ProjectTeam.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(ProjectTeam.id != except_id)
    return await db.scalar(query) is not None


async def create_team(db: AsyncSession, project: Project, body: TeamCreate) -> TeamRow:
    if await _team_name_taken(db, project, body.name):
        raise Conflict("team_name_taken", field="name", detail=f"This project already has a team named {body.name}.")
    team = ProjectTeam(
        workspace_id=project.workspace_id,
        project_id=project.id,
        name=body.name,
        description=body.description,
        color=body.color,
    )
    db.add(team)
    await db.flush()
    return TeamRow(team, 0)


async def update_team(db: AsyncSession, project: Project, team_id: uuid.UUID, changes: dict[str, Any]) -> TeamRow:
    team = await _team(db, project, team_id)
    if "name" in changes and await _team_name_taken(db, project, changes["name"], team.id):
        raise Conflict(
            "team_name_taken", field="name", detail=f"This project already has a team named {changes['name']}."
        )
    for name, value in changes.items():
        setattr(team, name, value)
    await db.flush()
    members = await db.scalar(
        select(func.count()).select_from(ProjectTeamMember).where(ProjectTeamMember.team_id == team.id)
    )
    return TeamRow(team, members or 0)


async def delete_team(db: AsyncSession, cache: Cache, project: Project, team_id: uuid.UUID) -> None:
    team = await _team(db, project, team_id)
    await db.execute(delete(ProjectGrant).where(ProjectGrant.team_id == team.id))
    await db.execute(delete(ProjectTeamMember).where(ProjectTeamMember.team_id == team.id))
    await db.delete(team)
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id)


def _team_member_query(team_id: uuid.UUID) -> Any:
    return (
        select(ProjectTeamMember.user_id, User.name, User.email, ProjectTeamMember.role, ProjectTeamMember.added_at)
        .join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.team_id == team_id)
    )


async def list_team_members(
    db: AsyncSession, project: Project, team_id: uuid.UUID, *, limit: int, cursor: str | None = None
) -> Page[TeamMemberRow]:
    team = await _team(db, project, team_id)
    query = _team_member_query(team.id)
    if (condition := after_id(cursor, ProjectTeamMember.user_id)) is not None:
        query = query.where(condition)
    result = await db.execute(query.order_by(ProjectTeamMember.user_id).limit(limit + 1))
    rows = [TeamMemberRow(*row) for row in result]
    return page_of(rows, limit, lambda row: (0, row.user_id))


async def add_team_member(
    db: AsyncSession, cache: Cache, project: Project, *, team_id: uuid.UUID, user_id: uuid.UUID, role: TeamRole
) -> TeamMemberRow:
    team = await _team(db, project, team_id)
    in_project = await db.scalar(
        select(ProjectMember.id).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user_id)
    )
    if in_project is None:
        raise Invalid("not_project_member", field="user_id", detail="Add this person to the project first.")
    existing = await db.scalar(
        select(ProjectTeamMember.user_id).where(
            ProjectTeamMember.team_id == team.id, ProjectTeamMember.user_id == user_id
        )
    )
    if existing is not None:
        raise Conflict("already_member", field="user_id", detail="This person is already in the team.")
    db.add(
        ProjectTeamMember(
            team_id=team.id, user_id=user_id, workspace_id=project.workspace_id, project_id=project.id, role=role
        )
    )
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id, user_id=user_id)
    return TeamMemberRow(
        *(await db.execute(_team_member_query(team.id).where(ProjectTeamMember.user_id == user_id))).one()
    )


async def remove_team_member(
    db: AsyncSession, cache: Cache, project: Project, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    team = await _team(db, project, team_id)
    removed = await db.execute(
        delete(ProjectTeamMember).where(ProjectTeamMember.team_id == team.id, ProjectTeamMember.user_id == user_id)
    )
    if not getattr(removed, "rowcount", 0):
        raise NotFound("member_not_found", "This person is not in the team.")
    workspace_access_changed(db, cache, project.workspace_id, user_id=user_id)


# grants


async def _grants(
    db: AsyncSession, project: Project, *, user_id: uuid.UUID | None, team_id: uuid.UUID | None
) -> list[str]:
    query = select(ProjectGrant.permission).where(ProjectGrant.project_id == project.id)
    query = query.where(ProjectGrant.user_id == user_id) if user_id else query.where(ProjectGrant.team_id == team_id)
    return sorted(await db.scalars(query))


async def _set_grants(
    db: AsyncSession,
    cache: Cache,
    caller_id: uuid.UUID,
    project: Project,
    values: list[str],
    *,
    user_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> list[str]:
    keys = {key.value for key in project_keys(values)}
    current = set(await _grants(db, project, user_id=user_id, team_id=team_id))
    if keys == current:
        return sorted(current)
    require_held(await caller_keys(db, cache, caller_id, project), keys ^ current, "change these grants")
    grantee = ProjectGrant.user_id == user_id if user_id else ProjectGrant.team_id == team_id
    stale = current - keys
    if stale:
        await db.execute(
            delete(ProjectGrant).where(
                ProjectGrant.project_id == project.id, grantee, ProjectGrant.permission.in_(stale)
            )
        )
    db.add_all(
        ProjectGrant(
            workspace_id=project.workspace_id,
            project_id=project.id,
            permission=key,
            user_id=user_id,
            team_id=team_id,
            granted_by=caller_id,
        )
        for key in sorted(keys - current)
    )
    await db.flush()
    workspace_access_changed(db, cache, project.workspace_id)
    return sorted(keys)


async def team_grants(db: AsyncSession, project: Project, team_id: uuid.UUID) -> list[str]:
    team = await _team(db, project, team_id)
    return await _grants(db, project, user_id=None, team_id=team.id)


async def set_team_grants(
    db: AsyncSession, cache: Cache, caller_id: uuid.UUID, project: Project, *, team_id: uuid.UUID, values: list[str]
) -> list[str]:
    team = await _team(db, project, team_id)
    return await _set_grants(db, cache, caller_id, project, values, team_id=team.id)


async def member_grants(db: AsyncSession, project: Project, user_id: uuid.UUID) -> list[str]:
    member = await _member(db, project, user_id)
    return await _grants(db, project, user_id=member.user_id, team_id=None)


async def set_member_grants(
    db: AsyncSession, cache: Cache, caller_id: uuid.UUID, project: Project, *, user_id: uuid.UUID, values: list[str]
) -> list[str]:
    member = await _member(db, project, user_id)
    return await _set_grants(db, cache, caller_id, project, values, user_id=member.user_id)


async def my_permissions(db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project) -> list[str]:
    return sorted(key.value for key in await caller_keys(db, cache, user_id, project))


# pages


@dataclass(frozen=True)
class ProjectLine:
    id: uuid.UUID
    name: str
    key: str
    status: str
    board_type: str
    deadline: date | None
    color: str | None
    space_name: str | None


@dataclass(frozen=True)
class ProjectsPage:
    workspace: WorkspaceHeader
    projects: list[ProjectLine]
    next_cursor: str | None
    can_create_in_workspace: bool
    spaces: list[tuple[str, str]]  # (id, name) of the spaces the caller may create projects in

    @property
    def can_create(self) -> bool:
        return self.can_create_in_workspace or bool(self.spaces)


async def projects_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace, cursor: str | None = None
) -> ProjectsPage:
    access = await access_in(db, cache, user_id, workspace.id)
    query = (
        select(
            Project.id,
            Project.name,
            Project.key,
            Project.status,
            Project.board_type,
            Project.deadline,
            Project.color,
            Space.name,
        )
        .outerjoin(Space, Space.id == Project.space_id)
        .where(Project.workspace_id == workspace.id, visible_projects(access))
    )
    if (condition := after(cursor, Project.name, Project.id, str)) is not None:
        query = query.where(condition)
    rows = [ProjectLine(*row) for row in await db.execute(query.order_by(Project.name, Project.id).limit(MAX_PAGE + 1))]
    page = page_of(rows, MAX_PAGE, lambda line: (line.name, line.id))
    spaces = await db.execute(
        select(Space.id, Space.name, Space.visibility)
        .where(Space.workspace_id == workspace.id, Space.archived_at.is_(None), visible_spaces(access))
        .order_by(Space.position, Space.id)
    )
    creatable = [
        (str(space_id), name)
        for space_id, name, visibility in spaces
        if P.SPACE_PROJECTS_CREATE in access.space_keys(space_id, visibility)
    ]
    return ProjectsPage(
        workspace=WorkspaceHeader(workspace.id, workspace.name),
        projects=page.items,
        next_cursor=page.next_cursor,
        can_create_in_workspace=P.WORKSPACE_PROJECTS_CREATE in access.workspace_keys(),
        spaces=creatable,
    )


@dataclass(frozen=True)
class RoleView:
    id: uuid.UUID
    name: str
    description: str | None
    permissions: frozenset[str]
    is_default: bool
    member_count: int

    @property
    def locked(self) -> bool:
        """The OWNER role always holds every key."""
        return self.is_default and self.name == PROJECT_OWNER_ROLE


@dataclass(frozen=True)
class TeamView:
    id: uuid.UUID
    name: str
    description: str | None
    color: str | None
    members: list[TeamMemberRow]
    grants: frozenset[str]


@dataclass
class SettingsPage:
    """What one section of a project's settings shows; sections load only their own part."""

    project: ProjectOut
    workspace: WorkspaceHeader
    keys: frozenset[str]
    section: str
    people: list[WorkspacePerson] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    roles: list[RoleView] = field(default_factory=list)
    teams: list[TeamView] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)

    @property
    def member_ids(self) -> set[uuid.UUID]:
        return {member.user_id for member in self.members}

    def person_choices(self, exclude: Iterable[uuid.UUID] = ()) -> list[tuple[str, str]]:
        excluded = set(exclude)
        return [
            (str(person.user_id), f"{person.name} ({person.email})")
            for person in self.people
            if person.user_id not in excluded
        ]

    def member_choices(self, exclude: Iterable[uuid.UUID] = ()) -> list[tuple[str, str]]:
        excluded = set(exclude)
        return [(str(member.user_id), member.name) for member in self.members if member.user_id not in excluded]

    @property
    def role_choices(self) -> list[tuple[str, str]]:
        return [(str(role.id), role.name) for role in self.roles]

    @property
    def default_role_id(self) -> str | None:
        """The role a new member gets unless another is chosen: MEMBER."""
        return next((str(role.id) for role in self.roles if role.is_default and role.name == "MEMBER"), None)


def project_snapshot(project: Project) -> ProjectOut:
    return ProjectOut(
        id=project.id,
        workspace_id=project.workspace_id,
        space_id=project.space_id,
        program_id=project.program_id,
        name=project.name,
        key=project.key,
        description=project.description,
        board_type=project.board_type,
        status=project.status,
        start_date=project.start_date,
        deadline=project.deadline,
        color=project.color,
        image_url=picture_url(f"/api/v1/projects/{project.id}/image", project.image_key),
        settings=effective_settings(project.settings),
        position=project.position,
        workflow_id=project.workflow_id,
        workflow_locked=project.workflow_locked,
        created_at=project.created_at,
        created_by=project.created_by,
    )


async def _role_views(db: AsyncSession, project: Project) -> list[RoleView]:
    return [
        RoleView(
            row.role.id,
            row.role.name,
            row.role.description,
            frozenset(row.role.permissions),
            row.role.is_default,
            row.member_count,
        )
        for row in await list_roles(db, project)
    ]


async def _team_views(db: AsyncSession, project: Project) -> list[TeamView]:
    teams = list(
        await db.scalars(select(ProjectTeam).where(ProjectTeam.project_id == project.id).order_by(ProjectTeam.name))
    )
    members: defaultdict[uuid.UUID, list[TeamMemberRow]] = defaultdict(list)
    rows = await db.execute(
        select(
            ProjectTeamMember.team_id,
            ProjectTeamMember.user_id,
            User.name,
            User.email,
            ProjectTeamMember.role,
            ProjectTeamMember.added_at,
        )
        .join(User, User.id == ProjectTeamMember.user_id)
        .where(ProjectTeamMember.project_id == project.id)
        .order_by(func.lower(User.name))
    )
    for team_id, member_id, name, email, role, added_at in rows:
        members[team_id].append(TeamMemberRow(member_id, name, email, role, added_at))
    grants: defaultdict[uuid.UUID, set[str]] = defaultdict(set)
    granted = await db.execute(
        select(ProjectGrant.team_id, ProjectGrant.permission).where(
            ProjectGrant.project_id == project.id, ProjectGrant.team_id.is_not(None)
        )
    )
    for granted_team, permission in granted:
        if granted_team is not None:
            grants[granted_team].add(permission)
    return [
        TeamView(team.id, team.name, team.description, team.color, members[team.id], frozenset(grants[team.id]))
        for team in teams
    ]


async def settings_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, section: str
) -> SettingsPage:
    keys = await caller_keys(db, cache, user_id, project)
    workspace = await db.get(Workspace, project.workspace_id)
    assert workspace is not None
    page = SettingsPage(
        project=project_snapshot(project),
        workspace=WorkspaceHeader(workspace.id, workspace.name),
        keys=frozenset(key.value for key in keys),
        section=section,
    )
    if section in ("general", "members"):
        page.people = await workspace_people(db, project.workspace_id)
    if section in ("members", "teams"):
        page.members = (await list_members(db, project, limit=MAX_PEOPLE)).items
    if section in ("members", "roles"):
        page.roles = await _role_views(db, project)
    if section == "teams":
        page.teams = await _team_views(db, project)
    if section == "copy":
        access = await access_in(db, cache, user_id, project.workspace_id)
        sources = await db.execute(
            select(Project.id, Project.name, Project.key)
            .where(Project.workspace_id == project.workspace_id, Project.id != project.id, visible_projects(access))
            .order_by(Project.name, Project.id)
            .limit(MAX_PAGE)
        )
        page.sources = [(str(source_id), f"{name} ({key})") for source_id, name, key in sources]
    return page


async def save_role_matrix(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, chosen: dict[uuid.UUID, set[str]]
) -> None:
    """Save the roles page's matrix: `chosen` gives, per role on the form, the keys ticked for it."""
    roles = {
        role.id: role for role in await db.scalars(select(ProjectRole).where(ProjectRole.project_id == project.id))
    }
    for role_id, keys in chosen.items():
        role = roles.get(role_id)
        if role is None or (role.is_default and role.name == PROJECT_OWNER_ROLE) or keys == set(role.permissions):
            continue
        await update_role(db, cache, user_id, project, role_id=role_id, changes={"permissions": sorted(keys)})


# --- image ----------------------------------------------------------------------------------------


async def replace_image(infra: Infrastructure, project: Project, source: BinaryIO, size: int) -> Project:
    """Make the uploaded picture the project's image: converted and stored first, then recorded in a
    short transaction of its own (the caller holds none)."""
    key = await store_picture(infra, f"projects/{project.id}", source, size)
    try:
        async with infra.db.unit_of_work() as db:
            current = await db.get(Project, project.id)
            if current is None:
                raise NotFound("project_not_found", "No such project, or it is not shared with you.")
            await _set_image(db, current, key)
    except BaseException:
        await infra.storage.delete(key)  # nothing points at it
        raise
    return current


async def remove_image(db: AsyncSession, project: Project) -> Project:
    await _set_image(db, project, None)
    return project


async def open_image(infra: Infrastructure, project: Project) -> StoredPicture:
    return await open_picture(infra, project.image_key, NotFound("image_not_found", "This project has no image."))


async def _set_image(db: AsyncSession, project: Project, key: str | None) -> None:
    previous = project.image_key
    if previous == key:
        return
    project.image_key = key
    if previous is not None:
        await emit(db, DELETE_STORED_FILE, {"key": previous})
