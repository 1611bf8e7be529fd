"""Spaces: the groups between a workspace and its projects. A key unique in the workspace, PUBLIC or
PRIVATE visibility, archiving, a fractional position for ordering, and members with roles ADMIN,
MEMBER or VIEWER. Who sees and may do what is `fairlx.rbac.access`; lists are filtered by the same
access data in SQL, so a private space never shows to someone who could not open it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import User
from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Invalid, NotFound
from fairlx.core.pagination import Page, after, after_id, page_of
from fairlx.projects.models import Project
from fairlx.rbac.access import WorkspaceAccess
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import workspace_access, workspace_access_changed
from fairlx.spaces.models import Space, SpaceMember, SpaceRole, SpaceVisibility
from fairlx.spaces.schemas import SpaceCreate, SpaceOut
from fairlx.workflows.models import DefinitionScope, Workflow
from fairlx.workspaces.models import Workspace, WorkspaceMember

POSITION_STEP = 1.0
MAX_PAGE = 200
MAX_PEOPLE = 500


@dataclass(frozen=True)
class SpaceMemberRow:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    email: str
    role: SpaceRole
    joined_at: datetime


async def access_in(db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID) -> WorkspaceAccess:
    access = await workspace_access(db, cache, user_id, workspace_id)
    if access is None:
        raise NotFound("workspace_not_found", "No such workspace, or it is not shared with you.")
    return access


def visible_spaces(access: WorkspaceAccess) -> ColumnElement[bool]:
    """The spaces `access` may see, as SQL: all for workspace admins; otherwise the user's own spaces
    and, for a workspace member, every public one."""
    if access.is_admin:
        return true()
    own = Space.id.in_(list(access.spaces)) if access.spaces else false()
    if access.role is None:
        return own
    return own | (Space.visibility == SpaceVisibility.PUBLIC)


def visible_projects(access: WorkspaceAccess) -> ColumnElement[bool]:
    """The projects `access` may view, as SQL: all for implicit owners; otherwise those where the
    user's role, teams or grants give project.view."""
    if access.owns_projects:
        return true()
    ids = [project_id for project_id, keys in access.projects.items() if Permission.PROJECT_VIEW in keys]
    return Project.id.in_(ids) if ids else false()


async def require_workspace_member(
    db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID, field: str = "user_id"
) -> None:
    found = await db.scalar(
        select(WorkspaceMember.id).where(
            WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.user_id == user_id
        )
    )
    if found is None:
        raise Invalid("not_workspace_member", field=field, detail="This person is not a member of the workspace.")


async def _key_taken(db: AsyncSession, workspace_id: uuid.UUID, key: str, except_id: uuid.UUID | None = None) -> bool:
    query = select(Space.id).where(Space.workspace_id == workspace_id, Space.key == key)
    if except_id is not None:
        query = query.where(Space.id != except_id)
    return await db.scalar(query) is not None


def _key_conflict(key: str) -> Conflict:
    return Conflict("space_key_taken", field="key", detail=f"Another space in this workspace uses the key {key}.")


async def list_spaces(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    archived: bool = False,
) -> Page[Space]:
    access = await access_in(db, cache, user_id, workspace_id)
    query = select(Space).where(
        Space.workspace_id == workspace_id,
        visible_spaces(access),
        Space.archived_at.is_not(None) if archived else Space.archived_at.is_(None),
    )
    if (condition := after(cursor, Space.position, Space.id, float)) is not None:
        query = query.where(condition)
    rows = list(await db.scalars(query.order_by(Space.position, Space.id).limit(limit + 1)))
    return page_of(rows, limit, lambda space: (space.position, space.id))


async def create_space(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID, body: SpaceCreate
) -> Space:
    if await _key_taken(db, workspace_id, body.key):
        raise _key_conflict(body.key)
    last = await db.scalar(select(func.max(Space.position)).where(Space.workspace_id == workspace_id))
    space = Space(
        workspace_id=workspace_id,
        name=body.name,
        key=body.key,
        description=body.description,
        color=body.color,
        icon=body.icon,
        visibility=body.visibility,
        position=(last or 0.0) + POSITION_STEP,
        created_by=user_id,
    )
    db.add(space)
    await db.flush()
    db.add(SpaceMember(workspace_id=workspace_id, space_id=space.id, user_id=user_id, role=SpaceRole.ADMIN))
    await db.flush()
    workspace_access_changed(db, cache, workspace_id)
    return space


async def update_space(db: AsyncSession, cache: Cache, space: Space, changes: dict[str, Any]) -> Space:
    key = changes.get("key")
    if key is not None and key != space.key and await _key_taken(db, space.workspace_id, key, space.id):
        raise _key_conflict(key)
    if "visibility" in changes and changes["visibility"] != space.visibility:
        workspace_access_changed(db, cache, space.workspace_id)
    for name, value in changes.items():
        setattr(space, name, value)
    await db.flush()
    return space


