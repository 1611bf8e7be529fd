"""Resolving access from the database, through the cache.

Entries live under versioned keys: `rbac:o:<org>:<version>:<user>` and `rbac:w:<workspace>:<version>:<user>`
(plus `rbac:w:<workspace>:<version>:live`, whether the workspace and its organization still exist).
A change to one person's standing drops their entries once it has committed; a change that can touch
anyone (a role's keys, a team's grants, a space's visibility) bumps the version of the workspace (or
organization, and then every workspace it owns), so no entry that could describe the old state is read
again and the next request resolves afresh. A warm check costs two cache reads
and no SQL.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.db import after_commit
from fairlx.orgs.models import (
    DepartmentMember,
    DepartmentPermission,
    MemberStatus,
    Organization,
    OrgMember,
    OrgMemberPermission,
)
from fairlx.programs.models import ProgramMember
from fairlx.projects.models import ProjectGrant, ProjectMember, ProjectRole, ProjectTeamMember
from fairlx.rbac.access import OrgAccess, WorkspaceAccess
from fairlx.rbac.permissions import DEPARTMENT_KEYS, Permission
from fairlx.spaces.models import SpaceMember
from fairlx.workspaces.models import Workspace, WorkspaceMember

CACHE_TTL_SECONDS = 600


def org_namespace(organization_id: uuid.UUID) -> str:
    return f"rbac:o:{organization_id}"


def workspace_namespace(workspace_id: uuid.UUID) -> str:
    return f"rbac:w:{workspace_id}"


async def org_access(db: AsyncSession, cache: Cache, user_id: uuid.UUID, organization_id: uuid.UUID) -> OrgAccess:
    key = f"{org_namespace(organization_id)}:{await cache.namespace_version(org_namespace(organization_id))}:{user_id}"
    cached = await cache.get_json(key)
    if cached is not None:
        return OrgAccess.from_json(organization_id, cached)
    access = await _load_org_access(db, user_id, organization_id)
    await cache.set_json(key, access.as_json(), CACHE_TTL_SECONDS)
    return access


async def workspace_access(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID
) -> WorkspaceAccess | None:
    """The user's access in a live workspace; None when the workspace (or its organization) is gone."""
    namespace = workspace_namespace(workspace_id)
    prefix = f"{namespace}:{await cache.namespace_version(namespace)}"
    live = await _live_workspace(db, cache, prefix, workspace_id)
    if live is None:
        return None
    key = f"{prefix}:{user_id}"
    cached = await cache.get_json(key)
    if cached is not None:
        return WorkspaceAccess.from_json(workspace_id, cached)
    access = await _load_workspace_access(db, cache, user_id, workspace_id, live.organization_id)
    await cache.set_json(key, access.as_json(), CACHE_TTL_SECONDS)
    return access


@dataclass(frozen=True)
class LiveWorkspace:
    organization_id: uuid.UUID | None


async def _live_workspace(db: AsyncSession, cache: Cache, prefix: str, workspace_id: uuid.UUID) -> LiveWorkspace | None:
    """Whether the workspace exists and is not deleted (nor its organization), cached with its entries."""
    key = f"{prefix}:live"
    cached = await cache.get_json(key)
    if cached is None:
        row = (
            await db.execute(
                select(Workspace.organization_id, Organization.deleted_at)
                .outerjoin(Organization, Organization.id == Workspace.organization_id)
                .where(Workspace.id == workspace_id, Workspace.deleted_at.is_(None))
            )
        ).first()
        cached = {"live": False} if row is None or row[1] is not None else {"live": True, "org": row[0] and str(row[0])}
        await cache.set_json(key, cached, CACHE_TTL_SECONDS)
    if not cached["live"]:
        return None
    return LiveWorkspace(uuid.UUID(cached["org"]) if cached["org"] else None)


def workspace_access_changed(
    db: AsyncSession, cache: Cache, workspace_id: uuid.UUID, *, user_id: uuid.UUID | None = None
) -> None:
    """Call in any transaction that changes access inside a workspace. A change to one person's
    standing (their membership or role somewhere in it) names them in `user_id`, and only their entry is
    dropped; a change that can touch anyone (a role's keys, a team's grants, a space's visibility, a
    deletion) drops every entry of the workspace. Either way, once the transaction commits."""
    namespaces = [workspace_namespace(workspace_id)]
    after_commit(db, lambda: _forget(cache, namespaces, user_id))


