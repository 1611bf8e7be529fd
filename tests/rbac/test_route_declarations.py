"""Every route says who may call it: open to anyone, any signed-in user, or a permission on a resource."""

from __future__ import annotations

from fastapi import FastAPI

from tests.rbac.routes import declared_routes


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    undeclared = [f"{route.method} {route.path}" for route in declared_routes(app) if route.requirement is None]
    assert undeclared == []
