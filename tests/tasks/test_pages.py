"""The work item pages over HTTP, as a browser and htmx use them: the board and its drag-and-drop
endpoint, the item table with filters from the URL and inline edits, the item page's form, the trash."""

from __future__ import annotations

import json
import re

from tests.tasks.conftest import Board

HTMX = {"HX-Request": "true"}


def card_keys(html: str, status: str) -> list[str]:
    column = html.split(f'data-column="{status}"')[1].split("</ol>", maxsplit=1)[0]
    return re.findall(r'href="/tasks/([A-Z]+-\d+)" class="font-mono', column)


async def test_the_board_page_shows_each_column_with_its_cards(board: Board) -> None:
    await board.new(title="Set up CI", type="BUG", labels=["infra"])
    await board.new(title="Write docs")

    page = await board.crew.owner.get(f"/projects/{board.project_id}/board")

    assert page.status_code == 200
    assert card_keys(page.text, board.statuses["TODO"]) == ["WEB-1", "WEB-2"]
    for name in ("To Do", "Assigned", "In Progress", "In Review", "Done", "Set up CI", "infra"):
        assert name in page.text
    found = re.search(r'data-allowed-moves="([^"]+)"', page.text)
    assert found is not None
    allowed = json.loads(found.group(1).replace("&#34;", '"'))
    assert allowed[board.statuses["TODO"]] == [board.statuses["ASSIGNED"]]


async def test_dropping_a_card_moves_it_and_a_forbidden_drop_says_why(board: Board) -> None:
    first = await board.new(title="First")
    second = await board.new(title="Second")
    move_url = f"/projects/{board.project_id}/board/move"

    moved = await board.crew.owner.post(
        move_url,
        data={"item": second["id"], "column": board.statuses["ASSIGNED"], "after": "", "before": "", "version": "1"},
        headers=HTMX,
    )
    refused = await board.crew.owner.post(
        move_url, data={"item": first["id"], "column": board.statuses["DONE"], "version": "1"}, headers=HTMX
    )

    assert moved.status_code == 204
    assert moved.headers["x-task-version"] == "2"
    assert refused.status_code == 422
    assert refused.json()["code"] == "TRANSITION_NOT_DEFINED"
    assert "transition" in refused.json()["detail"].lower()
    page = (await board.crew.owner.get(f"/projects/{board.project_id}/board")).text
    assert card_keys(page, board.statuses["ASSIGNED"]) == ["WEB-2"]


async def test_a_viewer_without_edit_rights_gets_no_drag_and_drop(board: Board) -> None:
    await board.new(title="Look only")
    add = await board.crew.owner.post(
        f"/api/v1/projects/{board.project_id}/members",
        json={"user_id": board.crew.viewer.id, "role_id": await role_id(board, "VIEWER")},
    )
    assert add.status_code == 201, add.text

    page = await board.crew.viewer.get(f"/projects/{board.project_id}/board")

    assert page.status_code == 200
    assert "data-sortable-item" not in page.text
    assert "data-move-url" not in page.text
    assert "New item" not in page.text


async def role_id(board: Board, name: str) -> str:
    roles = (await board.crew.owner.get(f"/api/v1/projects/{board.project_id}/roles")).json()["items"]
    return str(next(role["id"] for role in roles if role["name"] == name))


async def test_the_new_item_form_creates_and_opens_the_item_or_explains(board: Board) -> None:
    url = f"/projects/{board.project_id}/items/new"

    created = await board.crew.owner.post(
        url, data={"title": "From the modal", "type": "STORY", "priority": "HIGH"}, headers=HTMX
    )
    refused = await board.crew.owner.post(url, data={"title": "", "type": "STORY", "priority": "HIGH"}, headers=HTMX)

    assert created.headers["hx-redirect"] == "/tasks/WEB-1"
    assert refused.status_code == 422
    assert "This field is required." in refused.text or "at least 1 character" in refused.text


async def test_the_item_table_filters_from_the_url_and_sorts(board: Board) -> None:
    await board.new(title="Alpha bug", type="BUG")
    await board.new(title="Beta story", type="STORY")
    await board.new(title="Gamma bug", type="BUG", priority="URGENT")

    bugs = await board.crew.owner.get(
        f"/projects/{board.project_id}/items", params={"where": "type|EQUALS|BUG", "sort": "-priority"}
    )
    wrong = await board.crew.owner.get(f"/projects/{board.project_id}/items", params={"where": "salary|GT|3"})

    assert bugs.status_code == 200
    assert re.findall(r'data-task-key="(WEB-\d)"', bugs.text) == ["WEB-3", "WEB-1"]
    assert "2</span> items" in bugs.text
    assert wrong.status_code == 200
    assert "This filter can&#39;t be used" in wrong.text
    assert "salary is not a field" in wrong.text


async def test_an_inline_edit_answers_with_the_row_and_a_stale_one_is_refused(board: Board) -> None:
    item = await board.new(title="Old title")
    url = f"/tasks/{item['id']}/inline"

    edited = await board.crew.owner.post(
        url, data={"field": "title", "value": "New title", "version": "1"}, headers=HTMX
    )
    stale = await board.crew.owner.post(url, data={"field": "priority", "value": "LOW", "version": "1"}, headers=HTMX)

    assert edited.status_code == 200
    assert 'value="New title"' in edited.text
    assert stale.status_code == 412
    assert stale.json()["code"] == "version_mismatch"


