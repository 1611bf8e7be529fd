"""Creating, reading and editing work items through the API, as a client would."""

from __future__ import annotations

import uuid

from tests.tasks.conftest import Board, new_project


async def test_a_new_item_gets_the_next_key_and_the_initial_status(board: Board) -> None:
    first = await board.new(title="Set up CI")
    second = await board.new(title="Write the README", type="STORY")

    assert (first["key"], second["key"]) == ("WEB-1", "WEB-2")
    assert first["status"]["key"] == "TODO"
    assert second["type"] == "STORY"
    assert first["priority"] == "MEDIUM"
    assert first["reporter_id"] == board.crew.owner.id
    assert first["version"] == 1
    assert first["position"] < second["position"]  # new items go to the bottom of their column


async def test_an_item_is_found_by_id_and_by_key(board: Board) -> None:
    created = await board.new(title="Find me")

    by_id = await board.crew.owner.get(f"/api/v1/tasks/{created['id']}")
    by_key = await board.crew.owner.get("/api/v1/tasks/web-1")

    assert by_id.status_code == by_key.status_code == 200
    assert by_key.json()["id"] == created["id"]
    assert by_id.headers["etag"] == '"1"'


async def test_the_description_is_rendered_without_anything_unsafe(board: Board) -> None:
    created = await board.new(
        description="**Bold** and a [link](https://example.com) <script>alert(1)</script> [x](javascript:alert(1))"
    )

    html = created["description_html"]
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html


async def test_an_edit_with_the_current_version_applies_and_a_stale_one_is_refused(board: Board) -> None:
    created = await board.new(title="Draft")
    url = f"/api/v1/tasks/{created['id']}"

    edited = await board.crew.owner.client.patch(
        url, json={"title": "Final", "priority": "HIGH"}, headers={"If-Match": '"1"'}
    )
    stale = await board.crew.owner.client.patch(url, json={"title": "Lost"}, headers={"If-Match": '"1"'})

    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["priority"], edited.json()["version"]) == ("Final", "HIGH", 2)
    assert edited.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"
    assert (await board.crew.owner.get(url)).json()["title"] == "Final"


async def test_people_labels_dates_and_estimates_are_kept(board: Board) -> None:
    created = await board.new(
        assignee_ids=[board.crew.owner.id, board.crew.admin.id],
        labels=["frontend", "Urgent fix"],
        start_date="2026-12-01",
        due_date="2026-12-10",
        story_points=5,
        estimated_hours=12.5,
        flagged=True,
    )

    assert sorted(person["name"] for person in created["assignees"]) == ["Adam Admin", "Olivia Owner"]
    assert [label["name"] for label in created["labels"]] == ["frontend", "Urgent fix"]
    assert (created["due_date"], created["story_points"], created["flagged"]) == ("2026-12-10", 5.0, True)
    labels = await board.crew.owner.get(f"/api/v1/projects/{board.project_id}/labels")
    assert [label["name"] for label in labels.json()["items"]] == ["frontend", "Urgent fix"]


