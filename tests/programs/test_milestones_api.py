"""Milestones: creating and editing with their bounds, ordering, and the program's summary."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import ProjectStatus
from tests.programs.conftest import Team, add_project


@pytest.fixture
def today() -> Iterator[date]:
    """Every test here happens on 10 March 2030 (set before the accounts are made, so they stay valid)."""
    with time_machine.travel(datetime(2030, 3, 10, 9, 0, tzinfo=UTC), tick=True):
        yield date(2030, 3, 10)


async def test_milestones_are_created_edited_and_deleted(today: date, team: Team) -> None:
    program = await team.create_program()
    url = f"/api/v1/programs/{program['id']}/milestones"
    owner = team.owner.client

    first = await owner.post(url, json={"name": "Alpha", "target_date": "2030-04-01", "status": "IN_PROGRESS"})
    second = await owner.post(url, json={"name": " Beta ", "progress": 100, "status": "COMPLETED"})

    assert first.status_code == 201, first.text
    assert (first.json()["position"], second.json()["position"]) == (1.0, 2.0)
    assert first.json()["progress"] == 0
    assert second.json()["name"] == "Beta"
    edited = await owner.patch(
        f"{url}/{first.json()['id']}", json={"progress": 55, "status": "AT_RISK", "description": "Slipping"}
    )
    assert edited.status_code == 200
    assert (edited.json()["progress"], edited.json()["status"], edited.json()["description"]) == (
        55,
        "AT_RISK",
        "Slipping",
    )
    assert edited.json()["target_date"] == "2030-04-01"
    between = await owner.post(url, json={"name": "Between", "position": 1.5})
    assert between.json()["position"] == 1.5
    listed = await team.viewer.client.get(url)
    assert [item["name"] for item in listed.json()["items"]] == ["Alpha", "Between", "Beta"]

    deleted = await owner.delete(f"{url}/{second.json()['id']}")
    again = await owner.delete(f"{url}/{second.json()['id']}")
    assert deleted.status_code == 204
    assert (again.status_code, again.json()["code"]) == (404, "milestone_not_found")
    assert [item["name"] for item in (await owner.get(url)).json()["items"]] == ["Alpha", "Between"]


async def test_bad_milestones_are_refused_naming_the_field(today: date, team: Team) -> None:
    program = await team.create_program()
    other = await team.create_program(name="Other")
    url = f"/api/v1/programs/{program['id']}/milestones"
    owner = team.owner.client
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "A", "progress": 101}, "progress"),
        ({"name": "A", "progress": -1}, "progress"),
        ({"name": "A", "progress": "half"}, "progress"),
        ({"name": "A", "status": "DONE"}, "status"),
        ({"name": ""}, "name"),
        ({"name": "A", "target_date": "soon"}, "target_date"),
    ]
    for body, field in cases:
        answer = await owner.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert [error["field"] for error in answer.json()["errors"]] == [field], body
    assert (await owner.get(url)).json()["items"] == []

    milestone = (await owner.post(url, json={"name": "A", "progress": 100})).json()
    edits: list[tuple[dict[str, Any], str]] = [
        ({"progress": 150}, "progress"),
        ({"name": None}, "name"),
        ({"progress": None}, "progress"),
    ]
    for edit, field in edits:
        answer = await owner.patch(f"{url}/{milestone['id']}", json=edit)
        assert answer.status_code == 422, (edit, answer.text)
        assert answer.json()["errors"][0]["field"] == field
    assert (await owner.get(url)).json()["items"][0]["progress"] == 100
    through_other = await owner.patch(f"/api/v1/programs/{other['id']}/milestones/{milestone['id']}", json={})
    assert (through_other.status_code, through_other.json()["code"]) == (404, "milestone_not_found")
    outsider = await team.outsider.client.patch(f"{url}/{milestone['id']}", json={"progress": 1})
    assert outsider.status_code == 404


async def test_milestones_are_reordered(today: date, team: Team) -> None:
    program = await team.create_program()
    other = await team.create_program(name="Other")
    url = f"/api/v1/programs/{program['id']}/milestones"
    owner = team.owner.client
    ids = {name: (await owner.post(url, json={"name": name})).json()["id"] for name in ("A", "B", "C", "D")}
    foreign = (await owner.post(f"/api/v1/programs/{other['id']}/milestones", json={"name": "X"})).json()["id"]

    whole = await owner.patch(f"{url}/reorder", json={"ids": [ids["C"], ids["A"], ids["D"], ids["B"]]})
    assert whole.status_code == 200, whole.text
    assert [item["name"] for item in whole.json()["items"]] == ["C", "A", "D", "B"]
    swapped = await owner.patch(f"{url}/reorder", json={"ids": [ids["B"], ids["A"]]})  # B and A swap places
    assert [item["name"] for item in swapped.json()["items"]] == ["C", "B", "D", "A"]
    assert [item["name"] for item in (await team.viewer.client.get(url)).json()["items"]] == ["C", "B", "D", "A"]

    for body, code in [
        ({"ids": [ids["A"], foreign]}, "unknown_milestone"),
        ({"ids": [ids["A"], str(uuid.uuid4())]}, "unknown_milestone"),
        ({"ids": [ids["A"], ids["A"]]}, "duplicate_milestone"),
        ({"ids": []}, "validation_failed"),
        ({"ids": ["nope"]}, "validation_failed"),
    ]:
        answer = await owner.patch(f"{url}/reorder", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["code"] == code
        assert answer.json()["errors"][0]["field"].startswith("ids")
    assert [item["name"] for item in (await owner.get(url)).json()["items"]] == ["C", "B", "D", "A"]
    by_viewer = await team.viewer.client.patch(f"{url}/reorder", json={"ids": [ids["A"], ids["B"]]})
    assert (by_viewer.status_code, by_viewer.json()["permission"]) == (403, "program.milestones.manage")


async def test_the_summary_counts_what_the_caller_may_see(today: date, team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    url = f"/api/v1/programs/{program['id']}"
    owner = team.owner.client
    milestones = [
        {"name": "Kickoff", "target_date": "2030-03-05", "status": "COMPLETED", "progress": 100},
        {"name": "Design", "target_date": "2030-03-01", "status": "IN_PROGRESS", "progress": 40},
        {"name": "Beta", "target_date": "2030-03-20", "status": "NOT_STARTED", "progress": 0},
        {"name": "Launch", "target_date": "2030-04-01", "status": "AT_RISK", "progress": 25},
        {"name": "Today", "target_date": "2030-03-10", "status": "DELAYED", "progress": 10},
        {"name": "Someday", "status": "NOT_STARTED", "progress": 0},
    ]
    for body in milestones:
        assert (await owner.post(f"{url}/milestones", json=body)).status_code == 201
    for key, status in (("ONE", ProjectStatus.ACTIVE), ("TWO", ProjectStatus.ACTIVE), ("HLD", ProjectStatus.ON_HOLD)):
        roles = {team.viewer.id: "VIEWER"} if key == "ONE" else {}
        await add_project(infra, team.workspace_id, key, roles=roles, status=status, program_id=program["id"])

    summary = await owner.get(f"{url}/summary")

    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["project_count"] == 3
    assert body["projects_by_status"] == {"ACTIVE": 2, "ON_HOLD": 1, "COMPLETED": 0, "ARCHIVED": 0}
    assert body["milestone_count"] == 6
    assert body["milestones_by_status"] == {
        "NOT_STARTED": 2,
        "IN_PROGRESS": 1,
        "COMPLETED": 1,
        "DELAYED": 1,
        "AT_RISK": 1,
    }
    assert body["progress"] == 29.2  # (100 + 40 + 0 + 25 + 10 + 0) / 6
    assert body["next_milestone"]["name"] == "Today"  # due today is not overdue yet
    assert [each["name"] for each in body["overdue_milestones"]] == ["Design"]
    viewer = (await team.viewer.client.get(f"{url}/summary")).json()
    assert viewer["project_count"] == 1
    assert viewer["projects_by_status"]["ACTIVE"] == 1
    assert viewer["progress"] == 29.2
    assert (await team.outsider.client.get(f"{url}/summary")).status_code == 404
    listed = (await owner.get(f"/api/v1/workspaces/{team.workspace_id}/programs")).json()["items"][0]
    assert (listed["milestone_count"], listed["progress"], listed["project_count"]) == (6, 29.2, 3)

    with time_machine.travel(datetime(2030, 3, 11, 9, 0, tzinfo=UTC), tick=True):
        tomorrow = (await owner.get(f"{url}/summary")).json()
    assert tomorrow["next_milestone"]["name"] == "Beta"
    assert [each["name"] for each in tomorrow["overdue_milestones"]] == ["Design", "Today"]


async def test_an_empty_program_summarises_to_nothing(today: date, team: Team) -> None:
    program = await team.create_program()

    body = (await team.viewer.client.get(f"/api/v1/programs/{program['id']}/summary")).json()

    assert (body["project_count"], body["milestone_count"], body["progress"]) == (0, 0, 0.0)
    assert body["next_milestone"] is None
    assert body["overdue_milestones"] == []
    assert set(body["milestones_by_status"].values()) == {0}
