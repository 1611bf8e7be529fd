"""What the caller may do, everywhere they belong: drives the navigation (`GET /api/v1/me/access`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.orgs.models import MemberStatus, Organization, OrgMember
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import org_access, workspace_access
from fairlx.workspaces.models import Workspace, WorkspaceMember

MAX_LISTED = 200


@dataclass(frozen=True)
class Grants:
    id: uuid.UUID
    name: str
    role: str | None
    permissions: frozenset[Permission]


@dataclass(frozen=True)
class AccessMap:
    organizations: list[Grants]
    workspaces: list[Grants]


async def access_map(db: AsyncSession, cache: Cache, user_id: uuid.UUID) -> AccessMap:
    orgs = list(
        (
            await db.execute(
                select(Organization.id, Organization.name)
                .join(OrgMember, OrgMember.organization_id == Organization.id)
                .where(
                    OrgMember.user_id == user_id,
                    OrgMember.status == MemberStatus.ACTIVE,
                    Organization.deleted_at.is_(None),
                )
                .order_by(Organization.name)
                .limit(MAX_LISTED)
            )
        ).all()
    )
    org_ids = [org_id for org_id, _ in orgs]
    member_of = select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user_id)
    workspaces = list(
        (
            await db.execute(
                select(Workspace.id, Workspace.name)
                .where(
                    Workspace.deleted_at.is_(None),
                    or_(Workspace.id.in_(member_of), Workspace.organization_id.in_(org_ids)),
                )
                .order_by(Workspace.name)
                .limit(MAX_LISTED)
            )
        ).all()
    )
    organizations = []
    for org_id, name in orgs:
        access = await org_access(db, cache, user_id, org_id)
        organizations.append(Grants(org_id, name, access.role, access.keys))
    listed = []
    for workspace_id, name in workspaces:
        found = await workspace_access(db, cache, user_id, workspace_id)
        if found is not None and (keys := found.workspace_keys()):
            listed.append(Grants(workspace_id, name, found.role, keys))
    return AccessMap(organizations, listed)
