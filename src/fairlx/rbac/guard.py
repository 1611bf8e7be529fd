"""Route dependencies that authorize: `Authorized(permission, Model, "path_param")` loads the resource
through the actor's access (404 when out of reach, 403 without the permission) and hands it to the
route; `Anyone` marks a route open to signed-out visitors. `CurrentActor` and `PageActor` declare
routes any signed-in user may call."""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from fastapi import Depends, Path, Request

from fairlx.core.errors import Unauthorized
from fairlx.dependencies import Db, Infra, MaybeActor
from fairlx.rbac.authorize import ResourceT, authorize
from fairlx.rbac.declarations import Declaration, Requirement, declare
from fairlx.rbac.permissions import Permission
from fairlx.web.guards import SignInRequired, requested_path


def _anyone() -> None:
    """Nothing to check: the route is open to everyone."""


Anyone = Depends(declare(_anyone, Declaration(Requirement.ANYONE)))


def Authorized(permission: Permission, resource: type[ResourceT], path_parameter: str) -> Any:  # noqa: N802
    """A dependency giving the route the resource named by `path_parameter`, once `permission` on it
    is established."""

    async def load(request: Request, db: Db, infra: Infra, actor: MaybeActor, **path: uuid.UUID) -> ResourceT:
        if actor is None:
            if request.url.path.startswith("/api/"):
                raise Unauthorized("not_authenticated", "Sign in, or send a personal API token as a bearer token.")
            raise SignInRequired(requested_path(request))
        return await authorize(
            db, infra.cache, actor.user_id, permission=permission, model=resource, resource_id=path[path_parameter]
        )

    parameters = [
        *(p for name, p in inspect.signature(load).parameters.items() if name != "path"),
        inspect.Parameter(path_parameter, inspect.Parameter.KEYWORD_ONLY, annotation=uuid.UUID, default=Path()),
    ]
    load.__signature__ = inspect.Signature(parameters, return_annotation=resource)  # type: ignore[attr-defined]
    load.__name__ = f"authorize_{permission.value.replace('.', '_')}"
    declaration = Declaration(Requirement.PERMISSION, permission, resource, path_parameter)
    return Depends(declare(load, declaration))