async def test_bad_input_is_refused_naming_the_field(board: Board) -> None:
    owner = board.crew.owner
    cases = {
        "title": {"title": ""},
        "description": {"title": "x", "description": "a" * 65_001},
        "type": {"title": "x", "type": "SAGA"},
        "priority": {"title": "x", "priority": "SOMEDAY"},
        "due_date": {"title": "x", "start_date": "2026-12-10", "due_date": "2026-12-01"},
        "status_id": {"title": "x", "status_id": str(uuid.uuid4())},
        "story_points": {"title": "x", "story_points": 101},
        "assignee_ids.0": {"title": "x", "assignee_ids": [board.crew.outsider.id]},
        "epic_id": {"title": "x", "epic_id": str(uuid.uuid4())},
    }
    for field, body in cases.items():
        response = await owner.post(board.tasks_url, json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        fields = [error["field"].removeprefix("body.") for error in response.json()["errors"]]
        assert field in fields, (field, response.json())
    assert (await owner.get(board.tasks_url)).json()["total"] == 0  # nothing half-written


async def test_a_non_initial_status_cannot_start_an_item(board: Board) -> None:
    response = await board.crew.owner.post(board.tasks_url, json={"title": "x", "status_id": board.statuses["DONE"]})

    assert response.status_code == 422
    assert response.json()["code"] == "not_initial_status"


async def test_the_hierarchy_follows_the_type_rules_and_has_no_cycles(board: Board) -> None:
    epic = await board.new(title="Checkout", type="EPIC")
    story = await board.new(title="Pay by card", type="STORY", epic_id=epic["id"], parent_id=epic["id"])
    subtask = await board.new(title="Card form", type="SUBTASK", parent_id=story["id"])

    under_subtask = await board.crew.owner.post(
        board.tasks_url, json={"title": "Too deep", "type": "TASK", "parent_id": subtask["id"]}
    )
    epic_under_story = await board.crew.owner.patch(f"/api/v1/tasks/{epic['id']}", json={"parent_id": story["id"]})
    not_an_epic = await board.crew.owner.post(board.tasks_url, json={"title": "x", "epic_id": story["id"]})

    assert story["epic_id"] == epic["id"]
    assert subtask["parent_id"] == story["id"]
    assert under_subtask.status_code == 422
    assert under_subtask.json()["code"] == "parent_type_not_allowed"
    assert epic_under_story.status_code == 422
    assert epic_under_story.json()["errors"][0]["field"] == "parent_id"
    assert not_an_epic.json()["code"] == "not_an_epic"


async def test_a_cycle_of_custom_types_is_refused(board: Board) -> None:
    owner = board.crew.owner
    types_url = f"/api/v1/projects/{board.project_id}/work-item-types"
    saga = await owner.post(types_url, json={"key": "SAGA", "name": "Saga"})
    theme = await owner.post(
        types_url,
        json={"key": "THEME", "name": "Theme", "allowed_parent_types": ["SAGA"], "allowed_child_types": ["SAGA"]},
    )
    assert (saga.status_code, theme.status_code) == (201, 201), theme.text
    top = await board.new(title="Top", type="SAGA")
    middle = await board.new(title="Middle", type="THEME", parent_id=top["id"])

    looped = await owner.patch(f"/api/v1/tasks/{top['id']}", json={"parent_id": middle["id"]})

    assert looped.status_code == 422
    assert looped.json()["code"] == "hierarchy_cycle"


async def test_another_tenants_items_and_projects_do_not_exist_for_me(board: Board) -> None:
    crew = board.crew
    theirs = await new_project(crew.outsider, crew.other_workspace_id, key="OTH")
    their_task = (await crew.outsider.post(f"/api/v1/projects/{theirs['id']}/tasks", json={"title": "Secret"})).json()

    assert (await crew.owner.get(f"/api/v1/tasks/{their_task['id']}")).status_code == 404
    assert (await crew.owner.get("/api/v1/tasks/OTH-1")).json()["code"] == "task_not_found"
    assert (await crew.owner.post(f"/api/v1/projects/{theirs['id']}/tasks", json={"title": "x"})).status_code == 404
    as_parent = await crew.owner.post(board.tasks_url, json={"title": "x", "parent_id": their_task["id"]})
    assert (as_parent.status_code, as_parent.json()["code"]) == (422, "unknown_parent")


async def test_a_viewer_reads_but_cannot_write(board: Board) -> None:
    created = await board.new(title="Read only")
    viewer = board.crew.viewer
    response = await viewer.client.post(
        f"/api/v1/workspaces/{board.crew.workspace_id}/projects", json={"name": "x", "key": "XX"}
    )
    assert response.status_code == 403

    assert (await viewer.get(f"/api/v1/tasks/{created['id']}")).status_code == 404  # not a project member
    assert (await board.crew.admin.get(f"/api/v1/tasks/{created['id']}")).status_code == 200  # workspace admin


async def test_deleted_items_wait_in_the_trash_and_can_be_restored(board: Board) -> None:
    owner = board.crew.owner
    created = await board.new(title="Oops")

    deleted = await owner.delete(f"/api/v1/tasks/{created['id']}")
    gone = await owner.get(f"/api/v1/tasks/{created['id']}")
    trash = await owner.get(f"/api/v1/projects/{board.project_id}/trash")
    restored = await owner.post(f"/api/v1/projects/{board.project_id}/trash/{created['id']}/restore")

    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert [item["key"] for item in trash.json()["items"]] == ["WEB-1"]
    assert restored.status_code == 200
    assert (await owner.get(f"/api/v1/tasks/{created['id']}")).status_code == 200


async def test_split_and_clone_copy_what_they_should(board: Board) -> None:
    owner = board.crew.owner
    original = await board.new(
        title="Big thing", type="STORY", priority="HIGH", labels=["api"], assignee_ids=[owner.id]
    )

    split = await owner.post(f"/api/v1/tasks/{original['id']}/split", json={"titles": ["Part one", "Part two"]})
    clone = await owner.post(f"/api/v1/tasks/{original['id']}/clone", json={})
    one_title = await owner.post(f"/api/v1/tasks/{original['id']}/split", json={"titles": ["Only one"]})

    assert split.status_code == 201
    parts = split.json()["items"]
    assert [(part["key"], part["title"], part["type"], part["priority"]) for part in parts] == [
        ("WEB-2", "Part one", "STORY", "HIGH"),
        ("WEB-3", "Part two", "STORY", "HIGH"),
    ]
    assert parts[0]["assignees"][0]["id"] == owner.id
    assert clone.json()["title"] == "Big thing (copy)"
    assert [label["name"] for label in clone.json()["labels"]] == ["api"]
    assert one_title.status_code == 422


async def test_bulk_changes_apply_to_all_or_to_none(board: Board) -> None:
    owner = board.crew.owner
    first, second = await board.new(title="One"), await board.new(title="Two")

    updated = await owner.post(
        "/api/v1/tasks/bulk",
        json={"action": "update", "task_ids": [first["id"], second["id"]], "changes": {"priority": "URGENT"}},
    )
    refused = await owner.post(
        "/api/v1/tasks/bulk",
        json={"action": "update", "task_ids": [first["id"], str(uuid.uuid4())], "changes": {"priority": "LOW"}},
    )
    deleted = await owner.post("/api/v1/tasks/bulk", json={"action": "delete", "task_ids": [first["id"], second["id"]]})

    assert [item["priority"] for item in updated.json()["items"]] == ["URGENT", "URGENT"]
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["field"] == "task_ids.1"
    assert deleted.status_code == 200
    assert (await owner.get(board.tasks_url)).json()["total"] == 0
