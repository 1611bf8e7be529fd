"""`GET /api/v1/me/work`: the caller's items across every workspace they reach, in three sections, only
from projects where they may view tasks, paged by cursor at a constant number of statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fairlx.core.clock import utcnow
from fairlx.workspaces.models import WorkspaceRole
from tests.mywork.conftest import Desk
from tests.spaces.people import Person
from tests.tasks.conftest import new_project

WORK = "/api/v1/me/work"


def day(offset: int) -> str:
    return (utcnow().date() + timedelta(days=offset)).isoformat()


async def keys_of(person: Person, section: str = "assigned", **params: Any) -> list[str]:
    response = await person.get(WORK, params={"section": section, **params})
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["items"]]


async def test_assigned_lists_my_open_items_by_due_date_with_their_project_and_workspace(desk: Desk) -> None:
    admin = desk.crew.admin
    later = await desk.task(title="Later", assignee_ids=[admin.id], due_date=day(9))
    undated = await desk.task(title="Someday", assignee_ids=[admin.id])
    soon = await desk.task(title="Soon", assignee_ids=[admin.id], due_date=day(1), labels=["ops"])
    done = await desk.task(title="Done already", assignee_ids=[admin.id], due_date=day(0))
    await desk.task(title="Someone else's", assignee_ids=[desk.crew.owner.id], due_date=day(0))
    await desk.close(done)

    response = await admin.get(WORK)

    assert response.status_code == 200
    body = response.json()
    assert body["section"] == "assigned"
    assert [item["key"] for item in body["items"]] == [soon["key"], later["key"], undated["key"]]
    first = body["items"][0]
    assert first["title"] == "Soon"
    assert first["status"]["key"] == "TODO"
    assert first["status"]["status_type"] == "OPEN"
    assert [label["name"] for label in first["labels"]] == ["ops"]
    assert [person["name"] for person in first["assignees"]] == ["Adam Admin"]
    assert first["project"] == {"id": desk.project["id"], "key": "WEB", "name": "Project WEB"}
    assert first["workspace"] == {"id": str(desk.crew.workspace_id), "name": "Engineering"}
    assert body["next_cursor"] is None


async def test_items_come_from_every_workspace_i_reach(desk: Desk) -> None:
    admin = desk.crew.admin
    here = await desk.task(title="Here", assignee_ids=[admin.id], due_date=day(2))
    own_workspace = await desk.crew.town.new_workspace(admin, name="Side project")
    side = await new_project(admin, own_workspace, key="SIDE")
    response = await admin.post(
        f"/api/v1/projects/{side['id']}/tasks", json={"title": "There", "assignee_ids": [admin.id], "due_date": day(1)}
    )
    there = response.json()

    items = (await admin.get(WORK)).json()["items"]

    assert [(item["key"], item["workspace"]["name"]) for item in items] == [
        (there["key"], "Side project"),
        (here["key"], "Engineering"),
    ]


async def test_due_soon_holds_overdue_items_and_those_due_within_a_week(desk: Desk) -> None:
    admin = desk.crew.admin
    overdue = await desk.task(title="Overdue", assignee_ids=[admin.id], due_date=day(-3))
    today = await desk.task(title="Today", assignee_ids=[admin.id], due_date=day(0))
    in_a_week = await desk.task(title="In a week", assignee_ids=[admin.id], due_date=day(7))
    await desk.task(title="Next month", assignee_ids=[admin.id], due_date=day(30))
    await desk.task(title="Undated", assignee_ids=[admin.id])
    closed = await desk.task(title="Closed", assignee_ids=[admin.id], due_date=day(1))
    await desk.close(closed)

    assert await keys_of(admin, "due_soon") == [overdue["key"], today["key"], in_a_week["key"]]


async def test_recent_holds_what_i_created_changed_or_am_assigned_latest_first(desk: Desk) -> None:
    owner, admin, editor = desk.crew.owner, desk.crew.admin, desk.crew.editor
    created = await desk.task(admin, title="Mine")
    assigned = await desk.task(owner, title="Given to me", assignee_ids=[admin.id])
    changed = await desk.task(owner, title="Touched by me")
    await desk.task(owner, title="Not mine")
    assert (await admin.patch(f"/api/v1/tasks/{changed['id']}", json={"priority": "HIGH"})).status_code == 200
    closed = await desk.task(owner, title="Closed but recent", assignee_ids=[admin.id])
    await desk.close(closed)

    assert await keys_of(admin, "recent") == [closed["key"], changed["key"], assigned["key"], created["key"]]
    assert await keys_of(editor, "recent") == []


async def test_deleted_items_and_projects_i_may_no_longer_view_drop_out(desk: Desk) -> None:
    admin = desk.crew.admin
    kept = await desk.task(title="Kept", assignee_ids=[admin.id])
    binned = await desk.task(title="Binned", assignee_ids=[admin.id])
    assert (await desk.crew.owner.delete(f"/api/v1/tasks/{binned['id']}")).status_code == 204

    assert await keys_of(admin) == [kept["key"]]
    assert await keys_of(admin, "recent") == [kept["key"]]

    await desk.set_role(admin, WorkspaceRole.WS_VIEWER)  # no longer an implicit owner of every project

    assert await keys_of(admin) == []
    assert await keys_of(admin, "recent") == []


async def test_pages_follow_the_cursor_and_bad_parameters_are_refused(desk: Desk) -> None:
    admin = desk.crew.admin
    made = [await desk.task(title=f"Item {n}", assignee_ids=[admin.id], due_date=day(n)) for n in range(5)]

    first = (await admin.get(WORK, params={"limit": 2})).json()
    second = (await admin.get(WORK, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    third = (await admin.get(WORK, params={"limit": 2, "cursor": second["next_cursor"]})).json()

    seen = [item["key"] for page in (first, second, third) for item in page["items"]]
    assert seen == [task["key"] for task in made]
    assert third["next_cursor"] is None

    bad_cursor = await admin.get(WORK, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    for params in ({"section": "everything"}, {"limit": 0}, {"limit": 201}):
        assert (await admin.get(WORK, params=params)).status_code == 422
    assert (await desk.crew.anonymous.get(WORK)).status_code == 401


async def test_a_page_runs_the_same_statements_for_5_or_50_items(desk: Desk, count_sql: Any) -> None:
    admin = desk.crew.admin

    async def statements(section: str) -> int:
        await admin.get(WORK, params={"section": section})  # warms the access cache
        with count_sql() as counter:
            response = await admin.get(WORK, params={"section": section, "limit": 200})
        assert response.status_code == 200
        return int(counter.count)

    for n in range(5):
        await desk.task(title=f"Item {n}", assignee_ids=[admin.id], due_date=day(n % 3), labels=[f"l{n % 2}"])
    few = {section: await statements(section) for section in ("assigned", "due_soon", "recent")}
    for n in range(45):
        await desk.task(title=f"More {n}", assignee_ids=[admin.id], due_date=day(n % 3), labels=[f"l{n % 4}"])
    many = {section: await statements(section) for section in ("assigned", "due_soon", "recent")}

    assert len((await admin.get(WORK, params={"limit": 200})).json()["items"]) == 50
    assert many == few
