"""`authorize`: load a resource through the actor's access to it. A resource the actor cannot see is a
404 (as if it did not exist); one they can see but not act on is a 403 naming the permission."""

from __future__ import annotations

import re
import uuid
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.errors import Conflict, Forbidden, NotFound
from fairlx.orgs.models import Organization
from fairlx.programs.models import Program
from fairlx.projects.models import Project
from fairlx.rbac.access import NOTHING, VIEW_KEY, WorkspaceAccess
from fairlx.rbac.permissions import Permission, Scope
from fairlx.rbac.resolver import org_access, workspace_access
from fairlx.spaces.models import Space
from fairlx.tasks.models import Task
from fairlx.workspaces.models import Workspace

Resource = Organization | Workspace | Space | Project | Program | Task
ResourceT = TypeVar("ResourceT", Organization, Workspace, Space, Project, Program, Task)

MODEL_SCOPES: dict[type[Any], Scope] = {
    Organization: Scope.ORGANIZATION,
    Workspace: Scope.WORKSPACE,
    Space: Scope.SPACE,
    Project: Scope.PROJECT,
    Program: Scope.PROGRAM,
    Task: Scope.PROJECT,  # a task is reached through its project
}
# Models named in paths by something other than their id: a task by its key (`WEB-12`) as well.
REFERENCE_TYPES: dict[type[Any], type[Any]] = {Task: str}
TASK_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-[0-9]{1,9}$")


def not_found_code(model: type[Any]) -> str:
    return "task_not_found" if model is Task else f"{MODEL_SCOPES[model].value}_not_found"


async def authorize(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    *,
    permission: Permission,
    model: type[ResourceT],
    resource_id: uuid.UUID | str,
) -> ResourceT:
    scope = MODEL_SCOPES[model]
    if permission.scope is not scope:
        raise TypeError(f"{permission} is not a permission on {model.__name__}")
    if model is Task:
        resource: Any = await _visible_task(db, cache, user_id, resource_id)
    else:
        resource = await db.get(model, resource_id)
    keys = await permissions_on(db, cache, user_id, resource) if resource is not None else NOTHING
    if VIEW_KEY[scope] not in keys:
        raise NotFound(not_found_code(model), f"No such {model.__name__.lower()}, or it is not shared with you.")
    if permission not in keys:
        raise Forbidden(
            "permission_denied",
            f"Your role does not allow this (it needs {permission.value}).",
            extra={"permission": permission.value},
        )
    return cast("ResourceT", resource)


async def _visible_task(db: AsyncSession, cache: Cache, user_id: uuid.UUID, reference: uuid.UUID | str) -> Task | None:
    """The live task named by id or by key. Keys are unique per workspace, so a key may name tasks in
    several workspaces: the one the user can see is meant (two visible ones are a conflict)."""
    task_id = _as_uuid(reference)
    if task_id is not None:
        task = await db.get(Task, task_id)
        return task if task is not None and task.deleted_at is None else None
    if not TASK_KEY.match(str(reference)):
        return None
    candidates = (
        await db.scalars(select(Task).where(Task.key == str(reference).upper(), Task.deleted_at.is_(None)))
    ).all()
    visible = [task for task in candidates if VIEW_KEY[Scope.PROJECT] in await permissions_on(db, cache, user_id, task)]
    if len(visible) > 1:
        raise Conflict("ambiguous_task_key", f"{reference} names tasks in several workspaces; use the task's id.")
    return visible[0] if visible else None


def _as_uuid(reference: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(reference, uuid.UUID):
        return reference
    try:
        return uuid.UUID(reference)
    except ValueError:
        return None


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


def _keys(access: WorkspaceAccess, resource: Workspace | Space | Project | Program | Task) -> frozenset[Permission]:
    if isinstance(resource, Task):
        return access.project_keys(resource.project_id)
    if isinstance(resource, Workspace):
        return access.workspace_keys()
    if isinstance(resource, Space):
        return access.space_keys(resource.id, resource.visibility)
    if isinstance(resource, Project):
        return access.project_keys(resource.id)
    return access.program_keys(resource.id)