async def delete_space(db: AsyncSession, cache: Cache, space: Space) -> None:
    await db.execute(delete(SpaceMember).where(SpaceMember.space_id == space.id))
    await db.delete(space)
    await db.flush()
    workspace_access_changed(db, cache, space.workspace_id)


async def set_archived(db: AsyncSession, space: Space, archived: bool) -> Space:
    if archived and space.archived_at is None:
        space.archived_at = utcnow()
    elif not archived:
        space.archived_at = None
    await db.flush()
    return space


async def reorder_spaces(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID, ids: list[uuid.UUID]
) -> list[Space]:
    """Put the listed spaces in the listed order, in the slots they occupy between them: spaces left
    out (or not visible to the caller) keep their place. Equal slots are split with fractions."""
    if len(set(ids)) != len(ids):
        raise Invalid("duplicate_ids", field="ids", detail="Each space may appear once.")
    access = await access_in(db, cache, user_id, workspace_id)
    rows = await db.scalars(
        select(Space).where(Space.workspace_id == workspace_id, Space.id.in_(ids), visible_spaces(access))
    )
    found = {space.id: space for space in rows}
    missing = [space_id for space_id in ids if space_id not in found]
    if missing:
        raise Invalid("unknown_space", field="ids", detail=f"No such space in this workspace: {missing[0]}.")
    slots = strictly_increasing(sorted(space.position for space in found.values()))
    for space_id, slot in zip(ids, slots, strict=True):
        found[space_id].position = slot
    await db.flush()
    return [found[space_id] for space_id in ids]


async def move_space(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID, space_id: uuid.UUID, *, up: bool
) -> None:
    """Swap a space with its neighbour above (or below) in the list the caller sees."""
    access = await access_in(db, cache, user_id, workspace_id)
    ordered = list(
        await db.scalars(
            select(Space.id)
            .where(Space.workspace_id == workspace_id, Space.archived_at.is_(None), visible_spaces(access))
            .order_by(Space.position, Space.id)
        )
    )
    if space_id not in ordered:
        raise NotFound("space_not_found", "No such space, or it is not shared with you.")
    index = ordered.index(space_id)
    neighbour = index - 1 if up else index + 1
    if 0 <= neighbour < len(ordered):
        pair = [space_id, ordered[neighbour]] if up else [ordered[neighbour], space_id]
        await reorder_spaces(db, cache, user_id, workspace_id, pair)


def strictly_increasing(slots: list[float]) -> list[float]:
    """Sorted slots, with each repeated one moved halfway to the next larger one."""
    result = list(slots)
    for index in range(1, len(result)):
        if result[index] <= result[index - 1]:
            upper = next((slot for slot in result[index + 1 :] if slot > result[index - 1]), None)
            ceiling = upper if upper is not None else result[index - 1] + 2 * POSITION_STEP
            result[index] = (result[index - 1] + ceiling) / 2
    return result


# members


async def list_members(
    db: AsyncSession, space: Space, *, limit: int, cursor: str | None = None
) -> Page[SpaceMemberRow]:
    query = (
        select(SpaceMember.id, SpaceMember.user_id, User.name, User.email, SpaceMember.role, SpaceMember.created_at)
        .join(User, User.id == SpaceMember.user_id)
        .where(SpaceMember.space_id == space.id)
    )
    if (condition := after_id(cursor, SpaceMember.id)) is not None:
        query = query.where(condition)
    rows = [SpaceMemberRow(*row) for row in (await db.execute(query.order_by(SpaceMember.id).limit(limit + 1)))]
    return page_of(rows, limit, lambda row: (0, row.id))


async def _member(db: AsyncSession, space: Space, user_id: uuid.UUID) -> SpaceMember:
    member = await db.scalar(
        select(SpaceMember).where(SpaceMember.space_id == space.id, SpaceMember.user_id == user_id)
    )
    if member is None:
        raise NotFound("member_not_found", "This person is not a member of the space.")
    return member


async def _member_row(db: AsyncSession, member: SpaceMember) -> SpaceMemberRow:
    user = await db.get(User, member.user_id)
    assert user is not None
    return SpaceMemberRow(member.id, member.user_id, user.name, user.email, member.role, member.created_at)


async def add_member(
    db: AsyncSession, cache: Cache, space: Space, user_id: uuid.UUID, role: SpaceRole
) -> SpaceMemberRow:
    await require_workspace_member(db, space.workspace_id, user_id)
    existing = await db.scalar(
        select(SpaceMember.id).where(SpaceMember.space_id == space.id, SpaceMember.user_id == user_id)
    )
    if existing is not None:
        raise Conflict("already_member", field="user_id", detail="This person is already a member of the space.")
    member = SpaceMember(workspace_id=space.workspace_id, space_id=space.id, user_id=user_id, role=role)
    db.add(member)
    await db.flush()
    workspace_access_changed(db, cache, space.workspace_id, user_id=user_id)
    return await _member_row(db, member)


