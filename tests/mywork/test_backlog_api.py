"""The personal backlog API: private items per person and workspace, edited, moved between and within
the three columns by fractional positions, and promoted (once) into a project's work items."""

from __future__ import annotations

from typing import Any

from tests.mywork.conftest import Desk
from tests.tasks.conftest import new_project


async def titles(desk: Desk, person: Any = None, **params: Any) -> list[tuple[str, str]]:
    response = await (person or desk.crew.owner).get(desk.backlog_url, params=params)
    assert response.status_code == 200, response.text
    return [(item["status"], item["title"]) for item in response.json()["items"]]


async def test_an_item_is_created_with_its_fields_and_only_its_owner_sees_it(desk: Desk) -> None:
    owner, editor = desk.crew.owner, desk.crew.editor
    response = await owner.post(
        desk.backlog_url,
        json={
            "title": "  Try the new date picker  ",
            "description": "Check keyboard use",
            "type": "IDEA",
            "priority": "HIGH",
            "labels": ["ui", "ui", "research"],
            "due_date": "2030-01-31",
            "estimated_hours": 2.5,
            "flagged": True,
        },
    )

    assert response.status_code == 201
    item = response.json()
    assert item["title"] == "Try the new date picker"
    assert (item["type"], item["priority"], item["status"]) == ("IDEA", "HIGH", "TODO")
    assert item["labels"] == ["ui", "research"]
    assert (item["due_date"], item["estimated_hours"], item["flagged"]) == ("2030-01-31", 2.5, True)
    assert item["promoted_task_id"] is None
    assert item["workspace_id"] == str(desk.crew.workspace_id)
    assert await titles(desk) == [("TODO", "Try the new date picker")]
    assert await titles(desk, editor) == []

    for answer in (
        await editor.patch(f"{desk.backlog_url}/{item['id']}", json={"title": "Mine now"}),
        await editor.delete(f"{desk.backlog_url}/{item['id']}"),
        await editor.post(f"{desk.backlog_url}/{item['id']}/move", json={"status": "DONE"}),
        await editor.post(f"{desk.backlog_url}/{item['id']}/promote", json={"project_id": desk.project["id"]}),
    ):
        assert answer.status_code == 404
        assert answer.json()["code"] == "backlog_item_not_found"
    assert await titles(desk) == [("TODO", "Try the new date picker")]


async def test_another_tenants_workspace_and_signed_out_visitors_are_refused(desk: Desk) -> None:
    outsider = desk.crew.outsider
    hidden = await outsider.get(desk.backlog_url)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "workspace_not_found"
    assert (await outsider.post(desk.backlog_url, json={"title": "Sneak"})).status_code == 404
    assert (await desk.crew.anonymous.get(desk.backlog_url)).status_code == 401
    # an item id from the outsider's own workspace is not found in this one either
    theirs = await outsider.post(f"/api/v1/workspaces/{desk.crew.other_workspace_id}/backlog", json={"title": "Mine"})
    assert theirs.status_code == 201
    moved = await desk.crew.owner.patch(f"{desk.backlog_url}/{theirs.json()['id']}", json={"title": "x"})
    assert moved.status_code == 404


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 501}, "title"),
    ({"title": 7}, "title"),
    ({"title": "ok", "description": "x" * 65_001}, "description"),
    ({"title": "ok", "labels": [f"l{n}" for n in range(21)]}, "labels"),
    ({"title": "ok", "labels": ["x" * 51]}, "labels"),
    ({"title": "ok", "labels": "ui"}, "labels"),
    ({"title": "ok", "estimated_hours": -1}, "estimated_hours"),
    ({"title": "ok", "estimated_hours": 100_001}, "estimated_hours"),
    ({"title": "ok", "type": "CHORE"}, "type"),
    ({"title": "ok", "priority": "SOMEDAY"}, "priority"),
    ({"title": "ok", "status": "BLOCKED"}, "status"),
    ({"title": "ok", "due_date": "tomorrow"}, "due_date"),
    ({"title": "ok", "flagged": "very"}, "flagged"),
    ({"title": "ok", "owner": "someone"}, "owner"),
]


async def test_bad_input_is_refused_naming_the_field(desk: Desk) -> None:
    for body, field in BAD_BODIES:
        response = await desk.crew.owner.post(desk.backlog_url, json=body)

        assert response.status_code == 422, body
        assert field in {error["field"].split(".")[0] for error in response.json()["errors"]}, body
    assert await titles(desk) == []


