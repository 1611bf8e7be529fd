"""The application's route table with each route's declared requirement, for the authorization tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from fairlx.rbac.declarations import Declaration, Requirement, declaration_of

STRICTNESS = {Requirement.ANYONE: 0, Requirement.SIGNED_IN: 1, Requirement.PERMISSION: 2}


@dataclass(frozen=True)
class DeclaredRoute:
    method: str
    path: str
    declarations: tuple[Declaration, ...]

    @property
    def requirement(self) -> Requirement | None:
        if not self.declarations:
            return None
        return max((each.requirement for each in self.declarations), key=STRICTNESS.__getitem__)


def declarations_in(dependant: Dependant) -> Iterator[Declaration]:
    if dependant.call is not None and (found := declaration_of(dependant.call)) is not None:
        yield found
    for child in dependant.dependencies:
        yield from declarations_in(child)


def declared_routes(app: FastAPI) -> list[DeclaredRoute]:
    routes: list[DeclaredRoute] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        declarations = tuple(declarations_in(route.dependant))
        path = context.path or route.path
        routes.extend(DeclaredRoute(method, path, declarations) for method in sorted(route.methods or ()))
    return routes
