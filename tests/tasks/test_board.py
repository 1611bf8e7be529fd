"""The board: columns from the workflow, cards by position, moves between and within columns that
follow the workflow's transitions, WIP limits and swimlanes."""

from __future__ import annotations

from typing import Any

from tests.tasks.conftest import Board


async def board_of(board: Board, **params: Any) -> dict[str, Any]:
    response = await board.crew.owner.get(f"/api/v1/projects/{board.project_id}/board", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def titles(column: dict[str, Any]) -> list[str]:
    return [card["title"] for card in column["cards"]]


async def test_the_board_has_a_column_per_status_with_its_cards_in_order(board: Board) -> None:
    for title in ("First", "Second", "Third"):
        await board.new(title=title)

    columns = (await board_of(board))["columns"]

    assert [column["status"]["key"] for column in columns] == ["TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert titles(columns[0]) == ["First", "Second", "Third"]
    assert [column["count"] for column in columns] == [3, 0, 0, 0, 0]


async def test_a_card_moved_within_its_column_changes_only_its_own_position(board: Board) -> None:
    first, second, third = [await board.new(title=title) for title in ("First", "Second", "Third")]

    moved = await board.crew.owner.post(
        f"/api/v1/tasks/{third['id']}/move",
        json={"status_id": board.statuses["TODO"], "after_id": first["id"], "before_id": second["id"]},
    )

    assert moved.status_code == 200
    column = (await board_of(board))["columns"][0]
    assert titles(column) == ["First", "Third", "Second"]
    positions = {card["title"]: card["position"] for card in column["cards"]}
    assert (positions["First"], positions["Second"]) == (first["position"], second["position"])


async def test_a_move_to_the_top_of_another_column_follows_a_transition(board: Board) -> None:
    waiting = await board.new(title="Waiting")
    moving = await board.new(title="Moving")
    await board.crew.owner.post(f"/api/v1/tasks/{waiting['id']}/move", json={"status_id": board.statuses["ASSIGNED"]})

    moved = await board.crew.owner.post(
        f"/api/v1/tasks/{moving['id']}/move", json={"status_id": board.statuses["ASSIGNED"], "before_id": waiting["id"]}
    )

    assert moved.json()["status"]["key"] == "ASSIGNED"
    assert titles((await board_of(board))["columns"][1]) == ["Moving", "Waiting"]


async def test_a_move_no_transition_allows_is_refused_with_the_workflow_code(board: Board) -> None:
    item = await board.new(title="Skipper")

    refused = await board.crew.owner.post(
        f"/api/v1/tasks/{item['id']}/move", json={"status_id": board.statuses["DONE"]}
    )
    via_edit = await board.crew.owner.patch(f"/api/v1/tasks/{item['id']}", json={"status_id": board.statuses["DONE"]})

    assert refused.status_code == 422
    assert refused.json()["code"] == "TRANSITION_NOT_DEFINED"
    assert refused.json()["errors"][0]["field"] == "status_id"
    assert via_edit.json()["code"] == "TRANSITION_NOT_DEFINED"
    assert (await board.crew.owner.get(f"/api/v1/tasks/{item['id']}")).json()["status"]["key"] == "TODO"


async def test_a_transition_kept_for_some_roles_refuses_the_others(board: Board) -> None:
    crew = board.crew
    workflow = (await crew.owner.get(f"/api/v1/projects/{board.project_id}")).json()["workflow_id"]
    transitions_url = f"/api/v1/projects/{board.project_id}/workflows/{workflow}/transitions"
    detail = (await crew.owner.get(f"/api/v1/projects/{board.project_id}/workflows/{workflow}")).json()
    todo_to_assigned = next(
        each
        for each in detail["transitions"]
        if (each["from_status_id"], each["to_status_id"]) == (board.statuses["TODO"], board.statuses["ASSIGNED"])
    )
    restricted = await crew.owner.client.patch(
        f"{transitions_url}/{todo_to_assigned['id']}", json={"allowed_roles": ["WS_ADMIN"]}
    )
    assert restricted.status_code == 200, restricted.text
    item = await board.new(title="Guarded")

    by_owner = await crew.owner.post(f"/api/v1/tasks/{item['id']}/move", json={"status_id": board.statuses["ASSIGNED"]})
    by_admin = await crew.admin.post(f"/api/v1/tasks/{item['id']}/move", json={"status_id": board.statuses["ASSIGNED"]})

    assert (by_owner.status_code, by_owner.json()["code"]) == (403, "ROLE_NOT_ALLOWED")
    assert by_admin.status_code == 200
    owner_board = (await crew.owner.get(f"/api/v1/projects/{board.project_id}/board")).json()
    assert board.statuses["ASSIGNED"] not in owner_board["allowed_moves"][board.statuses["TODO"]]


async def test_a_column_over_its_wip_limit_is_flagged_but_still_takes_cards(board: Board) -> None:
    settings = await board.crew.owner.patch(
        f"/api/v1/projects/{board.project_id}", json={"settings": {"wip_limits": {"TODO": 1}}}
    )
    assert settings.status_code == 200, settings.text
    await board.new(title="One")
    second = await board.crew.owner.post(board.tasks_url, json={"title": "Two"})

    todo = (await board_of(board))["columns"][0]

    assert second.status_code == 201
    assert (todo["wip_limit"], todo["count"], todo["over_limit"]) == (1, 2, True)


async def test_swimlanes_group_cards_by_assignee(board: Board) -> None:
    crew = board.crew
    mine = await board.new(title="Mine", assignee_ids=[crew.owner.id])
    nobodys = await board.new(title="Nobody's")

    lanes = (await board_of(board, swimlane="assignee"))["swimlanes"]

    assert [(lane["title"], lane["task_ids"]) for lane in lanes] == [
        ("Olivia Owner", [mine["id"]]),
        ("Unassigned", [nobodys["id"]]),
    ]


async def test_a_long_column_sends_its_first_cards_and_a_cursor_for_the_rest(board: Board) -> None:
    for number in range(5):
        await board.new(title=f"Card {number}")

    todo = (await board_of(board, per_column=2))["columns"][0]
    rest = await board.crew.owner.get(
        board.tasks_url,
        params={"status_id": board.statuses["TODO"], "sort": "position", "cursor": todo["next_cursor"], "limit": 10},
    )

    assert (titles(todo), todo["count"]) == (["Card 0", "Card 1"], 5)
    assert [item["title"] for item in rest.json()["items"]] == ["Card 2", "Card 3", "Card 4"]


async def test_swimlanes_group_cards_by_a_custom_select_field(board: Board) -> None:
    field = await board.crew.owner.post(
        f"/api/v1/projects/{board.project_id}/fields",
        json={"name": "Team", "type": "SELECT", "options": [{"value": "Web"}, {"value": "Mobile"}]},
    )
    web, mobile = (option["id"] for option in field.json()["options"])
    first = await board.new(title="Navbar", custom_fields={"team": web})
    second = await board.new(title="Push", custom_fields={"team": mobile})
    third = await board.new(title="Unsorted")

    lanes = (await board_of(board, swimlane="cf.team"))["swimlanes"]
    unknown = await board.crew.owner.get(f"/api/v1/projects/{board.project_id}/board", params={"swimlane": "cf.nope"})

    assert [(lane["title"], lane["task_ids"]) for lane in lanes] == [
        ("Mobile", [second["id"]]),
        ("Web", [first["id"]]),
        ("No team", [third["id"]]),
    ]
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "swimlane")
