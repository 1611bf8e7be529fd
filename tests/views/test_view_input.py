"""Bad input to the saved views API is refused naming the field: names, types, filters (checked against
the project's fields on a project's views), sorts, sizes, places and scopes; and listing runs a fixed
number of SQL statements however many views there are."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from fairlx.views.models import SavedView, ViewScope, ViewType
from fairlx.views.service import MAX_PERSONAL_VIEWS
from tests.views.conftest import VIEWS, Places


def where_refused(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body["errors"][0]["field"]


def condition(field: str, operator: str = "EQUALS", value: Any = "x") -> dict[str, Any]:
    return {"op": "AND", "conditions": [{"field": field, "operator": operator, "value": value}]}


BAD_PROJECT_VIEWS: list[tuple[dict[str, Any], str, str]] = [
    ({"name": None}, "validation_failed", "name"),
    ({"name": "   "}, "validation_failed", "name"),
    ({"name": "x" * 101}, "validation_failed", "name"),
    ({"view_type": "GRID"}, "validation_failed", "view_type"),
    ({"scope": "EVERYONE"}, "validation_failed", "scope"),
    ({"filters": ["not", "a", "group"]}, "validation_failed", "filters"),
    ({"sort": "title"}, "validation_failed", "sort"),
    ({"sort": ["a", "b", "c", "d"]}, "validation_failed", "sort"),
    ({"sort": ["ti tle"]}, "validation_failed", "sort.0"),
    ({"columns": [1]}, "validation_failed", "columns.0"),
    ({"color": "red"}, "validation_failed", "color"),
    ({"is_default": "maybe"}, "validation_failed", "is_default"),
    ({"filters": condition("title", "LIKE")}, "filter_invalid", "filters"),
    ({"filters": {"op": "XOR", "conditions": []}}, "filter_invalid", "filters"),
    ({"filters": condition("titel")}, "unknown_filter_field", "filters.conditions.0.field"),
    ({"filters": condition("cf.severity")}, "unknown_filter_field", "filters.conditions.0.field"),
    ({"filters": condition("due_date", "GT", "soon")}, "filter_value_invalid", "filters.conditions.0.value"),
    ({"filters": condition("title", "BETWEEN", ["a"])}, "filter_value_invalid", "filters.conditions.0.value"),
    ({"sort": ["-nothing"]}, "unknown_filter_field", "sort.0"),
    ({"sort": ["title", "assignee_id"]}, "unsortable_field", "sort.1"),
    ({"scope": "SPACE"}, "scope_mismatch", "scope"),
    ({"project_id": str(uuid.uuid4())}, "project_not_found", "project_id"),
    ({"project_id": "not-an-id"}, "validation_failed", "project_id"),
]


async def test_a_bad_project_view_is_refused_naming_the_field(places: Places) -> None:
    refusals = [where_refused(await places.post(places.crew.owner, **fields)) for fields, _, _ in BAD_PROJECT_VIEWS]

    assert [refusal[1:] for refusal in refusals] == [(code, field) for _, code, field in BAD_PROJECT_VIEWS]
    assert {refusal[0] for refusal in refusals} == {404, 422}
    assert await places.names(places.crew.owner) == []


async def test_a_view_names_exactly_one_place(places: Places) -> None:
    owner = places.crew.owner

    nowhere = await owner.post(VIEWS, json={"name": "x", "view_type": "LIST"})
    two = await places.post(owner, places.project | places.space)
    listed = await owner.get(VIEWS)

    assert where_refused(nowhere) == (422, "place_required", "project_id")
    assert where_refused(two) == (422, "place_required", "project_id")
    assert where_refused(listed) == (422, "place_required", "project_id")


async def test_custom_fields_are_checked_on_project_views_and_left_open_elsewhere(places: Places) -> None:
    owner = places.crew.owner
    field = await owner.post(f"/api/v1/projects/{places.project_id}/fields", json={"name": "Effort", "type": "NUMBER"})
    assert field.status_code == 201, field.text

    known = await places.post(owner, filters=condition("cf.effort", "GT", 3), sort=["-cf.effort"])
    wrong_value = await places.post(owner, filters=condition("cf.effort", "GT", "lots"))
    in_workspace = await places.post(owner, places.workspace, filters=condition("cf.anything"), sort=["cf.anything"])
    typo_in_workspace = await places.post(owner, places.workspace, filters=condition("titel"))
    bad_sort_in_space = await places.post(owner, places.space, sort=["title", "labels"])

    assert known.status_code == 201
    assert where_refused(wrong_value) == (422, "filter_value_invalid", "filters.conditions.0.value")
    assert in_workspace.status_code == 201
    assert where_refused(typo_in_workspace) == (422, "unknown_filter_field", "filters.conditions.0.field")
    assert where_refused(bad_sort_in_space) == (422, "unknown_filter_field", "sort.1")


async def test_a_view_outliving_its_custom_field_can_be_renamed_but_not_refiltered_on_it(places: Places) -> None:
    owner = places.crew.owner
    fields_url = f"/api/v1/projects/{places.project_id}/fields"
    field = (await owner.post(fields_url, json={"name": "Effort", "type": "NUMBER"})).json()
    view = await places.create(filters=condition("cf.effort", "GT", 3))
    assert (await owner.delete(f"{fields_url}/{field['id']}")).status_code == 204

    renamed = await owner.patch(f"{VIEWS}/{view['id']}", json={"name": "Effort (retired)"})
    resorted = await owner.patch(f"{VIEWS}/{view['id']}", json={"sort": ["title"]})

    assert (renamed.status_code, renamed.json()["filters"]) == (200, condition("cf.effort", "GT", 3))
    assert where_refused(resorted) == (422, "unknown_filter_field", "filters.conditions.0.field")


async def test_nested_groups_name_the_condition_at_fault(places: Places) -> None:
    nested = {
        "op": "OR",
        "conditions": [
            {"field": "title", "operator": "CONTAINS", "value": "login"},
            {"op": "AND", "conditions": [{"field": "flagged", "operator": "EQUALS", "value": "maybe"}]},
        ],
    }

    response = await places.post(places.crew.owner, filters=nested)

    assert where_refused(response) == (422, "filter_value_invalid", "filters.conditions.1.conditions.0.value")


async def test_filters_are_kept_under_8_kb(places: Places) -> None:
    owner = places.crew.owner
    values = [f"label-{number:05d}" for number in range(100)]
    fitting = {"op": "AND", "conditions": [{"field": "label", "operator": "IN", "value": values}]}
    too_big = {"op": "AND", "conditions": [{"field": "title", "operator": "CONTAINS", "value": "x" * 9000}]}

    kept = await places.post(owner, filters=fitting)
    refused = await places.post(owner, filters=too_big)
    patched = await owner.patch(f"{VIEWS}/{kept.json()['id']}", json={"filters": too_big})

    assert kept.status_code == 201
    assert where_refused(refused) == (422, "filters_too_large", "filters")
    assert where_refused(patched) == (422, "filters_too_large", "filters")


async def test_a_change_is_checked_like_a_new_view(places: Places) -> None:
    owner = places.crew.owner
    view = await places.create(name="Mine", sort=["title"])
    url = f"{VIEWS}/{view['id']}"

    answers = {
        "null name": await owner.patch(url, json={"name": None}),
        "null filters": await owner.patch(url, json={"filters": None}),
        "bad filter": await owner.patch(url, json={"filters": condition("nope")}),
        "bad sort": await owner.patch(url, json={"sort": ["-nope"]}),
        "bad scope": await owner.patch(url, json={"scope": "WORKSPACE"}),
        "unknown key": await owner.patch(url, json={"owner_id": str(uuid.uuid4())}),
    }

    assert {name: where_refused(answer)[1:] for name, answer in answers.items()} == {
        "null name": ("required", "name"),
        "null filters": ("required", "filters"),
        "bad filter": ("unknown_filter_field", "filters.conditions.0.field"),
        "bad sort": ("unknown_filter_field", "sort.0"),
        "bad scope": ("scope_mismatch", "scope"),
        "unknown key": ("validation_failed", "owner_id"),
    }
    assert (await owner.get(url)).json()["name"] == "Mine"


async def test_unknown_and_malformed_view_ids(places: Places) -> None:
    owner = places.crew.owner

    unknown = await owner.get(f"{VIEWS}/{uuid.uuid4()}")
    malformed = await owner.patch(f"{VIEWS}/not-an-id", json={"name": "x"})
    no_type = await owner.get(f"{VIEWS}/default", params=places.project)

    assert (unknown.status_code, unknown.json()["code"]) == (404, "view_not_found")
    assert where_refused(malformed) == (422, "validation_failed", "view_id")
    assert where_refused(no_type) == (422, "validation_failed", "view_type")


async def add_views(places: Places, count: int, **fields: Any) -> None:
    """`count` views of the project written straight into the database (the API is tested above)."""
    infra = places.crew.town.infra
    async with infra.db.unit_of_work() as db:
        db.add_all(
            SavedView(
                workspace_id=uuid.UUID(places.workspace_id),
                project_id=uuid.UUID(places.project_id),
                name=f"View {uuid.uuid4().hex[:8]}",
                view_type=ViewType.LIST,
                **fields,
            )
            for _ in range(count)
        )


async def test_a_person_keeps_at_most_100_personal_views_in_a_place(places: Places) -> None:
    crew = places.crew
    await add_views(places, MAX_PERSONAL_VIEWS - 1, scope=ViewScope.PERSONAL, owner_id=uuid.UUID(crew.owner.id))
    last = await places.create(name="The hundredth")

    over = await places.post(crew.owner, name="One too many")
    copy = await crew.owner.post(f"{VIEWS}/{last['id']}/duplicate")
    elsewhere = await places.post(crew.owner, places.workspace, name="In the workspace")
    someone_else = await places.post(crew.editor, name="The editor's first")

    assert (over.status_code, over.json()["code"]) == (409, "too_many_views")
    assert (copy.status_code, copy.json()["code"]) == (409, "too_many_views")
    assert (elsewhere.status_code, someone_else.status_code) == (201, 201)


async def test_listing_runs_the_same_statements_for_3_and_30_views(
    places: Places, count_sql: Callable[[], Any]
) -> None:
    owner = places.crew.owner
    await places.create(where=places.space, name="Space board", scope="SPACE")
    await places.create(where=places.workspace, name="Company board", scope="WORKSPACE")

    async def statements() -> int:
        await owner.get(VIEWS, params=places.project)  # warm the caches
        with count_sql() as counter:
            response = await owner.get(VIEWS, params=places.project | {"limit": 200})
        assert response.status_code == 200
        return int(counter.count)

    await add_views(places, 1, scope=ViewScope.PROJECT)
    with_three = await statements()
    await add_views(places, 27, scope=ViewScope.PROJECT)
    with_thirty = await statements()

    assert len(await places.names(owner, limit=200)) == 30
    assert with_three == with_thirty
    assert with_thirty <= 6  # the session, the project, its space, the views
