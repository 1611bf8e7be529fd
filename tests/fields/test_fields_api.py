"""Field definitions through the API, for each owner: a workspace, a space and a project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fairlx.fields.values import applicable_fields
from tests.fields.conftest import Desk

OPTIONS = [{"value": "Low", "color": "#16A34A"}, {"value": "High", "color": "#dc2626", "is_default": True}]


async def test_a_field_is_created_with_its_settings_and_listed(desk: Desk) -> None:
    created = await desk.create(
        name="Risk level",
        type="SELECT",
        description="How risky",
        required=True,
        options=OPTIONS,
        applies_to_types=["story", "BUG"],
        show_in_card=True,
    )

    listed = (await desk.owner.get(desk.fields())).json()["items"]

    assert created["key"] == "risk_level"
    assert created["scope"] == "PROJECT"
    assert created["type"] == "SELECT"
    assert created["required"] is True
    assert [(o["value"], o["color"], o["position"]) for o in created["options"]] == [
        ("Low", "#16a34a", 0),
        ("High", "#dc2626", 1),
    ]
    assert created["default_value"] == created["options"][1]["id"]
    assert created["applies_to_types"] == ["STORY", "BUG"]
    assert (created["show_in_list"], created["show_in_card"], created["archived"]) == (True, True, False)
    assert [each["id"] for each in listed] == [created["id"]]


async def test_a_project_lists_every_field_that_reaches_it_with_its_scope(desk: Desk) -> None:
    await desk.create("workspace", name="Org wide")
    await desk.create("space", name="Space wide")
    await desk.create("project", name="Own")
    await desk.create("loose", name="Other project")

    project = (await desk.owner.get(desk.fields())).json()["items"]
    space = (await desk.owner.get(desk.fields("space"))).json()["items"]
    workspace = (await desk.owner.get(desk.fields("workspace"))).json()["items"]

    assert [(each["name"], each["scope"]) for each in project] == [
        ("Org wide", "WORKSPACE"),
        ("Space wide", "SPACE"),
        ("Own", "PROJECT"),
    ]
    assert [each["name"] for each in space] == ["Space wide"]
    assert [each["name"] for each in workspace] == ["Org wide"]


async def test_listing_fields_runs_the_same_statements_for_any_number(
    desk: Desk, count_sql: Callable[..., Any]
) -> None:
    await desk.create(name="One")
    with count_sql() as few:
        await desk.owner.get(desk.fields())
    for number in range(6):
        await desk.create("workspace" if number % 2 else "project", name=f"Field {number}")
    with count_sql() as many:
        answer = await desk.owner.get(desk.fields())

    assert len(answer.json()["items"]) == 7
    assert many.count == few.count


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"type": "TEXT"}, "validation_failed", "name"),
        ({"name": "x"}, "validation_failed", "type"),
        ({"name": "x" * 101, "type": "TEXT"}, "validation_failed", "name"),
        ({"name": "x", "type": "RICH"}, "validation_failed", "type"),
        ({"name": "x", "type": "TEXT", "key": "Bad Key"}, "validation_failed", "key"),
        ({"name": "x", "type": "TEXT", "required": "maybe"}, "validation_failed", "required"),
        ({"name": "x", "type": "TEXT", "surprise": 1}, "validation_failed", "surprise"),
        ({"name": "x", "type": "TEXT", "options": OPTIONS}, "options_not_allowed", "options"),
        ({"name": "x", "type": "SELECT"}, "options_required", "options"),
        (
            {"name": "x", "type": "SELECT", "options": [{"value": "A"}, {"value": "a"}]},
            "duplicate_option",
            "options.1.value",
        ),
        (
            {"name": "x", "type": "SELECT", "options": [{"value": "A", "color": "red"}]},
            "validation_failed",
            "options.0.color",
        ),
        (
            {"name": "x", "type": "SELECT", "options": [{"value": f"v{n}"} for n in range(201)]},
            "validation_failed",
            "options",
        ),
        (
            {
                "name": "x",
                "type": "SELECT",
                "options": [{"value": "A", "is_default": True}, {"value": "B", "is_default": True}],
            },
            "too_many_defaults",
            "options",
        ),
        (
            {"name": "x", "type": "SELECT", "options": OPTIONS, "default_value": "Medium"},
            "unknown_option",
            "default_value",
        ),
        ({"name": "x", "type": "TEXT", "min_value": 1}, "setting_not_allowed", "min_value"),
        ({"name": "x", "type": "NUMBER", "min_value": 5, "max_value": 1}, "min_above_max", "min_value"),
        ({"name": "x", "type": "NUMBER", "max_value": 5, "default_value": 9}, "value_out_of_range", "default_value"),
        ({"name": "x", "type": "NUMBER", "precision": 9}, "validation_failed", "precision"),
        ({"name": "x", "type": "PERCENTAGE", "max_value": 150}, "value_out_of_range", "max_value"),
        ({"name": "x", "type": "CURRENCY"}, "currency_required", "currency_code"),
        ({"name": "x", "type": "CURRENCY", "currency_code": "EURO"}, "validation_failed", "currency_code"),
        ({"name": "x", "type": "TEXT", "currency_code": "EUR"}, "setting_not_allowed", "currency_code"),
        ({"name": "x", "type": "TEXT", "applies_to_types": ["SPIKE"]}, "unknown_type", "applies_to_types"),
        (
            {"name": "x", "type": "USER", "default_value": "00000000-0000-0000-0000-000000000001"},
            "not_a_member",
            "default_value",
        ),
        ({"name": "x", "type": "EMAIL", "default_value": "nobody"}, "invalid_value", "default_value"),
    ],
)
async def test_a_definition_that_does_not_hold_together_is_refused(
    desk: Desk, body: dict[str, Any], code: str, field: str
) -> None:
    answer = await desk.owner.post(desk.fields(), json=body)

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == code
    assert field in {error["field"].removeprefix("body.") for error in problem["errors"]}
    assert (await desk.owner.get(desk.fields())).json()["items"] == []


async def test_defaults_are_normalised_like_values(desk: Desk) -> None:
    number = await desk.create(name="Points", type="NUMBER", precision=1, default_value="2.345")
    currency = await desk.create(name="Budget", type="CURRENCY", currency_code="eur", default_value=10)
    reviewer = await desk.create(name="Reviewer", type="USER", default_value=desk.owner.id)
    tags = await desk.create(name="Platforms", type="MULTI_SELECT", options=OPTIONS, default_value=["low", "High"])

    assert number["default_value"] == 2.3
    assert (currency["currency_code"], currency["default_value"]) == ("EUR", 10)
    assert reviewer["default_value"] == desk.owner.id
    assert tags["default_value"] == [option["id"] for option in tags["options"]]
    assert [option["is_default"] for option in tags["options"]] == [True, True]


async def test_keys_are_unique_among_the_fields_a_project_carries(desk: Desk) -> None:
    await desk.create("space", name="Severity")

    in_project = await desk.owner.post(desk.fields(), json={"name": "Severity", "type": "TEXT"})
    in_workspace = await desk.owner.post(
        desk.fields("workspace"), json={"name": "Sev", "key": "severity", "type": "TEXT"}
    )
    outside_the_space = await desk.owner.post(desk.fields("loose"), json={"name": "Severity", "type": "TEXT"})
    other_name_same_space = await desk.owner.post(desk.fields(), json={"name": "Severity 2", "type": "TEXT"})

    assert (in_project.status_code, in_project.json()["code"]) == (409, "field_key_taken")
    assert in_project.json()["errors"][0]["field"] == "key"
    assert (in_workspace.status_code, in_workspace.json()["code"]) == (409, "field_key_taken")
    assert outside_the_space.status_code == 201
    assert other_name_same_space.json()["key"] == "severity_2"


async def test_a_field_changes_but_never_its_type(desk: Desk) -> None:
    created = await desk.create(name="Env", type="SELECT", options=OPTIONS)
    url = f"{desk.fields()}/{created['id']}"
    low, high = created["options"]

    retyped = await desk.owner.patch(url, json={"type": "TEXT"})
    same_type = await desk.owner.patch(
        url,
        json={
            "type": "SELECT",
            "name": "Environment",
            "required": True,
            "options": [{"id": high["id"], "value": "Higher"}, {"value": "New"}],
            "default_value": None,
        },
    )

    assert (retyped.status_code, retyped.json()["code"]) == (409, "field_type_locked")
    assert same_type.status_code == 200, same_type.text
    changed = same_type.json()
    assert (changed["name"], changed["required"], changed["default_value"]) == ("Environment", True, None)
    assert [option["value"] for option in changed["options"]] == ["Higher", "New"]
    assert changed["options"][0]["id"] == high["id"]
    assert low["id"] not in {option["id"] for option in changed["options"]}


async def test_an_update_keeps_the_definition_consistent(desk: Desk) -> None:
    created = await desk.create(name="Points", type="NUMBER", default_value=50)
    url = f"{desk.fields()}/{created['id']}"

    lowered = await desk.owner.patch(url, json={"max_value": 10})
    required_null = await desk.owner.patch(url, json={"required": None})
    both = await desk.owner.patch(url, json={"max_value": 10, "default_value": 5})

    assert (lowered.status_code, lowered.json()["code"]) == (422, "value_out_of_range")
    assert required_null.status_code == 422
    assert (both.json()["max_value"], both.json()["default_value"]) == (10, 5)


async def test_archiving_hides_a_field_from_tasks_but_keeps_it_listed(desk: Desk) -> None:
    created = await desk.create(name="Old")
    url = f"{desk.fields()}/{created['id']}"

    archived = (await desk.owner.patch(url, json={"archived": True})).json()
    async with desk.plot.session() as (db, project):
        applicable = await applicable_fields(db, project)
    restored = (await desk.owner.patch(url, json={"archived": False})).json()

    assert archived["archived"] is True
    assert archived["archived_at"] is not None
    assert applicable == []
    assert (restored["archived"], restored["archived_at"]) == (False, None)


async def test_a_field_of_another_owner_is_not_found_here(desk: Desk) -> None:
    inherited = await desk.create("workspace", name="Inherited")
    elsewhere = await desk.create("loose", name="Elsewhere")

    answers = [
        await desk.owner.get(f"{desk.fields()}/{inherited['id']}"),
        await desk.owner.patch(f"{desk.fields()}/{inherited['id']}", json={"name": "Mine"}),
        await desk.owner.delete(f"{desk.fields()}/{elsewhere['id']}"),
        await desk.owner.get(f"{desk.fields('space')}/{elsewhere['id']}"),
        await desk.outsider.get(f"{desk.fields('next_door')}/{inherited['id']}"),
    ]

    assert [(each.status_code, each.json()["code"]) for each in answers] == [(404, "field_not_found")] * 5


async def test_a_deleted_field_is_gone(desk: Desk) -> None:
    created = await desk.create(name="Temp")
    url = f"{desk.fields()}/{created['id']}"

    deleted = await desk.owner.delete(url)

    assert deleted.status_code == 204
    assert (await desk.owner.get(url)).status_code == 404
    assert (await desk.owner.delete(url)).status_code == 404


async def test_fields_are_reordered_within_their_owner(desk: Desk) -> None:
    first, second, third = [(await desk.create(name=name))["id"] for name in ("First", "Second", "Third")]
    inherited = (await desk.create("workspace", name="Org"))["id"]

    swapped = await desk.owner.post(f"{desk.fields()}/reorder", json={"ids": [third, first]})
    duplicate = await desk.owner.post(f"{desk.fields()}/reorder", json={"ids": [first, first]})
    foreign = await desk.owner.post(f"{desk.fields()}/reorder", json={"ids": [inherited, first]})
    empty = await desk.owner.post(f"{desk.fields()}/reorder", json={"ids": []})

    assert [each["id"] for each in swapped.json()["items"]] == [inherited, third, second, first]
    assert (duplicate.status_code, duplicate.json()["code"]) == (422, "duplicate_field")
    assert (foreign.status_code, foreign.json()["code"]) == (422, "unknown_field")
    assert empty.status_code == 422


async def test_templates_seed_fields_once(desk: Desk) -> None:
    seeded = await desk.owner.post(f"{desk.fields('workspace')}/templates", json={"names": ["Severity", "Reviewer"]})
    again = await desk.owner.post(f"{desk.fields()}/templates", json={"names": ["Severity", "Business Value"]})
    unknown = await desk.owner.post(f"{desk.fields()}/templates", json={"names": ["Mood"]})

    assert seeded.status_code == 201
    severity, reviewer = seeded.json()["items"]
    assert (severity["type"], severity["applies_to_types"]) == ("SELECT", ["BUG"])
    assert [option["value"] for option in severity["options"]] == ["Trivial", "Minor", "Major", "Blocker"]
    assert reviewer["type"] == "USER"
    assert seeded.json()["skipped"] == []
    assert again.json()["skipped"] == ["Severity"]
    business_value = again.json()["items"][0]
    assert (business_value["min_value"], business_value["max_value"]) == (1, 100)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_template")


async def test_who_may_read_and_change_fields(desk: Desk) -> None:
    await desk.create("workspace", name="Visible")

    viewer_reads = await desk.viewer.get(desk.fields("workspace"))
    viewer_writes = await desk.viewer.post(desk.fields("workspace"), json={"name": "No", "type": "TEXT"})
    outsider_reads = await desk.outsider.get(desk.fields("workspace"))
    outsider_writes_own = await desk.outsider.post(desk.fields("next_door"), json={"name": "Theirs", "type": "TEXT"})
    anonymous = await desk.anonymous.get(desk.fields("workspace"))

    assert [each["name"] for each in viewer_reads.json()["items"]] == ["Visible"]
    assert (viewer_writes.status_code, viewer_writes.json()["code"]) == (403, "permission_denied")
    assert outsider_reads.status_code == 404
    assert outsider_writes_own.status_code == 201
    assert anonymous.status_code == 401