async def test_an_update_changes_what_was_sent_and_null_clears(desk: Desk) -> None:
    owner = desk.crew.owner
    item = await desk.item(description="Old", due_date="2030-01-01", estimated_hours=3, labels=["a"])
    first_done = await desk.item(title="Finished", status="DONE")
    url = f"{desk.backlog_url}/{item['id']}"

    response = await owner.patch(url, json={"title": "Renamed", "description": None, "labels": None, "status": "DONE"})

    assert response.status_code == 200
    changed = response.json()
    assert (changed["title"], changed["description"], changed["labels"]) == ("Renamed", None, [])
    assert (changed["due_date"], changed["estimated_hours"]) == ("2030-01-01", 3.0)
    assert changed["status"] == "DONE"
    assert changed["position"] > first_done["position"]  # a new column: it lands at the bottom
    assert await titles(desk, status="DONE") == [("DONE", "Finished"), ("DONE", "Renamed")]

    for field in ("title", "type", "priority", "status", "flagged"):
        refused = await owner.patch(url, json={field: None})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field
    assert (await owner.patch(url, json={"estimated_hours": 100_001})).status_code == 422
    assert (await owner.patch(f"{desk.backlog_url}/not-an-id", json={})).status_code == 422


async def test_items_move_within_and_between_columns(desk: Desk) -> None:
    owner = desk.crew.owner
    a = await desk.item(title="A")
    b = await desk.item(title="B")
    c = await desk.item(title="C")
    d = await desk.item(title="D", status="IN_PROGRESS")

    async def move(item: dict[str, Any], **body: Any) -> Any:
        return await owner.post(f"{desk.backlog_url}/{item['id']}/move", json=body)

    assert (await move(c, status="TODO", after_id=a["id"], before_id=b["id"])).status_code == 200
    assert await titles(desk) == [("TODO", "A"), ("TODO", "C"), ("TODO", "B"), ("IN_PROGRESS", "D")]
    assert (await move(b, status="IN_PROGRESS")).status_code == 200  # no neighbours: the top
    assert (await move(a, status="IN_PROGRESS", after_id=d["id"])).status_code == 200
    assert (await move(c, status="DONE")).status_code == 200
    assert await titles(desk) == [("IN_PROGRESS", "B"), ("IN_PROGRESS", "D"), ("IN_PROGRESS", "A"), ("DONE", "C")]

    wrong_column = await move(b, status="DONE", after_id=d["id"])
    assert wrong_column.status_code == 422
    assert wrong_column.json()["errors"][0]["field"] == "after_id"
    someone_elses = await desk.item(desk.crew.editor, title="Editor's")
    foreign = await move(b, status="TODO", before_id=someone_elses["id"])
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "before_id"
    assert (await move(b, status="LATER")).status_code == 422
    assert (await move(b)).status_code == 422


async def test_promotion_makes_a_task_once_and_needs_task_creation_in_the_project(desk: Desk) -> None:
    owner, viewer = desk.crew.owner, desk.crew.viewer
    idea = await desk.item(
        title="Dark mode for emails", type="IDEA", priority="HIGH", labels=["mail"], description="Soon", flagged=True
    )
    url = f"{desk.backlog_url}/{idea['id']}/promote"

    response = await owner.post(url, json={"project_id": desk.project["id"]})

    assert response.status_code == 201
    promoted = response.json()
    assert promoted["task_key"] == "WEB-1"
    assert promoted["item"]["promoted_task_id"] == promoted["task_id"]
    assert promoted["item"]["promoted_task_key"] == "WEB-1"
    assert promoted["item"]["promoted_at"] is not None
    task = (await owner.get("/api/v1/tasks/WEB-1")).json()
    assert (task["title"], task["type"], task["priority"], task["flagged"]) == (
        "Dark mode for emails",
        "TASK",
        "HIGH",
        True,
    )
    assert task["description"] == "Soon"
    assert [label["name"] for label in task["labels"]] == ["mail"]
    listed = (await owner.get(desk.backlog_url)).json()["items"][0]
    assert listed["promoted_task_key"] == "WEB-1"

    again = await owner.post(url, json={"project_id": desk.project["id"]})
    assert again.status_code == 409
    assert again.json()["code"] == "backlog_item_promoted"

    bug = await desk.item(title="Broken link", type="BUG")
    as_story = await owner.post(
        f"{desk.backlog_url}/{bug['id']}/promote", json={"project_id": desk.project["id"], "type": "STORY"}
    )
    assert as_story.status_code == 201
    assert (await owner.get(f"/api/v1/tasks/{as_story.json()['task_key']}")).json()["type"] == "STORY"

    viewer_item = await desk.item(viewer, title="Viewer's idea")
    viewer_url = f"{desk.backlog_url}/{viewer_item['id']}/promote"
    hidden = await viewer.post(viewer_url, json={"project_id": desk.project["id"]})
    assert hidden.status_code == 404  # a workspace viewer who is not in the project does not see it
    assert hidden.json()["code"] == "project_not_found"
    await desk.join_project(viewer, "VIEWER")
    forbidden = await viewer.post(viewer_url, json={"project_id": desk.project["id"]})
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert (await viewer.get(desk.backlog_url)).json()["items"][0]["promoted_task_id"] is None


