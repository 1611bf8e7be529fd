"""Custom work item types through the API, beside the five system types."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fairlx.tasks.models import Task
from fairlx.workflows.models import DefinitionScope, Workflow
from tests.fields.conftest import Desk


async def create_type(desk: Desk, owner: str = "project", **body: Any) -> dict[str, Any]:
    answer = await desk.owner.post(desk.types(owner), json={"key": "SPIKE", "name": "Spike"} | body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def test_the_list_starts_with_the_system_types(desk: Desk) -> None:
    items = (await desk.owner.get(desk.types())).json()["items"]

    assert [(each["key"], each["is_system"], each["id"]) for each in items] == [
        ("EPIC", True, None),
        ("STORY", True, None),
        ("TASK", True, None),
        ("BUG", True, None),
        ("SUBTASK", True, None),
    ]
    assert items[0]["allowed_child_types"] == ["STORY", "TASK", "BUG"]
    assert items[2]["allowed_parent_types"] == ["EPIC", "STORY"]
    assert items[4]["allowed_parent_types"] == ["STORY", "TASK", "BUG"]


async def test_a_custom_type_is_created_with_its_rules(desk: Desk) -> None:
    field = await desk.create("workspace", name="Impact")
    async with desk.plot.infra.db.unit_of_work() as db:
        workflow = Workflow(workspace_id=desk.plot.workspace_id, scope=DefinitionScope.WORKSPACE, name="W", key="W")
        db.add(workflow)
    org_wide = await create_type(
        desk,
        "workspace",
        key="incident",
        name="Incident",
        icon="alert-triangle",
        color="#F59E0B",
        description="Something broke",
        default_workflow_id=str(workflow.id),
        required_field_ids=[field["id"]],
        allowed_parent_types=["EPIC"],
        allowed_child_types=["SUBTASK"],
    )
    own = await create_type(desk, allowed_parent_types=["INCIDENT"])

    listed = (await desk.owner.get(desk.types())).json()["items"][5:]
    in_workspace = (await desk.owner.get(desk.types("workspace"))).json()["items"][5:]

    assert (org_wide["key"], org_wide["scope"], org_wide["is_system"]) == ("INCIDENT", "WORKSPACE", False)
    assert (org_wide["icon"], org_wide["color"], org_wide["default_workflow_id"]) == (
        "alert-triangle",
        "#F59E0B",
        str(workflow.id),
    )
    assert org_wide["required_field_ids"] == [field["id"]]
    assert (own["icon"], own["color"], own["allowed_parent_types"]) == ("layers", "#64748b", ["INCIDENT"])
    assert [(each["key"], each["scope"]) for each in listed] == [("INCIDENT", "WORKSPACE"), ("SPIKE", "PROJECT")]
    assert [each["key"] for each in in_workspace] == ["INCIDENT"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "No key"}, 422, "validation_failed", "key"),
        ({"key": "SPIKE"}, 422, "validation_failed", "name"),
        ({"key": "X" * 31, "name": "Long"}, 422, "validation_failed", "key"),
        ({"key": "NO SPACES", "name": "x"}, 422, "validation_failed", "key"),
        ({"key": "bug", "name": "Bug again"}, 422, "reserved_type_key", "key"),
        ({"key": "ORG", "name": "Again"}, 409, "type_key_taken", "key"),
        ({"key": "NEW", "name": "x", "icon": "unicorn"}, 422, "unknown_icon", "icon"),
        ({"key": "NEW", "name": "x", "color": "blue"}, 422, "validation_failed", "color"),
        ({"key": "NEW", "name": "x", "allowed_parent_types": ["NOPE"]}, 422, "unknown_type", "allowed_parent_types"),
        ({"key": "NEW", "name": "x", "allowed_child_types": ["NEW"]}, 422, "type_nests_itself", "allowed_child_types"),
        ({"key": "NEW", "name": "x", "default_workflow_id": str(uuid.uuid4())}, 422, "unknown_workflow", None),
        ({"key": "NEW", "name": "x", "required_field_ids": [str(uuid.uuid4())]}, 422, "unknown_field", None),
    ],
)
async def test_a_type_that_does_not_hold_together_is_refused(
    desk: Desk, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    await create_type(desk, "workspace", key="ORG", name="Org")

    answer = await desk.owner.post(desk.types(), json=body)

    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    if field is not None:
        assert field in {error["field"] for error in answer.json()["errors"]}
    assert [each["key"] for each in (await desk.owner.get(desk.types())).json()["items"][5:]] == ["ORG"]


async def test_a_type_is_changed_and_archived(desk: Desk) -> None:
    created = await create_type(desk)
    url = f"{desk.types()}/{created['id']}"

    renamed = await desk.owner.patch(url, json={"name": "Research spike", "allowed_parent_types": ["story"]})
    archived = await desk.owner.patch(url, json={"archived": True})
    rekeyed = await desk.owner.patch(url, json={"key": "OTHER"})

    assert (renamed.json()["name"], renamed.json()["allowed_parent_types"]) == ("Research spike", ["STORY"])
    assert archived.json()["archived"] is True
    assert rekeyed.status_code == 422


async def test_a_type_in_use_cannot_be_deleted(desk: Desk) -> None:
    used = await create_type(desk)
    unused = await create_type(desk, key="IDLE", name="Idle")
    async with desk.plot.infra.db.unit_of_work() as db:
        db.add(
            Task(
                workspace_id=desk.plot.workspace_id,
                project_id=desk.plot.project_id,
                number=1,
                key="WEB-1",
                type="SPIKE",
                title="Look into it",
                status_id=desk.plot.status_id,
                priority="MEDIUM",
                position="a0",
            )
        )

    refused = await desk.owner.delete(f"{desk.types()}/{used['id']}")
    deleted = await desk.owner.delete(f"{desk.types()}/{unused['id']}")

    assert (refused.status_code, refused.json()["code"]) == (409, "type_in_use")
    assert deleted.status_code == 204
    assert [each["key"] for each in (await desk.owner.get(desk.types())).json()["items"][5:]] == ["SPIKE"]


async def test_a_type_of_another_owner_is_not_found_here(desk: Desk) -> None:
    org_wide = await create_type(desk, "workspace", key="ORG", name="Org")
    elsewhere = await create_type(desk, "loose", key="LOOSE", name="Loose")

    answers = [
        await desk.owner.patch(f"{desk.types()}/{org_wide['id']}", json={"name": "Mine"}),
        await desk.owner.delete(f"{desk.types()}/{elsewhere['id']}"),
        await desk.owner.patch(f"{desk.types('workspace')}/{elsewhere['id']}", json={"name": "Mine"}),
        await desk.outsider.delete(f"{desk.types('next_door')}/{org_wide['id']}"),
    ]

    assert [(each.status_code, each.json()["code"]) for each in answers] == [(404, "type_not_found")] * 4


async def test_listing_types_runs_the_same_statements_for_any_number(desk: Desk, count_sql: Callable[..., Any]) -> None:
    await create_type(desk, key="ONE", name="One")
    with count_sql() as few:
        await desk.owner.get(desk.types())
    for number in range(5):
        await create_type(desk, "workspace" if number % 2 else "project", key=f"T{number}", name=f"Type {number}")
    with count_sql() as many:
        answer = await desk.owner.get(desk.types())

    assert len(answer.json()["items"]) == 11
    assert many.count == few.count


async def test_who_may_read_and_change_types(desk: Desk) -> None:
    viewer_reads = await desk.viewer.get(desk.types("workspace"))
    viewer_writes = await desk.viewer.post(desk.types("workspace"), json={"key": "NO", "name": "No"})
    outsider = await desk.outsider.get(desk.types("workspace"))
    anonymous = await desk.anonymous.post(desk.types("workspace"), json={"key": "NO", "name": "No"})

    assert len(viewer_reads.json()["items"]) == 5
    assert (viewer_writes.status_code, viewer_writes.json()["code"]) == (403, "permission_denied")
    assert outsider.status_code == 404
    assert anonymous.status_code == 401
