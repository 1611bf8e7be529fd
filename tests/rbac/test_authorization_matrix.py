"""The authorization matrix: every route of the application, called as every persona of the tenant world
(plus a signed-out visitor and a revoked API token), answers as its declaration says.

- A permission route: a persona holding the permission gets past authorization (any answer but 401, a 403
  `permission_denied` or the resource's own 404); one who can see the resource but lacks the permission
  gets 403 `permission_denied`; anyone else gets 404, as if the resource did not exist.
- A signed-in route: a signed-out visitor gets 401 (API) or is sent to sign in (pages).
- Unsafe requests carry an empty JSON body: authorization is decided before the body is read, so allowed
  callers see 422 (or success) and refused ones the refusal. A deletion is made by its first allowed caller.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import Organization
from fairlx.programs.models import Program
from fairlx.projects.models import Project
from fairlx.rbac.access import VIEW_KEY
from fairlx.rbac.authorize import MODEL_SCOPES, not_found_code
from fairlx.rbac.declarations import Declaration, Requirement
from fairlx.spaces.models import Space
from fairlx.workspaces.models import Workspace
from tests.rbac.expectations import expected_keys
from tests.rbac.routes import DeclaredRoute, declared_routes
from tests.support.tenancy import SIGNED_IN_PERSONAS, World

PATH_PARAMETER = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ORDER = {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
# Deleting a resource itself runs after every other route, the widest last.
SELF_DELETION_ORDER: dict[type[Any] | None, int] = {Project: 3, Space: 3, Program: 3, Workspace: 4, Organization: 5}
LEAVING = 6


@dataclass(frozen=True)
class Mismatch:
    route: str
    persona: str
    expected: str
    got: str


def permission_of(route: DeclaredRoute) -> Declaration:
    return next(each for each in route.declarations if each.requirement is Requirement.PERMISSION)


def run_order(route: DeclaredRoute) -> int:
    if route.path.endswith("/leave"):
        return LEAVING  # each persona leaves for good: nothing may come after
    order = ORDER.get(route.method, 1)
    if route.requirement is Requirement.PERMISSION and route.method == "DELETE":
        declaration = permission_of(route)
        if route.path.endswith(f"{{{declaration.path_parameter}}}"):
            return SELF_DELETION_ORDER.get(declaration.resource, order)
    return order


async def still_there(infra: Infrastructure, model: Any, resource_id: Any) -> bool:
    async with infra.db.unit_of_work(read_only=True) as db:
        resource = await db.get(model, resource_id)
    return resource is not None and getattr(resource, "deleted_at", None) is None


def fill(path: str, values: dict[str, Any]) -> str | None:
    names = PATH_PARAMETER.findall(path)
    if any(name not in values for name in names):
        return None
    return PATH_PARAMETER.sub(lambda match: str(values[match.group(1)]), path)


def verdict(response: httpx.Response, scope_not_found: str) -> str:
    code = ""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        code = response.json().get("code", "")
    if response.status_code == 401 or (response.status_code in (303, 204) and "sign-in" in _redirect(response)):
        return "unauthenticated"
    if response.status_code == 403 and code in ("permission_denied", ""):
        return "forbidden"
    if response.status_code == 404 and code in (scope_not_found, ""):
        return "hidden"
    return "allowed"


def _redirect(response: httpx.Response) -> str:
    return str(response.headers.get("location", "") or response.headers.get("hx-redirect", ""))


async def call(client: httpx.AsyncClient, method: str, url: str) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in UNSAFE else None
    return await client.request(
        method, url, json=body, headers={"HX-Request": "true"} if not url.startswith("/api/") else None
    )


async def revoked_token(world: World) -> str:
    client = world.clients["ws_admin"]
    secret = (await client.post("/api/v1/me/tokens", json={"name": "old"})).json()
    await client.delete(f"/api/v1/me/tokens/{secret['id']}")
    return str(secret["token"])


async def check_permission_route(
    world: World, route: DeclaredRoute, url: str, anonymous: httpx.AsyncClient, token: str, *, exists: bool
) -> list[Mismatch]:
    """`exists`: whether the route's resource is still there (an earlier route may have deleted it)."""
    declaration = permission_of(route)
    assert declaration.permission is not None
    assert declaration.resource is not None
    scope = MODEL_SCOPES[declaration.resource]
    not_found = not_found_code(declaration.resource)
    outcomes = {
        persona: (
            "hidden"
            if not exists
            else "allowed"
            if declaration.permission in (keys := expected_keys(persona, scope))
            else "forbidden"
            if VIEW_KEY[scope] in keys
            else "hidden"
        )
        for persona in SIGNED_IN_PERSONAS
    }
    mismatches = []
    label = f"{route.method} {route.path}"
    for persona in sorted(SIGNED_IN_PERSONAS, key=lambda each: outcomes[each] == "allowed"):
        got = verdict(await call(world.clients[persona], route.method, url), not_found)
        if got != outcomes[persona]:
            mismatches.append(Mismatch(label, persona, outcomes[persona], got))
        if route.method == "DELETE" and got == "allowed":
            break  # the resource is gone for everyone after it
    for persona, client in (("anonymous", anonymous), ("revoked token", None)):
        if client is None:
            response = await anonymous.request(
                route.method,
                url,
                json={} if route.method in UNSAFE else None,
                headers={"Authorization": f"Bearer {token}"},
            )
        else:
            response = await call(client, route.method, url)
        got = verdict(response, not_found)
        if got != "unauthenticated":
            mismatches.append(Mismatch(label, persona, "unauthenticated", got))
    return mismatches


async def test_every_route_answers_as_declared_for_every_persona(
    app: FastAPI, infra: Infrastructure, world: World, second_client: httpx.AsyncClient
) -> None:
    routes = sorted(declared_routes(app), key=run_order)
    values = world.ids() | {"invitation_id": uuid.UUID(int=7)}
    token = await revoked_token(world)
    unmapped = sorted(
        {
            f"{route.method} {route.path}"
            for route in routes
            if route.requirement is Requirement.PERMISSION and fill(route.path, values) is None
        }
    )
    mismatches: list[Mismatch] = []
    checked = 0
    for route in routes:
        if route.requirement is not Requirement.PERMISSION:
            continue
        url = fill(route.path, values)
        if url is None:
            continue
        declaration = permission_of(route)
        exists = await still_there(infra, declaration.resource, values[declaration.path_parameter or ""])
        mismatches.extend(await check_permission_route(world, route, url, second_client, token, exists=exists))
        checked += 1
    assert unmapped == [], "routes whose path parameters the world cannot fill"
    assert [str(each) for each in mismatches[:40]] == []
    assert mismatches == []
    assert checked >= 1


async def test_signed_in_routes_refuse_signed_out_visitors(app: FastAPI, second_client: httpx.AsyncClient) -> None:
    values: dict[str, Any] = dict.fromkeys(
        (
            "session_id",
            "token_id",
            "identity_id",
            "user_id",
            "organization_id",
            "invitation_id",
            "view_id",
            "project_id",
        ),
        uuid.UUID(int=7),
    )
    values |= {"provider": "github", "key": "x", "code": "ABCDEF", "token": "not-a-token"}
    refused = []
    for route in declared_routes(app):
        if route.requirement is not Requirement.SIGNED_IN:
            continue
        url = fill(route.path, values)
        assert url is not None, f"no value for a path parameter of {route.method} {route.path}"
        response = await call(second_client, route.method, url)
        if verdict(response, "") != "unauthenticated":
            refused.append(f"{route.method} {route.path} -> {response.status_code}")
    assert refused == []
