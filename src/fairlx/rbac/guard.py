"""Route dependencies that authorize: `Authorized(permission, Model, "path_param")` loads the resource
through the actor's access (404 when out of reach, 403 without the permission) and hands it to the
route; `Anyone` marks a route open to signed-out visitors. `CurrentActor` and `PageActor` declare
routes any signed-in user may call."""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import resolve_actor
from fairlx.core.errors import Unauthorized
from fairlx.core.infrastructure import Infrastructure
from fairlx.dependencies import Db, Infra
from fairlx.rbac.authorize import REFERENCE_TYPES, ResourceT, authorize
from fairlx.rbac.declarations import Declaration, Requirement, declare
from fairlx.rbac.permissions import Permission
from fairlx.web.guards import SignInRequired, requested_path


def _anyone() -> None:
    """Nothing to check: the route is open to everyone."""


Anyone = Depends(declare(_anyone, Declaration(Requirement.ANYONE)))


def Authorized(  # noqa: N802 (reads as a type in route signatures)
    permission: Permission, resource: type[ResourceT], path_parameter: str, *, outside_transaction: bool = False
) -> Any:
    """A dependency giving the route the resource named by `path_parameter`, once `permission` on it
    is established. `outside_transaction`: decide in a short read-only transaction of its own, for
    routes that must hold none while they work (receiving an upload)."""

    async def load(request: Request, infra: Infra, db: AsyncSession | None, **path: uuid.UUID | str) -> ResourceT:
        if db is None:
            async with infra.db.unit_of_work(read_only=True) as own:
                return await decide(request, infra, own, path[path_parameter])
        return await decide(request, infra, db, path[path_parameter])

    async def decide(
        request: Request, infra: Infrastructure, db: AsyncSession, resource_id: uuid.UUID | str
    ) -> ResourceT:
        actor = await resolve_actor(request, infra, db)
        if actor is None:
            if request.url.path.startswith("/api/"):
                raise Unauthorized("not_authenticated", "Sign in, or send a personal API token as a bearer token.")
            raise SignInRequired(requested_path(request))
        return await authorize(
            db, infra.cache, actor.user_id, permission=permission, model=resource, resource_id=resource_id
        )

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("infra", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Infra),
        *(
            []
            if outside_transaction
            else [inspect.Parameter("db", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Db)]
        ),
        inspect.Parameter(
            path_parameter,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=REFERENCE_TYPES.get(resource, uuid.UUID),
            default=Path(),
        ),
    ]

    async def dependency(**arguments: Any) -> ResourceT:
        db = arguments.pop("db", None)
        return await load(arguments.pop("request"), arguments.pop("infra"), db, **arguments)

    dependency.__signature__ = inspect.Signature(parameters, return_annotation=resource)  # type: ignore[attr-defined]
    dependency.__name__ = f"authorize_{permission.value.replace('.', '_')}"
    declaration = Declaration(Requirement.PERMISSION, permission, resource, path_parameter)
    return Depends(declare(dependency, declaration))