async def update_member(
    db: AsyncSession, cache: Cache, space: Space, user_id: uuid.UUID, role: SpaceRole
) -> SpaceMemberRow:
    member = await _member(db, space, user_id)
    if member.role is not role:
        member.role = role
        await db.flush()
        workspace_access_changed(db, cache, space.workspace_id, user_id=user_id)
    return await _member_row(db, member)


async def remove_member(db: AsyncSession, cache: Cache, space: Space, user_id: uuid.UUID) -> None:
    member = await _member(db, space, user_id)
    await db.delete(member)
    await db.flush()
    workspace_access_changed(db, cache, space.workspace_id, user_id=user_id)


# pages


@dataclass(frozen=True)
class WorkspacePerson:
    user_id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class WorkspaceHeader:
    id: uuid.UUID
    name: str


async def workspace_people(db: AsyncSession, workspace_id: uuid.UUID) -> list[WorkspacePerson]:
    """The workspace's members, by name: the people who can be put in its spaces and projects."""
    rows = await db.execute(
        select(User.id, User.name, User.email)
        .join(WorkspaceMember, WorkspaceMember.user_id == User.id)
        .where(WorkspaceMember.workspace_id == workspace_id)
        .order_by(func.lower(User.name), User.id)
        .limit(MAX_PEOPLE)
    )
    return [WorkspacePerson(*row) for row in rows]


@dataclass(frozen=True)
class SpacesPage:
    workspace: WorkspaceHeader
    spaces: list[SpaceOut]
    archived: list[SpaceOut]
    next_cursor: str | None
    can_create: bool
    can_reorder: bool


async def spaces_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace, cursor: str | None = None
) -> SpacesPage:
    keys = await permissions_on(db, cache, user_id, workspace)
    page = await list_spaces(db, cache, user_id, workspace.id, limit=MAX_PAGE, cursor=cursor)
    archived = await list_spaces(db, cache, user_id, workspace.id, limit=MAX_PAGE, archived=True)
    return SpacesPage(
        workspace=WorkspaceHeader(workspace.id, workspace.name),
        spaces=[SpaceOut.model_validate(space) for space in page.items],
        archived=[SpaceOut.model_validate(space) for space in archived.items],
        next_cursor=page.next_cursor,
        can_create=Permission.WORKSPACE_SPACES_CREATE in keys,
        can_reorder=Permission.WORKSPACE_SPACES_EDIT in keys,
    )


@dataclass(frozen=True)
class ProjectLine:
    id: uuid.UUID
    name: str
    key: str
    status: str
    board_type: str


@dataclass(frozen=True)
class SpacePage:
    workspace: WorkspaceHeader
    space: SpaceOut
    keys: frozenset[str]
    members: list[SpaceMemberRow]
    candidates: list[WorkspacePerson]
    projects: list[ProjectLine]
    workflows: list[tuple[str, str]]  # (id, name) of the workflows the space may hand down

    @property
    def candidate_choices(self) -> list[tuple[str, str]]:
        return [(str(person.user_id), f"{person.name} ({person.email})") for person in self.candidates]


async def space_page(db: AsyncSession, cache: Cache, user_id: uuid.UUID, space: Space) -> SpacePage:
    """What the space's page shows (its projects come from the projects domain)."""
    keys = await permissions_on(db, cache, user_id, space)
    workspace = await db.get(Workspace, space.workspace_id)
    assert workspace is not None
    members = (await list_members(db, space, limit=MAX_PEOPLE)).items
    in_space = {member.user_id for member in members}
    people = await workspace_people(db, space.workspace_id) if Permission.SPACE_MEMBERS_MANAGE in keys else []
    access = await access_in(db, cache, user_id, space.workspace_id)
    projects = await db.execute(
        select(Project.id, Project.name, Project.key, Project.status, Project.board_type)
        .where(Project.space_id == space.id, visible_projects(access))
        .order_by(Project.name, Project.id)
        .limit(MAX_PAGE)
    )
    return SpacePage(
        workspace=WorkspaceHeader(workspace.id, workspace.name),
        space=SpaceOut.model_validate(space),
        keys=frozenset(key.value for key in keys),
        members=members,
        candidates=[person for person in people if person.user_id not in in_space],
        projects=[ProjectLine(*row) for row in projects],
        workflows=await _workflow_choices(db, space),
    )


async def _workflow_choices(db: AsyncSession, space: Space) -> list[tuple[str, str]]:
    """The workflows the space may hand down: the workspace's and its own, not archived."""
    rows = await db.execute(
        select(Workflow.id, Workflow.name)
        .where(
            Workflow.workspace_id == space.workspace_id,
            Workflow.archived_at.is_(None),
            (Workflow.scope == DefinitionScope.WORKSPACE)
            | ((Workflow.scope == DefinitionScope.SPACE) & (Workflow.space_id == space.id)),
        )
        .order_by(func.lower(Workflow.name), Workflow.id)
        .limit(MAX_PAGE)
    )
    return [(str(workflow_id), name) for workflow_id, name in rows]