async def org_access_changed(
    db: AsyncSession, cache: Cache, organization_id: uuid.UUID, *, user_id: uuid.UUID | None = None
) -> None:
    """Call in any transaction that changes an organization's members, roles, departments or grants:
    the organization's entries and those of all its workspaces (only `user_id`'s, when the change is
    to one member's standing) are dropped once it commits."""
    workspace_ids = list(await db.scalars(select(Workspace.id).where(Workspace.organization_id == organization_id)))
    namespaces = [org_namespace(organization_id), *(workspace_namespace(each) for each in workspace_ids)]
    after_commit(db, lambda: _forget(cache, namespaces, user_id))


async def _forget(cache: Cache, namespaces: list[str], user_id: uuid.UUID | None) -> None:
    for namespace in namespaces:
        if user_id is None:
            await cache.bump_namespace(namespace)
        else:
            await cache.delete(f"{namespace}:{await cache.namespace_version(namespace)}:{user_id}")


async def _load_org_access(db: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID) -> OrgAccess:
    member = await db.scalar(
        select(OrgMember).where(OrgMember.organization_id == organization_id, OrgMember.user_id == user_id)
    )
    if member is None or member.status is not MemberStatus.ACTIVE:
        suspended = member is not None and member.status is MemberStatus.SUSPENDED
        return OrgAccess(organization_id, None, suspended=suspended)
    from_departments = select(DepartmentPermission.permission).join(
        DepartmentMember, DepartmentMember.department_id == DepartmentPermission.department_id
    )
    from_departments = from_departments.where(
        DepartmentMember.user_id == user_id, DepartmentMember.organization_id == organization_id
    )
    direct = select(OrgMemberPermission.permission).where(
        OrgMemberPermission.organization_id == organization_id, OrgMemberPermission.user_id == user_id
    )
    keys = set(await db.scalars(from_departments.union(direct)))
    granted = frozenset(Permission(key) for key in keys if key in DEPARTMENT_KEYS)
    return OrgAccess(organization_id, member.role, granted)


async def _load_workspace_access(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    organization_id: uuid.UUID | None,
) -> WorkspaceAccess:
    org = await org_access(db, cache, user_id, organization_id) if organization_id else None
    if org is not None and org.suspended:
        return WorkspaceAccess(workspace_id=workspace_id, org=org)
    member_role = await db.scalar(
        select(WorkspaceMember.role).where(
            WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.user_id == user_id
        )
    )
    spaces = dict(
        (
            await db.execute(
                select(SpaceMember.space_id, SpaceMember.role).where(
                    SpaceMember.workspace_id == workspace_id, SpaceMember.user_id == user_id
                )
            )
        ).all()
    )
    programs = dict(
        (
            await db.execute(
                select(ProgramMember.program_id, ProgramMember.role).where(
                    ProgramMember.workspace_id == workspace_id, ProgramMember.user_id == user_id
                )
            )
        ).all()
    )
    return WorkspaceAccess(
        workspace_id=workspace_id,
        member_role=member_role,
        org=org,
        spaces=spaces,
        projects=await _project_keys(db, user_id, workspace_id),
        programs=programs,
    )


async def _project_keys(
    db: AsyncSession, user_id: uuid.UUID, workspace_id: uuid.UUID
) -> dict[uuid.UUID, frozenset[Permission]]:
    """The union, per project, of the member's role, their teams' grants and their direct grants."""
    keys: defaultdict[uuid.UUID, set[str]] = defaultdict(set)
    roles = await db.execute(
        select(ProjectMember.project_id, ProjectRole.permissions)
        .join(ProjectRole, ProjectRole.id == ProjectMember.role_id)
        .where(ProjectMember.workspace_id == workspace_id, ProjectMember.user_id == user_id)
    )
    for project_id, permissions in roles.all():
        keys[project_id].update(permissions)
    teams = select(ProjectTeamMember.team_id).where(
        ProjectTeamMember.workspace_id == workspace_id, ProjectTeamMember.user_id == user_id
    )
    grants = await db.execute(
        select(ProjectGrant.project_id, ProjectGrant.permission).where(
            ProjectGrant.workspace_id == workspace_id,
            (ProjectGrant.user_id == user_id) | ProjectGrant.team_id.in_(teams),
        )
    )
    for project_id, permission in grants.all():
        keys[project_id].add(permission)
    known = {permission.value for permission in Permission}
    return {
        project_id: frozenset(Permission(key) for key in granted if key in known)
        for project_id, granted in keys.items()
    }
