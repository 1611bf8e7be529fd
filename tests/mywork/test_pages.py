"""The My work and backlog pages over HTTP, as a browser and htmx use them: tabs, table and chart; the
backlog's board, quick add, drop, edit and promote dialogs (answered with the backlog's body, or 422
with the form's messages), delete, and the same guards as the API."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx

from fairlx.core.clock import utcnow
from tests.mywork.conftest import Desk

HTMX = {"HX-Request": "true"}
BROWSER = {"Accept": "text/html"}


def toast_of(answer: httpx.Response) -> str:
    title: str = json.loads(answer.headers["hx-trigger"])["toast"]["title"]
    return title


async def test_my_work_shows_my_items_in_tabs_with_a_chart(desk: Desk) -> None:
    admin = desk.crew.admin
    overdue = (utcnow().date() - timedelta(days=2)).isoformat()
    late = await desk.task(title="Late report", assignee_ids=[admin.id], due_date=overdue, priority="URGENT")
    await desk.task(title="Someday", assignee_ids=[admin.id])
    closed = await desk.task(title="Shipped", assignee_ids=[admin.id])
    await desk.close(closed)

    page = await admin.get("/my-work")

    assert page.status_code == 200
    assert re.search(r'aria-current="page"\s+class="[^"]*">Assigned</a>', page.text)
    row = page.text.split(f'data-task-key="{late["key"]}"')[1].split("</tr>")[0]
    assert f'href="/tasks/{late["key"]}"' in row
    assert "Late report" in row
    assert "Project WEB" in row
    assert "Engineering" in row
    assert "To Do" in row
    assert "Urgent" in row
    assert "data-overdue" in row
    assert "Shipped" not in page.text
    assert 'data-bar="OPEN" data-count="2"' in page.text
    assert 'data-bar="CLOSED" data-count="1"' in page.text
    assert f'href="/workspaces/{desk.crew.workspace_id}/backlog"' in page.text

    due_soon = await admin.get("/my-work", params={"section": "due_soon"})
    assert "Late report" in due_soon.text
    assert "Someday" not in due_soon.text
    recent = await admin.get("/my-work", params={"section": "recent"})
    assert "Shipped" in recent.text


async def test_my_work_has_empty_states_and_sends_visitors_to_sign_in(desk: Desk) -> None:
    page = await desk.crew.viewer.get("/my-work")
    assert "Nothing assigned to you" in page.text
    assert "Nothing due this week" in (await desk.crew.viewer.get("/my-work?section=due_soon")).text
    assert "No recent activity" in (await desk.crew.viewer.get("/my-work?section=recent")).text

    anonymous = await desk.crew.anonymous.get("/my-work")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/sign-in?return_to=/my-work"


async def test_the_backlog_page_shows_only_my_items_in_three_columns(desk: Desk) -> None:
    owner, editor = desk.crew.owner, desk.crew.editor
    await desk.item(title="Draft the survey", labels=["research"], due_date="2030-05-04")
    await desk.item(title="Pair on the parser", status="IN_PROGRESS", type="IDEA")
    await desk.item(editor, title="Editor's secret")
    url = f"/workspaces/{desk.crew.workspace_id}/backlog"

    page = await owner.get(url)

    assert page.status_code == 200
    todo = page.text.split('data-column="TODO"')[1].split("</ol>")[0]
    doing = page.text.split('data-column="IN_PROGRESS"')[1].split("</ol>")[0]
    assert "Draft the survey" in todo
    assert "research" in todo
    assert "04 May" in todo
    assert "Pair on the parser" in doing
    assert "Idea" in doing
    assert "Editor's secret" not in page.text
    assert f'data-move-url="{url}/move"' in page.text
    assert "Your backlog is empty" in (await desk.crew.viewer.get(url)).text

    assert (await desk.crew.outsider.get(url, headers=BROWSER)).status_code == 404
    anonymous = await desk.crew.anonymous.get(url)
    assert anonymous.status_code == 303


async def test_quick_add_answers_with_the_body_or_the_refusal(desk: Desk) -> None:
    owner = desk.crew.owner
    url = f"/workspaces/{desk.crew.workspace_id}/backlog"

    added = await owner.post(url, data={"title": "Call the printer", "status": "TODO"}, headers=HTMX)

    assert added.status_code == 200
    assert toast_of(added) == "Item added"
    assert 'id="backlog"' in added.text
    assert "Call the printer" in added.text
    refused = await owner.post(url, data={"title": "", "status": "TODO"}, headers=HTMX)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    assert "Call the printer" in refused.text  # the board is still there
    too_long = await owner.post(url, data={"title": "x" * 501}, headers=HTMX)
    assert too_long.status_code == 422
    assert [item["title"] for item in (await owner.get(desk.backlog_url)).json()["items"]] == ["Call the printer"]


async def test_a_drop_moves_the_item_to_its_place(desk: Desk) -> None:
    owner = desk.crew.owner
    first = await desk.item(title="First")
    await desk.item(title="Second")
    await desk.item(title="Third", status="DONE")
    url = f"/workspaces/{desk.crew.workspace_id}/backlog/move"

    dropped = await owner.post(url, data={"item": first["id"], "column": "DONE", "position": "1"}, headers=HTMX)
    assert dropped.status_code == 204
    again = await owner.post(url, data={"item": first["id"], "column": "DONE", "position": "0"}, headers=HTMX)
    assert again.status_code == 204
    items = (await owner.get(desk.backlog_url)).json()["items"]
    assert [(item["status"], item["title"]) for item in items] == [
        ("TODO", "Second"),
        ("DONE", "First"),
        ("DONE", "Third"),
    ]

    assert (await owner.post(url, data={"item": first["id"], "column": "LATER", "position": "0"})).status_code == 422
    assert (await owner.post(url, data={"item": first["id"], "column": "DONE", "position": "-1"})).status_code == 422
    theirs = await desk.item(desk.crew.editor, title="Editor's")
    foreign = await owner.post(url, data={"item": theirs["id"], "column": "DONE", "position": "0"}, headers=HTMX)
    assert foreign.status_code == 404


async def test_the_edit_dialog_saves_or_shows_what_is_wrong(desk: Desk) -> None:
    owner = desk.crew.owner
    item = await desk.item(title="Draft", labels=["a"], estimated_hours=2)
    url = f"/workspaces/{desk.crew.workspace_id}/backlog/{item['id']}/edit"

    form = await owner.get(url, headers=HTMX)
    assert form.status_code == 200
    assert 'value="Draft"' in form.text
    assert 'value="a"' in form.text

    values = {
        "title": "Draft the plan",
        "description": "",
        "type": "STORY",
        "priority": "HIGH",
        "status": "IN_PROGRESS",
        "due_date": "",
        "labels": "plan, q3 ,",
        "estimated_hours": "",
        "flagged": "on",
    }
    saved = await owner.post(url, data=values, headers=HTMX)
    assert saved.status_code == 200
    assert saved.headers["hx-retarget"] == "#backlog"
    assert toast_of(saved) == "Item saved"
    changed = (await owner.get(desk.backlog_url)).json()["items"][0]
    assert (changed["title"], changed["type"], changed["priority"], changed["status"]) == (
        "Draft the plan",
        "STORY",
        "HIGH",
        "IN_PROGRESS",
    )
    assert (changed["labels"], changed["estimated_hours"], changed["flagged"]) == (["plan", "q3"], None, True)

    refused = await owner.post(url, data=values | {"title": "", "estimated_hours": "-3"}, headers=HTMX)
    assert refused.status_code == 422
    assert "data-edit-form" in refused.text
    assert "hx-retarget" not in refused.headers
    assert refused.text.count('aria-invalid="true"') == 1  # the estimate; a blank title is checked once it parses
    assert (await owner.get(desk.backlog_url)).json()["items"][0]["title"] == "Draft the plan"

    theirs = await desk.item(desk.crew.editor, title="Editor's")
    other_url = f"/workspaces/{desk.crew.workspace_id}/backlog/{theirs['id']}/edit"
    assert (await owner.get(other_url, headers=BROWSER)).status_code == 404


async def test_the_promote_dialog_offers_projects_i_may_create_in(desk: Desk) -> None:
    owner, viewer = desk.crew.owner, desk.crew.viewer
    item = await desk.item(title="Ship dark mode", type="IMPROVEMENT")
    url = f"/workspaces/{desk.crew.workspace_id}/backlog/{item['id']}/promote"

    form = await owner.get(url, headers=HTMX)
    assert form.status_code == 200
    assert f'value="{desk.project["id"]}"' in form.text
    assert "WEB · Project WEB" in form.text

    missing = await owner.post(url, data={"project_id": "", "type": ""}, headers=HTMX)
    assert missing.status_code == 422
    assert "data-promote-form" in missing.text
    promoted = await owner.post(url, data={"project_id": desk.project["id"], "type": ""}, headers=HTMX)
    assert promoted.status_code == 200
    assert toast_of(promoted) == "Promoted to WEB-1"
    assert "data-promoted>" in promoted.text
    assert (await owner.get("/api/v1/tasks/WEB-1")).json()["type"] == "TASK"
    twice = await owner.post(url, data={"project_id": desk.project["id"], "type": ""}, headers=HTMX)
    assert twice.status_code == 422
    assert "promoted already" in twice.text

    viewer_item = await desk.item(viewer, title="Viewer's")
    viewer_form = await viewer.get(f"/workspaces/{desk.crew.workspace_id}/backlog/{viewer_item['id']}/promote")
    assert "No project to promote into" in viewer_form.text


async def test_delete_answers_with_the_body(desk: Desk) -> None:
    owner = desk.crew.owner
    item = await desk.item(title="Obsolete")
    url = f"/workspaces/{desk.crew.workspace_id}/backlog/{item['id']}/delete"

    deleted = await owner.post(url, headers=HTMX)

    assert deleted.status_code == 200
    assert toast_of(deleted) == "Item deleted"
    assert "Obsolete" not in deleted.text
    assert (await owner.get(desk.backlog_url)).json()["items"] == []
    assert (await owner.post(url, headers=HTMX)).status_code == 404
