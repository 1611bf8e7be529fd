"""The program pages over HTTP, as a browser and htmx use them: cards and the create form, one
program's overview, its forms (answered with the program's body, or 422 with messages), and the
same guards as the API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine

from fairlx.core.infrastructure import Infrastructure
from fairlx.programs.models import ProgramRole
from tests.programs.conftest import Team, add_project, set_program_role

HTMX = {"HX-Request": "true"}
BROWSER = {"Accept": "text/html"}


@pytest.fixture
def today() -> Iterator[date]:
    with time_machine.travel(datetime(2030, 3, 10, 9, 0, tzinfo=UTC), tick=True):
        yield date(2030, 3, 10)


def toast_of(answer: httpx.Response) -> str:
    title: str = json.loads(answer.headers["hx-trigger"])["toast"]["title"]
    return title


def milestone_names(html: str) -> list[str]:
    return re.findall(r'<p class="text-sm font-medium text-fg">([^<]+)</p>', html.split("data-milestone-list")[1])


async def test_the_programs_page_shows_cards_and_offers_creating_to_those_who_may(
    team: Team, infra: Infrastructure
) -> None:
    page_url = f"/workspaces/{team.workspace_id}/programs"

    empty = await team.owner.client.get(page_url)
    assert empty.status_code == 200
    assert "No programs yet" in empty.text
    assert f'hx-post="/workspaces/{team.workspace_id}/programs"' in empty.text
    assert "Create a program" in empty.text

    program = await team.create_program(name="Relaunch", status="ACTIVE", color="#22aa88", end_date="2030-06-30")
    await team.create_program(name="Quiet")
    await team.owner.client.post(f"/api/v1/programs/{program['id']}/milestones", json={"name": "M", "progress": 50})
    await add_project(infra, team.workspace_id, "WEB", program_id=program["id"])

    as_viewer = await team.viewer.client.get(page_url)
    assert as_viewer.status_code == 200
    assert "Create a program" not in as_viewer.text
    assert "No programs yet" not in as_viewer.text
    card = as_viewer.text.split(f'data-program-id="{program["id"]}"')[1].split("</li>")[0]
    assert "Relaunch" in card
    assert "Active" in card
    assert 'fill="#22aa88"' in card
    assert "Olivia Owner" in card
    assert "30 Jun 2030" in card
    assert 'value="50"' in card
    assert "0 projects" in card  # the viewer is not in the project
    assert "1 project<" in (await team.owner.client.get(page_url)).text
    assert "Quiet" in as_viewer.text

    outsider = await team.outsider.client.get(page_url, headers=BROWSER)
    assert outsider.status_code == 404
    anonymous = await team.anonymous.get(page_url)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/sign-in?return_to=/workspaces/{team.workspace_id}/programs"


async def test_a_program_is_created_from_the_page(team: Team) -> None:
    url = f"/workspaces/{team.workspace_id}/programs"
    form = {"name": "Relaunch", "description": "", "status": "PLANNING", "lead_id": "", "color": "#5b5bd6"}

    nameless = await team.owner.client.post(url, data={**form, "name": " "}, headers=HTMX)
    backwards = await team.owner.client.post(
        url, data={**form, "start_date": "2030-05-02", "end_date": "2030-05-01"}, headers=HTMX
    )

    assert nameless.status_code == 422
    assert 'id="program-create"' in nameless.text
    assert 'id="field-name-error"' in nameless.text
    assert backwards.status_code == 422
    assert "The end date cannot be before the start date." in backwards.text
    assert 'id="field-end_date-error"' in backwards.text
    assert 'value="2030-05-02"' in backwards.text  # what was typed stays
    assert 'value="Relaunch"' in backwards.text

    created = await team.owner.client.post(url, data={**form, "lead_id": team.viewer.id}, headers=HTMX)
    assert created.status_code == 204, created.text
    location = created.headers["hx-redirect"]
    assert re.fullmatch(r"/programs/[0-9a-f-]{36}", location)
    page = await team.owner.client.get(location)
    assert page.status_code == 200
    assert "Relaunch" in page.text
    assert '<dd class="font-medium text-fg" data-lead>Vera Viewer</dd>' in page.text

    refused = await team.viewer.client.post(url, data=form, headers=HTMX)
    assert refused.status_code == 403


async def test_the_program_page_shows_the_whole_program(today: date, team: Team, infra: Infrastructure) -> None:
    program = await team.create_program(name="Relaunch", status="ACTIVE")
    base = f"/api/v1/programs/{program['id']}"
    for body in (
        {"name": "Design", "target_date": "2030-03-01", "status": "IN_PROGRESS", "progress": 40},
        {"name": "Beta", "target_date": "2030-03-20", "progress": 0},
        {"name": "Kickoff", "status": "COMPLETED", "progress": 100},
    ):
        await team.owner.client.post(f"{base}/milestones", json=body)
    await add_project(infra, team.workspace_id, "WEB", roles={team.viewer.id: "VIEWER"}, program_id=program["id"])
    await add_project(infra, team.workspace_id, "SEC", program_id=program["id"])
    await team.owner.client.post(f"{base}/members", json={"user_id": team.viewer.id, "role": "VIEWER"})
    page_url = f"/programs/{program['id']}"

    owner = await team.owner.client.get(page_url)

    assert owner.status_code == 200
    text = owner.text
    assert "<title>Relaunch · Programs · Fairlx</title>" in text
    assert milestone_names(text) == ["Design", "Beta", "Kickoff"]
    assert re.findall(r'data-bar="(\d+)"', text) == ["40", "0", "100"]
    assert 'id="overall-progress" class="progress" max="100" value="47"' in text  # (40 + 0 + 100) / 3
    assert '<p class="mt-1 truncate text-sm font-semibold text-fg" data-stat="next">Beta</p>' in text
    assert "1 overdue" in text
    assert text.count(">Overdue<") == 1
    assert "data-project-id" in text
    assert "WEB" in text
    assert "SEC" in text
    assert "Vera Viewer" in text
    assert "Olivia Owner" in text
    for form in ("/edit", "/milestones", "/projects", "/members"):
        assert f'hx-post="/programs/{program["id"]}{form}' in text
    assert f'hx-delete="/programs/{program["id"]}"' in text

    viewer = await team.viewer.client.get(page_url)
    assert viewer.status_code == 200
    assert "Relaunch" in viewer.text
    assert "SEC" not in viewer.text  # a project the viewer cannot see
    assert "WEB" in viewer.text
    assert 'hx-post="/programs/' not in viewer.text  # no form, no button that changes anything
    assert "Add a milestone" not in viewer.text
    assert milestone_names(viewer.text) == ["Design", "Beta", "Kickoff"]

    assert (await team.outsider.client.get(page_url, headers=BROWSER)).status_code == 404
    anonymous = await team.anonymous.get(page_url)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/sign-in?return_to={page_url}"


async def test_milestones_change_from_the_page(team: Team) -> None:
    program = await team.create_program()
    page = f"/programs/{program['id']}"
    owner = team.owner.client

    added = await owner.post(
        f"{page}/milestones", data={"name": "Alpha", "status": "NOT_STARTED", "progress": "30"}, headers=HTMX
    )
    assert added.status_code == 200, added.text
    assert toast_of(added) == "Milestone added"
    assert 'id="program-body"' in added.text
    assert milestone_names(added.text) == ["Alpha"]
    second = await owner.post(
        f"{page}/milestones",
        data={"name": "Beta", "status": "AT_RISK", "progress": "0", "target_date": ""},
        headers=HTMX,
    )
    assert milestone_names(second.text) == ["Alpha", "Beta"]

    too_far = await owner.post(
        f"{page}/milestones", data={"name": "Gamma", "status": "NOT_STARTED", "progress": "150"}, headers=HTMX
    )
    assert too_far.status_code == 422
    assert 'id="milestone-new-progress-error"' in too_far.text
    assert "less than or equal to 100" in too_far.text
    assert 'value="Gamma"' in too_far.text
    assert milestone_names(too_far.text) == ["Alpha", "Beta"]

    milestones = (await owner.get(f"/api/v1/programs/{program['id']}/milestones")).json()["items"]
    alpha, beta = milestones[0]["id"], milestones[1]["id"]
    moved = await owner.post(f"{page}/milestones/{alpha}/down", headers=HTMX)
    assert moved.status_code == 200
    assert toast_of(moved) == "Milestone moved down"
    assert milestone_names(moved.text) == ["Beta", "Alpha"]
    at_top = await owner.post(f"{page}/milestones/{beta}/up", headers=HTMX)
    assert milestone_names(at_top.text) == ["Beta", "Alpha"]  # already first

    edited = await owner.post(
        f"{page}/milestones/{alpha}",
        data={"name": "Alpha", "description": "", "status": "COMPLETED", "target_date": "", "progress": "100"},
        headers=HTMX,
    )
    assert edited.status_code == 200
    assert 'data-bar="100"' in edited.text
    refused = await owner.post(
        f"{page}/milestones/{alpha}",
        data={"name": "", "description": "", "status": "COMPLETED", "target_date": "", "progress": "100"},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert f'id="milestone-{alpha}-name-error"' in refused.text
    assert re.search(
        rf'<details class="mt-2" open>\s*<summary[^>]*>Edit</summary>\s*<form hx-post="{page}/milestones/{alpha}"',
        refused.text,
    )

    deleted = await owner.post(f"{page}/milestones/{beta}/delete", headers=HTMX)
    assert toast_of(deleted) == "Milestone deleted"
    assert milestone_names(deleted.text) == ["Alpha"]
    gone = await owner.post(f"{page}/milestones/{beta}/delete", headers=HTMX)
    assert gone.status_code == 422
    assert "No such milestone in this program." in gone.text


async def test_details_projects_and_members_change_from_the_page(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    page = f"/programs/{program['id']}"
    owner = team.owner.client
    project = await add_project(infra, team.workspace_id, "WEB")
    details = {
        "name": "Relaunch",
        "description": "All of it",
        "status": "ACTIVE",
        "lead_id": "",
        "start_date": "2030-01-01",
        "end_date": "2030-02-01",
        "color": "#112233",
    }

    saved = await owner.post(f"{page}/edit", data=details, headers=HTMX)
    assert saved.status_code == 200, saved.text
    assert toast_of(saved) == "Program saved"
    assert "Relaunch" in saved.text
    assert "All of it" in saved.text
    assert '<dd class="font-medium text-fg" data-lead>None</dd>' in saved.text
    backwards = await owner.post(f"{page}/edit", data={**details, "end_date": "2029-12-31"}, headers=HTMX)
    assert backwards.status_code == 422
    assert 'id="program-end-error"' in backwards.text
    assert '<details class="rounded-xl border border-border bg-surface shadow-xs" open' in backwards.text

    linked = await owner.post(f"{page}/projects", data={"project_id": project}, headers=HTMX)
    assert linked.status_code == 200
    assert toast_of(linked) == "Project WEB joined the program"
    assert f'data-project-id="{project}"' in linked.text
    unlinked = await owner.post(f"{page}/projects/{project}/unlink", headers=HTMX)
    assert f'data-project-id="{project}"' not in unlinked.text
    assert "No projects you can see are in this program yet." in unlinked.text

    added = await owner.post(f"{page}/members", data={"user_id": team.viewer.id, "role": "ADMIN"}, headers=HTMX)
    assert toast_of(added) == "Vera Viewer joined the program"
    assert f'data-member-id="{team.viewer.id}"' in added.text
    last_lead = await owner.post(f"{page}/members/{team.owner.id}", data={"role": "MEMBER"}, headers=HTMX)
    assert last_lead.status_code == 422
    assert "A program keeps at least one lead" in last_lead.text
    promoted = await owner.post(f"{page}/members/{team.viewer.id}", data={"role": "LEAD"}, headers=HTMX)
    assert toast_of(promoted) == "Vera Viewer is now lead"
    removed = await owner.post(f"{page}/members/{team.viewer.id}/remove", headers=HTMX)
    assert toast_of(removed) == "Member removed"
    assert f'data-member-id="{team.viewer.id}"' not in removed.text

    deleted = await owner.delete(page, headers=HTMX)
    assert deleted.status_code == 204
    assert deleted.headers["hx-redirect"] == f"/workspaces/{team.workspace_id}/programs"
    assert (await owner.get(page, headers=BROWSER)).status_code == 404


async def test_page_forms_have_the_api_guards(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.editor.id, ProgramRole.MEMBER)
    page = f"/programs/{program['id']}"
    milestone = {"name": "Beta", "status": "NOT_STARTED", "progress": "0"}

    member_page = await team.editor.client.get(page)
    assert f'hx-post="{page}/milestones"' in member_page.text
    assert f'hx-post="{page}/edit"' not in member_page.text
    assert f'hx-post="{page}/members"' not in member_page.text
    assert (await team.editor.client.post(f"{page}/milestones", data=milestone, headers=HTMX)).status_code == 200
    assert (await team.editor.client.post(f"{page}/edit", data={"name": "Mine"}, headers=HTMX)).status_code == 403
    assert (await team.viewer.client.post(f"{page}/milestones", data=milestone, headers=HTMX)).status_code == 403
    assert (await team.viewer.client.delete(page, headers=HTMX)).status_code == 403
    assert (await team.outsider.client.post(f"{page}/milestones", data=milestone, headers=HTMX)).status_code == 404
    signed_out = await team.anonymous.post(f"{page}/milestones", data=milestone, headers=HTMX)
    assert signed_out.status_code == 204
    assert signed_out.headers["hx-redirect"].startswith("/sign-in")
