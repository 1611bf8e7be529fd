"""Saving views: create, read, change, delete, duplicate and pick the default, in a project, a space and a
workspace, personal or shared."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.views.conftest import VIEWS, Places

OPEN_BUGS = {"op": "AND", "conditions": [{"field": "type", "operator": "EQUALS", "value": "BUG"}]}


async def test_a_personal_project_view_keeps_everything_it_was_given(places: Places) -> None:
    owner = places.crew.owner

    created = await places.create(
        name="  Open bugs ",
        view_type="KANBAN",
        filters=OPEN_BUGS,
        sort=["-priority", "due_date"],
        group_by="status",
        swimlane_by="assignee",
        columns=["key", "title", "status"],
    )
    fetched = await owner.get(f"{VIEWS}/{created['id']}")

    assert fetched.status_code == 200
    view = fetched.json()
    assert {name: view[name] for name in ("name", "view_type", "scope", "owner_id", "project_id", "space_id")} == {
        "name": "Open bugs",
        "view_type": "KANBAN",
        "scope": "PERSONAL",
        "owner_id": owner.id,
        "project_id": places.project_id,
        "space_id": None,
    }
    assert view["workspace_id"] == places.workspace_id
    assert view["filters"] == OPEN_BUGS
    assert (view["sort"], view["group_by"], view["swimlane_by"]) == (["-priority", "due_date"], "status", "assignee")
    assert view["columns"] == ["key", "title", "status"]
    assert (view["is_default"], view["can_edit"], view["created_by"]) == (False, True, owner.id)


async def test_a_saved_filter_selects_the_same_items_on_the_task_list(places: Places) -> None:
    owner = places.crew.owner
    tasks_url = f"/api/v1/projects/{places.project_id}/tasks"
    for title, kind in (("Crash", "BUG"), ("Login page", "STORY")):
        assert (await owner.post(tasks_url, json={"title": title, "type": kind})).status_code == 201
    view = await places.create(filters=OPEN_BUGS, sort=["title"])

    listed = await owner.get(tasks_url, params={"filter": json.dumps(view["filters"]), "sort": ",".join(view["sort"])})

    assert [item["title"] for item in listed.json()["items"]] == ["Crash"]


@pytest.mark.parametrize("scope", ["PROJECT", "SPACE", "WORKSPACE"])
async def test_shared_views_live_at_each_level(places: Places, scope: str) -> None:
    where = getattr(places, scope.lower())
    ((place, place_id),) = where.items()

    created = await places.create(name=f"{scope} view", where=where, scope=scope)
    renamed = await places.crew.owner.patch(f"{VIEWS}/{created['id']}", json={"name": "Renamed", "sort": ["title"]})
    listed = await places.names(places.crew.owner, where)
    deleted = await places.crew.owner.delete(f"{VIEWS}/{created['id']}")
    gone = await places.crew.owner.get(f"{VIEWS}/{created['id']}")

    assert (created["scope"], created["owner_id"], created[place]) == (scope, None, place_id)
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["sort"]) == ("Renamed", ["title"])
    assert listed == ["Renamed"]
    assert deleted.status_code == 204
    assert (gone.status_code, gone.json()["code"]) == (404, "view_not_found")


async def test_a_project_lists_its_own_its_space_and_its_workspace_shared_views(places: Places) -> None:
    owner = places.crew.owner
    await places.create(name="Mine")
    await places.create(name="Project board", scope="PROJECT")
    await places.create(name="Space board", where=places.space, scope="SPACE")
    await places.create(name="Company board", where=places.workspace, scope="WORKSPACE")
    await places.create(name="Space only mine", where=places.space)

    in_project = await places.names(owner)
    in_space = await places.names(owner, places.space)
    in_workspace = await places.names(owner, places.workspace)

    assert in_project == ["Company board", "Mine", "Project board", "Space board"]
    assert in_space == ["Company board", "Space board", "Space only mine"]
    assert in_workspace == ["Company board"]


async def test_lists_put_defaults_first_then_sort_by_name_and_filter_by_type(places: Places) -> None:
    owner = places.crew.owner
    for name in ("banana", "Apple", "cherry"):
        await places.create(name=name)
    await places.create(name="Zebra", is_default=True)
    await places.create(name="Board", view_type="KANBAN")

    everything = await places.names(owner)
    boards = await places.names(owner, view_type="KANBAN")

    assert everything == ["Zebra", "Apple", "banana", "Board", "cherry"]
    assert boards == ["Board"]


async def test_lists_come_in_pages(places: Places) -> None:
    owner = places.crew.owner
    for name in ("e", "d", "c", "b"):
        await places.create(name=name)
    await places.create(name="z", is_default=True)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"project_id": places.project_id, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await owner.get(VIEWS, params=params)).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    bad = await owner.get(VIEWS, params={"project_id": places.project_id, "cursor": "bm90LW91cnM"})

    assert seen == ["z", "b", "c", "d", "e"]
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cursor")


async def test_duplicating_makes_a_personal_copy_unless_told_otherwise(places: Places) -> None:
    owner, editor = places.crew.owner, places.crew.editor
    shared = await places.create(name="Team board", scope="PROJECT", filters=OPEN_BUGS, is_default=True)

    copy = await editor.post(f"{VIEWS}/{shared['id']}/duplicate")
    named = await owner.post(f"{VIEWS}/{shared['id']}/duplicate", json={"name": "Team board v2", "scope": "PROJECT"})
    long_named = await places.create(name="x" * 100)
    long_copy = await owner.post(f"{VIEWS}/{long_named['id']}/duplicate", json={})

    assert copy.status_code == 201
    assert {name: copy.json()[name] for name in ("name", "scope", "owner_id", "filters", "is_default")} == {
        "name": "Team board (copy)",
        "scope": "PERSONAL",
        "owner_id": editor.id,
        "filters": OPEN_BUGS,
        "is_default": False,
    }
    assert (named.status_code, named.json()["name"], named.json()["scope"]) == (201, "Team board v2", "PROJECT")
    assert long_copy.json()["name"] == "x" * 93 + " (copy)"
    assert await places.names(editor) == ["Team board", "Team board (copy)", "Team board v2"]


async def test_the_default_view_is_mine_first_then_the_narrowest_shared_one(places: Places) -> None:
    owner, editor = places.crew.owner, places.crew.editor
    default_url = f"{VIEWS}/default"
    params = {"project_id": places.project_id, "view_type": "KANBAN"}
    assert (await editor.get(default_url, params=params)).json()["code"] == "view_not_found"

    await places.create(name="Company", where=places.workspace, view_type="KANBAN", scope="WORKSPACE", is_default=True)
    from_workspace = (await editor.get(default_url, params=params)).json()["name"]
    await places.create(name="Team", view_type="KANBAN", scope="PROJECT", is_default=True)
    from_project = (await editor.get(default_url, params=params)).json()["name"]
    mine = await places.create(editor, name="Just me", view_type="KANBAN")
    made = await editor.post(f"{VIEWS}/{mine['id']}/default")
    personal = (await editor.get(default_url, params=params)).json()["name"]
    for_owner = (await owner.get(default_url, params=params)).json()["name"]
    no_list_default = await editor.get(default_url, params=params | {"view_type": "LIST"})

    assert (made.status_code, made.json()["is_default"]) == (200, True)
    assert (from_workspace, from_project, personal, for_owner) == ("Company", "Team", "Just me", "Team")
    assert (no_list_default.status_code, no_list_default.json()["code"]) == (404, "view_not_found")


async def test_making_a_view_the_default_clears_the_previous_one_of_its_kind(places: Places) -> None:
    owner = places.crew.owner
    first = await places.create(name="First", scope="PROJECT", is_default=True)
    mine = await places.create(name="Mine", is_default=True)
    board = await places.create(name="Board", view_type="KANBAN", scope="PROJECT", is_default=True)
    second = await places.create(name="Second", scope="PROJECT")

    await owner.post(f"{VIEWS}/{second['id']}/default")
    defaults = {
        view["name"]: view["is_default"]
        for view in (await owner.get(VIEWS, params={"project_id": places.project_id})).json()["items"]
    }
    unset = await owner.patch(f"{VIEWS}/{second['id']}", json={"is_default": False})
    none_left = await owner.get(f"{VIEWS}/default", params={"project_id": places.project_id, "view_type": "LIST"})

    assert defaults == {"First": False, "Second": True, "Mine": True, "Board": True}
    assert (first["is_default"], mine["is_default"], board["is_default"]) == (True, True, True)
    assert unset.json()["is_default"] is False
    assert none_left.json()["name"] == "Mine"


async def test_a_view_can_be_shared_and_taken_back(places: Places) -> None:
    owner, editor = places.crew.owner, places.crew.editor
    view = await places.create(name="Draft")
    assert await places.names(editor) == []

    shared = await owner.patch(f"{VIEWS}/{view['id']}", json={"scope": "PROJECT"})
    seen_by_editor = await places.names(editor)
    private = await owner.patch(f"{VIEWS}/{view['id']}", json={"scope": "PERSONAL"})

    assert (shared.json()["scope"], shared.json()["owner_id"]) == ("PROJECT", None)
    assert seen_by_editor == ["Draft"]
    assert (private.json()["scope"], private.json()["owner_id"]) == ("PERSONAL", owner.id)
    assert await places.names(editor) == []
