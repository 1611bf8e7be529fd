"""`authorize`: load a resource through the actor's access to it. A resource the actor cannot see is a
404 (as if it did not exist); one they can see but not act on is a 403 naming the permission."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.errors import Forbidden, NotFound
from fairlx.orgs.models import Organization
from fairlx.programs.models import Program
from fairlx.projects.models import Project
from fairlx.rbac.access import NOTHING, VIEW_KEY, WorkspaceAccess
from fairlx.rbac.permissions import Permission, Scope
from fairlx.rbac.resolver import org_access, workspace_access
from fairlx.spaces.models import Space
from fairlx.workspaces.models import Workspace

Resource = Organization | Workspace | Space | Project | Program
ResourceT = TypeVar("ResourceT", Organization, Workspace, Space, Project, Program)

MODEL_SCOPES: dict[type[Any], Scope] = {
    Organization: Scope.ORGANIZATION,
    Workspace: Scope.WORKSPACE,
    Space: Scope.SPACE,
    Project: Scope.PROJECT,
    Program: Scope.PROGRAM,
}


async def authorize(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    *,
    permission: Permission,
    model: type[ResourceT],
    resource_id: uuid.UUID,
) -> ResourceT:
    scope = MODEL_SCOPES[model]
    if permission.scope is not scope:
        raise TypeError(f"{permission} is not a permission on {model.__name__}")
    resource = await db.get(model, resource_id)
    keys = await permissions_on(db, cache, user_id, resource) if resource is not None else NOTHING
    if VIEW_KEY[scope] not in keys:
        raise NotFound(f"{scope.value}_not_found", f"No such {model.__name__.lower()}, or it is not shared with you.")
    if permission not in keys:
        raise Forbidden(
            "permission_denied",
            f"Your role does not allow this (it needs {permission.value}).",
            extra={"permission": permission.value},
        )
    assert resource is not None
    return resource


async def permissions_on(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, resource: Resource
) -> frozenset[Permission]:
    """Every key `user_id` holds on `resource`; empty when it is deleted or out of their reach."""
    if isinstance(resource, Organization):
        if resource.deleted_at is not None:
            return NOTHING
        return (await org_access(db, cache, user_id, resource.id)).keys
    workspace_id = resource.id if isinstance(resource, Workspace) else resource.workspace_id
    access = await workspace_access(db, cache, user_id, workspace_id)
    return NOTHING if access is None else _keys(access, resource)


def _keys(access: WorkspaceAccess, resource: Workspace | Space | Project | Program) -> frozenset[Permission]:
    if isinstance(resource, Workspace):
        return access.workspace_keys()
    if isinstance(resource, Space):
        return access.space_keys(resource.id, resource.visibility)
    if isinstance(resource, Project):
        return access.project_keys(resource.id)
    return access.program_keys(resource.id)
