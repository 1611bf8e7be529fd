"""The item list: filters (shorthand parameters and nested groups with the 15 operators, on built-in and
custom fields), sorting, keyset pages, and a fixed number of SQL statements however many items there are."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from fairlx.core.infrastructure import Infrastructure
from fairlx.tasks.models import Task
from tests.tasks.conftest import Board


async def severity_field(board: Board) -> dict[str, Any]:
    response = await board.crew.owner.post(
        f"/api/v1/projects/{board.project_id}/fields",
        json={
            "name": "Severity",
            "type": "SELECT",
            "options": [{"value": "Minor", "color": "#16a34a"}, {"value": "Critical", "color": "#dc2626"}],
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def listed(board: Board, **params: Any) -> list[str]:
    response = await board.crew.owner.get(board.tasks_url, params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def group(*conditions: dict[str, Any], op: str = "AND") -> str:
    return json.dumps({"op": op, "conditions": list(conditions)})


async def test_items_filter_and_sort_on_a_custom_select_field(board: Board) -> None:
    field = await severity_field(board)
    minor, critical = (option["id"] for option in field["options"])
    await board.new(title="Typo", custom_fields={"severity": minor})
    await board.new(title="Outage", custom_fields={"severity": critical})
    await board.new(title="Unrated")

    only_critical = await listed(board, filter=group({"field": "cf.severity", "operator": "EQUALS", "value": critical}))
    rated = await listed(board, filter=group({"field": "cf.severity", "operator": "IS_NOT_EMPTY"}), sort="title")
    item = (await board.crew.owner.get("/api/v1/tasks/WEB-2")).json()

    by_option_text = await listed(
        board, filter=group({"field": "cf.severity", "operator": "IN", "value": ["critical", "Minor"]}), sort="title"
    )
    assert only_critical == ["Outage"]
    assert by_option_text == ["Outage", "Typo"]
    assert rated == ["Outage", "Typo"]
    assert item["custom_fields"] == {"severity": critical}


async def test_a_wrong_custom_field_value_is_refused_naming_the_field(board: Board) -> None:
    await severity_field(board)

    response = await board.crew.owner.post(board.tasks_url, json={"title": "x", "custom_fields": {"severity": "Huge"}})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "custom_fields.severity"


async def test_nested_groups_combine_conditions(board: Board) -> None:
    await board.new(title="Login bug", type="BUG", priority="HIGH")
    await board.new(title="Login page", type="STORY", priority="LOW")
    await board.new(title="Signup bug", type="BUG", priority="LOW")
    await board.new(title="Docs", type="TASK", priority="URGENT")
    either = {
        "op": "OR",
        "conditions": [
            {"field": "priority", "operator": "IN", "value": ["HIGH", "URGENT"]},
            {"field": "title", "operator": "STARTS_WITH", "value": "login"},
        ],
    }

    found = await listed(
        board, filter=group({"field": "type", "operator": "NOT_EQUALS", "value": "TASK"}, either), sort="title"
    )

    assert found == ["Login bug", "Login page"]


async def test_text_and_number_and_date_operators(board: Board) -> None:
    await board.new(title="Small", story_points=1, due_date="2026-12-01")
    await board.new(title="Medium", story_points=5, due_date="2026-12-15")
    await board.new(title="Large", story_points=13, labels=["big"])

    assert await listed(
        board, filter=group({"field": "story_points", "operator": "BETWEEN", "value": [2, 20]}), sort="story_points"
    ) == ["Medium", "Large"]
    assert await listed(board, filter=group({"field": "due_date", "operator": "LT", "value": "2026-12-10"})) == [
        "Small"
    ]
    assert await listed(board, filter=group({"field": "title", "operator": "CONTAINS", "value": "ALL"})) == ["Small"]
    assert await listed(board, filter=group({"field": "title", "operator": "ENDS_WITH", "value": "ge"})) == ["Large"]
    assert await listed(board, filter=group({"field": "label", "operator": "CONTAINS", "value": "big"})) == ["Large"]
    assert await listed(board, filter=group({"field": "due_date", "operator": "IS_EMPTY"})) == ["Large"]
    assert await listed(board, sort="-story_points,title", q="medium") == ["Medium"]


async def test_shorthand_parameters_and_sorting_by_priority(board: Board) -> None:
    crew = board.crew
    await board.new(title="Low", priority="LOW", assignee_ids=[crew.owner.id])
    await board.new(title="Urgent", priority="URGENT", assignee_ids=[crew.owner.id])
    await board.new(title="Other", priority="HIGH")

    assert await listed(board, assignee_id=crew.owner.id, sort="-priority") == ["Urgent", "Low"]
    assert await listed(board, priority="high") == ["Other"]


async def test_pages_follow_each_other_without_gaps_or_repeats(board: Board) -> None:
    for number in range(7):
        await board.new(title=f"Item {number}", story_points=number % 3)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, "sort": "story_points"} | ({"cursor": cursor} if cursor else {})
        page = (await board.crew.owner.get(board.tasks_url, params=params)).json()
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == [f"Item {number}" for number in range(7)]
    assert len(seen) == 7


async def test_bad_filters_and_sorts_are_refused_naming_the_parameter(board: Board) -> None:
    owner = board.crew.owner
    cases = {
        "filter": {"filter": "{not json"},
        "filter.conditions.0.field": {"filter": group({"field": "salary", "operator": "EQUALS", "value": 1})},
        "filter.conditions.0.value": {"filter": group({"field": "story_points", "operator": "GT", "value": "lots"})},
        "sort.0": {"sort": "mood"},
        "cursor": {"cursor": "bm90LWEtY3Vyc29y"},
    }
    for field, params in cases.items():
        response = await owner.get(board.tasks_url, params=params)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field


async def add_items(infra: Infrastructure, board: Board, count: int, status_id: str, start: int) -> None:
    async with infra.db.unit_of_work() as db:
        project = uuid.UUID(board.project_id)
        workspace = board.crew.workspace_id
        db.add_all(
            Task(
                workspace_id=workspace,
                project_id=project,
                number=number,
                key=f"WEB-{number}",
                type="TASK",
                title=f"Bulk item {number}",
                status_id=uuid.UUID(status_id),
                priority="MEDIUM",
                position=f"a{number:06d}",
                custom_fields={},
            )
            for number in range(start, start + count)
        )


async def test_lists_and_boards_run_the_same_statements_for_10_and_1000_items(
    board: Board, infra: Infrastructure, count_sql: Callable[[], Any]
) -> None:
    owner = board.crew.owner
    labelled = await board.new(title="Labelled", labels=["x"], assignee_ids=[owner.id])
    assert labelled["key"] == "WEB-1"
    board_url = f"/api/v1/projects/{board.project_id}/board"
    requests = {
        "list": (board.tasks_url, {"sort": "-priority", "limit": 200}),
        "board": (board_url, {"swimlane": "assignee", "per_column": 200}),
    }

    async def statements() -> dict[str, int]:
        counts = {}
        for name, (url, params) in requests.items():
            await owner.get(url, params=params)  # warm the caches
            with count_sql() as counter:
                response = await owner.get(url, params=params)
            assert response.status_code == 200
            counts[name] = counter.count
        return counts

    await add_items(infra, board, 9, board.statuses["TODO"], start=2)
    with_ten = await statements()
    await add_items(infra, board, 990, board.statuses["IN_PROGRESS"], start=11)
    with_thousand = await statements()

    assert with_ten == with_thousand
    assert with_thousand["list"] <= 8
    listed_page = (await owner.get(board.tasks_url, params={"limit": 200})).json()
    assert (listed_page["total"], len(listed_page["items"])) == (1000, 200)