async def test_promotion_refuses_without_permission_elsewhere_or_with_bad_input(desk: Desk) -> None:
    owner, outsider = desk.crew.owner, desk.crew.outsider
    item = await desk.item(title="Idea")
    url = f"{desk.backlog_url}/{item['id']}/promote"
    next_door = await new_project(outsider, desk.crew.other_workspace_id, key="NXT")
    own_elsewhere = await desk.crew.town.new_workspace(owner, name="Elsewhere")
    elsewhere = await new_project(owner, own_elsewhere, key="ELS")

    other_tenant = await owner.post(url, json={"project_id": next_door["id"]})
    assert other_tenant.status_code == 404
    assert other_tenant.json()["code"] == "project_not_found"
    other_workspace = await owner.post(url, json={"project_id": elsewhere["id"]})
    assert other_workspace.status_code == 422
    assert other_workspace.json()["errors"][0]["field"] == "project_id"

    assert (await owner.post(url, json={"project_id": "00000000-0000-0000-0000-000000000007"})).status_code == 404
    bad_bodies: tuple[tuple[dict[str, Any], str], ...] = (
        ({}, "project_id"),
        ({"project_id": "x"}, "project_id"),
        ({"project_id": desk.project["id"], "type": "no such"}, "type"),
    )
    for body, field in bad_bodies:
        refused = await owner.post(url, json=body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field
    unknown_type = await owner.post(url, json={"project_id": desk.project["id"], "type": "SPIKE"})
    assert unknown_type.status_code == 422
    assert unknown_type.json()["errors"][0]["field"] == "type"
    assert (await owner.get(desk.backlog_url)).json()["items"][0]["promoted_task_id"] is None


async def test_delete_removes_the_item(desk: Desk) -> None:
    item = await desk.item()
    url = f"{desk.backlog_url}/{item['id']}"

    assert (await desk.crew.owner.delete(url)).status_code == 204
    assert await titles(desk) == []
    gone = await desk.crew.owner.delete(url)
    assert gone.status_code == 404
    assert gone.json()["code"] == "backlog_item_not_found"


async def test_the_list_pages_column_by_column_at_a_constant_cost(desk: Desk, count_sql: Any) -> None:
    owner = desk.crew.owner
    for status, names in (("DONE", "ab"), ("TODO", "cd"), ("IN_PROGRESS", "e")):
        for name in names:
            await desk.item(title=name, status=status)

    pages, cursor = [], None
    while True:
        body = (await owner.get(desk.backlog_url, params={"limit": 2} | ({"cursor": cursor} if cursor else {}))).json()
        pages.append([item["title"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == [["c", "d"], ["e", "a"], ["b"]]
    assert (await owner.get(desk.backlog_url, params={"cursor": "bm9wZQ"})).status_code == 422

    with count_sql() as counter:
        assert (await owner.get(desk.backlog_url, params={"limit": 200})).status_code == 200
    few = counter.count
    for n in range(30):
        await desk.item(title=f"more {n}", status=("TODO", "DONE")[n % 2])
    with count_sql() as counter:
        assert len((await owner.get(desk.backlog_url, params={"limit": 200})).json()["items"]) == 35
    assert counter.count == few
