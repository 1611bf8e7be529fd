"""Programs over the API: who may create them, what is checked, the list every workspace member sees
(paginated, with a fixed number of statements), editing and deleting."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import Project
from tests.programs.conftest import Team, add_project


def field_of(answer: httpx.Response) -> list[str]:
    return [error["field"] for error in answer.json().get("errors", [])]


async def test_the_creator_leads_a_new_program(team: Team) -> None:
    answer = await team.owner.client.post(
        f"/api/v1/workspaces/{team.workspace_id}/programs",
        json={
            "name": "  Platform relaunch ",
            "description": "Everything for the relaunch",
            "status": "ACTIVE",
            "start_date": "2030-01-01",
            "end_date": "2030-06-30",
            "color": "#22aa88",
        },
    )

    assert answer.status_code == 201, answer.text
    program = answer.json()
    assert program["name"] == "Platform relaunch"
    assert program["status"] == "ACTIVE"
    assert program["lead_id"] == team.owner.id
    assert program["created_by"] == team.owner.id
    assert (program["start_date"], program["end_date"], program["color"]) == ("2030-01-01", "2030-06-30", "#22aa88")
    assert (program["project_count"], program["milestone_count"], program["progress"]) == (0, 0, 0.0)
    assert "program.delete" in program["permissions"]
    members = (await team.owner.client.get(f"/api/v1/programs/{program['id']}/members")).json()["items"]
    assert [(member["user_id"], member["role"]) for member in members] == [(team.owner.id, "LEAD")]
    assert members[0]["name"] == "Olivia Owner"
    fetched = await team.owner.client.get(f"/api/v1/programs/{program['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "Platform relaunch"


async def test_an_editor_creates_and_leads_a_program_without_being_a_workspace_admin(team: Team) -> None:
    program = await team.create_program(team.editor, name="Editor's", lead_id=team.viewer.id)

    assert program["lead_id"] == team.viewer.id  # the lead is a label; the creator holds the LEAD role
    assert sorted(program["permissions"]) == [
        "program.delete",
        "program.edit",
        "program.members.manage",
        "program.milestones.manage",
        "program.view",
    ]
    patched = await team.editor.client.patch(f"/api/v1/programs/{program['id']}", json={"status": "ON_HOLD"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "ON_HOLD"


async def test_creating_needs_the_permission_and_the_workspace(team: Team) -> None:
    url = f"/api/v1/workspaces/{team.workspace_id}/programs"

    as_viewer = await team.viewer.client.post(url, json={"name": "Mine"})
    as_outsider = await team.outsider.client.post(url, json={"name": "Mine"})
    anonymous = await team.anonymous.post(url, json={"name": "Mine"})
    nowhere = await team.owner.client.post(f"/api/v1/workspaces/{uuid.uuid4()}/programs", json={"name": "Mine"})

    assert as_viewer.status_code == 403
    assert as_viewer.json()["code"] == "permission_denied"
    assert as_viewer.json()["permission"] == "workspace.programs.create"
    assert as_outsider.status_code == 404
    assert as_outsider.json()["code"] == "workspace_not_found"
    assert anonymous.status_code == 401
    assert nowhere.status_code == 404
    listed = await team.owner.client.get(url)
    assert listed.json()["items"] == []


async def test_bad_programs_are_refused_naming_the_field(team: Team) -> None:
    url = f"/api/v1/workspaces/{team.workspace_id}/programs"
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"name": "   "}, "name", None),
        ({"name": "x" * 121}, "name", None),
        ({}, "name", None),
        ({"name": "A", "status": "DONE"}, "status", None),
        ({"name": "A", "color": "red"}, "color", None),
        ({"name": "A", "start_date": "2030-13-01"}, "start_date", None),
        ({"name": "A", "start_date": "2030-05-02", "end_date": "2030-05-01"}, "end_date", "dates_out_of_order"),
        ({"name": "A", "lead_id": team.outsider.id}, "lead_id", "not_workspace_member"),
        ({"name": "A", "lead_id": str(uuid.uuid4())}, "lead_id", "not_workspace_member"),
        ({"name": "A", "lead_id": "me"}, "lead_id", None),
        ({"name": "A", "budget": 10}, "budget", None),
    ]
    for body, field, code in cases:
        answer = await team.owner.client.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert field_of(answer) == [field], (body, answer.json())
        if code:
            assert answer.json()["code"] == code
    assert (await team.owner.client.get(url)).json()["items"] == []
    same_day = await team.owner.client.post(
        url, json={"name": "A", "start_date": "2030-05-01", "end_date": "2030-05-01"}
    )
    assert same_day.status_code == 201


async def test_editing_checks_dates_against_what_is_stored(team: Team) -> None:
    program = await team.create_program(start_date="2030-03-01", end_date="2030-04-01")
    url = f"/api/v1/programs/{program['id']}"

    too_early = await team.owner.client.patch(url, json={"end_date": "2030-02-01"})
    no_name = await team.owner.client.patch(url, json={"name": None})
    no_status = await team.owner.client.patch(url, json={"status": None})
    stranger_lead = await team.owner.client.patch(url, json={"lead_id": team.outsider.id})

    assert too_early.status_code == 422
    assert (too_early.json()["code"], field_of(too_early)) == ("dates_out_of_order", ["end_date"])
    assert (no_name.status_code, field_of(no_name)) == (422, ["name"])
    assert (no_status.status_code, field_of(no_status)) == (422, ["status"])
    assert (stranger_lead.status_code, field_of(stranger_lead)) == (422, ["lead_id"])

    moved = await team.owner.client.patch(
        url, json={"start_date": "2030-01-01", "end_date": "2030-02-01", "lead_id": team.viewer.id, "color": None}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start_date"], moved.json()["end_date"]) == ("2030-01-01", "2030-02-01")
    assert moved.json()["lead_id"] == team.viewer.id
    assert moved.json()["name"] == "Launch"  # untouched
    cleared = await team.owner.client.patch(url, json={"lead_id": None, "description": ""})
    assert (cleared.json()["lead_id"], cleared.json()["description"]) == (None, None)


async def test_only_those_who_may_edit_or_delete_do(team: Team) -> None:
    program = await team.create_program()
    url = f"/api/v1/programs/{program['id']}"

    viewer_edit = await team.viewer.client.patch(url, json={"name": "Mine"})
    editor_delete = await team.editor.client.delete(url)
    outsider_get = await team.outsider.client.get(url)
    outsider_delete = await team.outsider.client.delete(url)
    anonymous = await team.anonymous.get(url)

    assert viewer_edit.status_code == 403
    assert viewer_edit.json()["permission"] == "program.edit"
    assert editor_delete.status_code == 403
    assert editor_delete.json()["permission"] == "program.delete"
    assert outsider_get.status_code == 404
    assert outsider_get.json()["code"] == "program_not_found"
    assert outsider_delete.status_code == 404
    assert anonymous.status_code == 401
    assert (await team.viewer.client.get(url)).json()["name"] == "Launch"
    assert (await team.owner.client.get(f"/api/v1/programs/{uuid.uuid4()}")).status_code == 404


async def test_deleting_a_program_keeps_its_projects(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    project_id = await add_project(infra, team.workspace_id, "WEB", program_id=program["id"])
    await team.owner.client.post(f"/api/v1/programs/{program['id']}/milestones", json={"name": "Beta"})

    deleted = await team.owner.client.delete(f"/api/v1/programs/{program['id']}")

    assert deleted.status_code == 204
    assert (await team.owner.client.get(f"/api/v1/programs/{program['id']}")).status_code == 404
    listed = await team.owner.client.get(f"/api/v1/workspaces/{team.workspace_id}/programs")
    assert listed.json()["items"] == []
    async with infra.db.unit_of_work(read_only=True) as db:
        project = await db.scalar(select(Project).where(Project.id == uuid.UUID(project_id)))
        assert project is not None
        assert project.program_id is None


async def test_every_workspace_member_sees_the_programs_page_by_page(team: Team) -> None:
    for name in ("One", "Two", "Three"):
        await team.create_program(name=name)
    await team.create_program(team.editor, name="Four")
    url = f"/api/v1/workspaces/{team.workspace_id}/programs"

    first = await team.viewer.client.get(url, params={"limit": 3})
    assert first.status_code == 200
    assert [item["name"] for item in first.json()["items"]] == ["One", "Two", "Three"]
    assert first.json()["items"][0]["permissions"] == ["program.view"]
    cursor = first.json()["next_cursor"]
    assert cursor
    second = await team.viewer.client.get(url, params={"limit": 3, "cursor": cursor})
    assert [item["name"] for item in second.json()["items"]] == ["Four"]
    assert second.json()["next_cursor"] is None

    everything = await team.editor.client.get(url)
    assert [item["name"] for item in everything.json()["items"]] == ["One", "Two", "Three", "Four"]
    assert "program.delete" in everything.json()["items"][3]["permissions"]  # the one the editor leads
    assert "program.edit" not in everything.json()["items"][0]["permissions"]

    assert (await team.outsider.client.get(url)).status_code == 404
    assert (await team.anonymous.get(url)).status_code == 401
    bad_cursor = await team.viewer.client.get(url, params={"cursor": "nope"})
    assert (bad_cursor.status_code, field_of(bad_cursor)) == (422, ["cursor"])
    too_many = await team.viewer.client.get(url, params={"limit": 201})
    assert (too_many.status_code, field_of(too_many)) == (422, ["limit"])


async def test_the_programs_list_runs_the_same_statements_for_two_or_six(
    team: Team, infra: Infrastructure, count_sql: Callable[[], Any]
) -> None:
    url = f"/api/v1/workspaces/{team.workspace_id}/programs"

    async def fill(names: list[str]) -> None:
        for name in names:
            program = await team.create_program(name=name)
            await add_project(infra, team.workspace_id, name.upper()[:6], program_id=program["id"])
            await team.owner.client.post(f"/api/v1/programs/{program['id']}/milestones", json={"name": "M"})

    async def statements() -> tuple[int, list[dict[str, Any]]]:
        await team.editor.client.get(url)  # warm the access cache, as any earlier request would
        with count_sql() as counter:
            answer = await team.editor.client.get(url)
        assert answer.status_code == 200
        return counter.count, answer.json()["items"]

    await fill(["Alpha", "Beta"])
    two, items = await statements()
    await fill(["Gamma", "Delta", "Eps", "Zeta"])
    six, more = await statements()

    assert len(items) == 2
    assert len(more) == 6
    assert two == six
    assert all(item["milestone_count"] == 1 for item in more)
    assert all(item["project_count"] == 0 for item in more)  # the editor is in none of those projects
    owner_view = (await team.owner.client.get(url)).json()["items"]
    assert all(item["project_count"] == 1 for item in owner_view)
