"""Shortcuts the projects tests share: creating projects and roles, adding members, checking problems."""

from __future__ import annotations

from typing import Any

import httpx

from tests.spaces.people import Crew, Person

Json = dict[str, Any]


def problem(answer: httpx.Response, status: int, code: str, field: str | None = None) -> Json:
    assert answer.status_code == status, answer.text
    body: Json = answer.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in [error["field"] for error in body.get("errors", [])], body
    return body


async def create_project(crew: Crew, who: Person | None = None, **fields: Any) -> Json:
    body = {"name": "Website", "key": "WEB"} | fields
    answer = await (who or crew.owner).post(f"/api/v1/workspaces/{crew.workspace_id}/projects", body)
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def roles_of(person: Person, project: Json) -> dict[str, Json]:
    answer = await person.get(f"/api/v1/projects/{project['id']}/roles")
    assert answer.status_code == 200, answer.text
    return {role["name"]: role for role in answer.json()["items"]}


async def add_member(owner: Person, project: Json, person: Person, role: str) -> Json:
    roles = await roles_of(owner, project)
    answer = await owner.post(
        f"/api/v1/projects/{project['id']}/members", {"user_id": person.id, "role_id": roles[role]["id"]}
    )
    assert answer.status_code == 201, answer.text
    added: Json = answer.json()
    return added


async def create_role(owner: Person, project: Json, name: str, permissions: list[str]) -> Json:
    answer = await owner.post(f"/api/v1/projects/{project['id']}/roles", {"name": name, "permissions": permissions})
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def my_keys(person: Person, project: Json) -> set[str]:
    answer = await person.get(f"/api/v1/projects/{project['id']}/my-permissions")
    if answer.status_code == 404:
        return set()
    assert answer.status_code == 200, answer.text
    return set(answer.json()["permissions"])