async def test_the_item_page_saves_its_form_and_reports_a_concurrent_change(board: Board) -> None:
    item = await board.new(title="Detailed", description="Some *emphasis*")
    owner = board.crew.owner

    page = await owner.get("/tasks/WEB-1")
    saved = await owner.post(
        f"/tasks/{item['id']}/edit",
        data={
            "version": "1",
            "title": "Detailed item",
            "type": "TASK",
            "priority": "HIGH",
            "status_id": board.statuses["TODO"],
            "labels": "api, backend",
            "description": "New text",
        },
        headers=HTMX,
    )
    stale = await owner.post(
        f"/tasks/{item['id']}/edit",
        data={
            "version": "1",
            "title": "Overwrite",
            "type": "TASK",
            "priority": "LOW",
            "status_id": board.statuses["TODO"],
        },
        headers=HTMX,
    )

    assert page.status_code == 200
    assert "<em>emphasis</em>" in page.text
    assert saved.status_code == 200
    stored = (await owner.get(f"/api/v1/tasks/{item['id']}")).json()
    assert (stored["title"], stored["priority"], [label["name"] for label in stored["labels"]]) == (
        "Detailed item",
        "HIGH",
        ["api", "backend"],
    )
    assert stale.status_code == 422
    assert "Someone changed this item meanwhile" in stale.text
    assert (await owner.get(f"/api/v1/tasks/{item['id']}")).json()["title"] == "Detailed item"


async def test_the_trash_page_lists_deleted_items_and_restores_them(board: Board) -> None:
    item = await board.new(title="Binned")
    deleted = await board.crew.owner.client.delete(f"/tasks/{item['id']}", headers=HTMX)

    trash = await board.crew.owner.get(f"/projects/{board.project_id}/trash")
    restored = await board.crew.owner.post(f"/projects/{board.project_id}/trash/{item['id']}/restore", headers=HTMX)

    assert deleted.headers["hx-redirect"] == f"/projects/{board.project_id}/board"
    assert "Binned" in trash.text
    assert restored.headers["hx-redirect"] == "/tasks/WEB-1"


async def test_another_tenant_sees_no_board(board: Board) -> None:
    page = await board.crew.outsider.client.get(f"/projects/{board.project_id}/board", headers={"Accept": "text/html"})

    assert page.status_code == 404


async def test_the_status_cell_offers_only_the_moves_the_workflow_allows(board: Board) -> None:
    item = await board.new(title="Fresh")

    page = await board.crew.owner.get(f"/projects/{board.project_id}/items")

    cell = page.text.split(f'id="status-{item["id"]}"')[1].split("</select>")[0]
    assert re.findall(r">([A-Za-z ]+)</option>", cell) == ["To Do", "Assigned"]


async def test_a_saved_view_keeps_the_table_and_can_be_the_default_copied_and_deleted(board: Board) -> None:
    owner = board.crew.owner
    await board.new(title="A bug", type="BUG")
    await board.new(title="A story", type="STORY")
    items_url = f"/projects/{board.project_id}/items"

    saved = await owner.post(
        f"/projects/{board.project_id}/views?where=type|EQUALS|BUG&columns=key,title",
        data={"name": "Bugs only"},
        headers=HTMX,
    )
    view_url = saved.headers["hx-redirect"]
    view_id = view_url.rsplit("=", 1)[1]
    in_view = await owner.get(view_url)
    defaulted = await owner.post(f"/projects/{board.project_id}/views/{view_id}/default", headers=HTMX)
    plain = await owner.get(items_url)
    copied = await owner.post(f"/projects/{board.project_id}/views/{view_id}/duplicate", headers=HTMX)
    deleted = await owner.client.delete(f"/projects/{board.project_id}/views/{view_id}", headers=HTMX)

    assert re.findall(r'data-task-key="(WEB-\d)"', in_view.text) == ["WEB-1"]
    assert 'value="type|EQUALS|BUG"' in in_view.text
    assert defaulted.status_code == 204
    assert re.findall(r'data-task-key="(WEB-\d)"', plain.text) == ["WEB-1"]  # the default view applies
    assert "Bugs only (copy)" in (await owner.get(copied.headers["hx-redirect"])).text
    assert deleted.headers["hx-redirect"] == items_url
    assert f"?view={view_id}" in in_view.text
    assert f"?view={view_id}" not in (await owner.get(items_url)).text


async def test_splitting_from_the_item_page_needs_two_titles(board: Board) -> None:
    item = await board.new(title="Too big")
    url = f"/tasks/{item['id']}/split"

    refused = await board.crew.owner.post(url, data={"titles": "Only one"}, headers=HTMX)
    split = await board.crew.owner.post(url, data={"titles": "First half\n\nSecond half\n"}, headers=HTMX)

    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "titles")
    assert split.headers["hx-redirect"] == f"/projects/{board.project_id}/items"
    listed = (await board.crew.owner.get(board.tasks_url, params={"sort": "number"})).json()["items"]
    assert [each["title"] for each in listed] == ["Too big", "First half", "Second half"]
