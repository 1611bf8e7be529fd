"""Projects in a program: linking needs both the program's edit right and the project's settings
right; the list shows only projects the caller may see; unlinking; the projects one could link."""

from __future__ import annotations

import uuid

import httpx

from fairlx.core.infrastructure import Infrastructure
from fairlx.programs.models import ProgramRole
from fairlx.projects.models import ProjectStatus
from fairlx.workspaces.models import WorkspaceMember, WorkspaceRole
from tests.programs.conftest import Team, add_project, set_program_role


def keys_of(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [project["key"] for project in answer.json()["items"]]


async def test_linking_needs_the_program_and_the_project_permission(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.editor.id, ProgramRole.ADMIN)
    managed = await add_project(infra, team.workspace_id, "MGD", roles={team.editor.id: "ADMIN"})
    worked_on = await add_project(infra, team.workspace_id, "WRK", roles={team.editor.id: "MEMBER"})
    unseen = await add_project(infra, team.workspace_id, "HID")
    next_door = await add_project(infra, team.other_workspace_id, "NXT")
    url = f"/api/v1/programs/{program['id']}/projects"
    editor = team.editor.client

    linked = await editor.post(url, json={"project_id": managed})
    not_settings = await editor.post(url, json={"project_id": worked_on})
    invisible = await editor.post(url, json={"project_id": unseen})
    other_tenant = await editor.post(url, json={"project_id": next_door})
    missing = await editor.post(url, json={"project_id": str(uuid.uuid4())})
    no_body = await editor.post(url, json={})

    assert linked.status_code == 200, linked.text
    assert linked.json() == {"id": managed, "name": "Project MGD", "key": "MGD", "status": "ACTIVE", "color": None}
    assert not_settings.status_code == 403
    assert (not_settings.json()["code"], not_settings.json()["permission"]) == (
        "permission_denied",
        "project.settings.edit",
    )
    for refused in (invisible, other_tenant, missing):
        assert refused.status_code == 404
        assert refused.json()["code"] == "project_not_found"
    assert (no_body.status_code, no_body.json()["errors"][0]["field"]) == (422, "project_id")
    assert keys_of(await editor.get(url)) == ["MGD"]

    # the project's right alone is not enough: a program viewer who administers the project
    administered = await add_project(infra, team.workspace_id, "VIE", roles={team.viewer.id: "ADMIN"})
    viewer_link = await team.viewer.client.post(url, json={"project_id": administered})
    assert (viewer_link.status_code, viewer_link.json()["permission"]) == (403, "program.edit")
    assert (await team.outsider.client.post(url, json={"project_id": next_door})).status_code == 404


async def test_a_project_stays_in_one_program_of_its_own_workspace(team: Team, infra: Infrastructure) -> None:
    first = await team.create_program(name="First")
    second = await team.create_program(name="Second")
    project = await add_project(infra, team.workspace_id, "WEB")
    async with infra.db.unit_of_work() as db:  # the owner also administers the workspace next door
        db.add(
            WorkspaceMember(
                workspace_id=team.other_workspace_id, user_id=uuid.UUID(team.owner.id), role=WorkspaceRole.WS_ADMIN
            )
        )
    elsewhere = await add_project(infra, team.other_workspace_id, "ELS")
    owner = team.owner.client

    assert (
        await owner.post(f"/api/v1/programs/{first['id']}/projects", json={"project_id": project})
    ).status_code == 200
    again = await owner.post(f"/api/v1/programs/{first['id']}/projects", json={"project_id": project})
    taken = await owner.post(f"/api/v1/programs/{second['id']}/projects", json={"project_id": project})
    foreign = await owner.post(f"/api/v1/programs/{first['id']}/projects", json={"project_id": elsewhere})

    assert again.status_code == 200  # linking twice changes nothing
    assert (taken.status_code, taken.json()["code"]) == (409, "project_in_other_program")
    assert foreign.status_code == 422
    assert (foreign.json()["code"], foreign.json()["errors"][0]["field"]) == (
        "project_in_other_workspace",
        "project_id",
    )
    assert keys_of(await owner.get(f"/api/v1/programs/{first['id']}/projects")) == ["WEB"]
    assert keys_of(await owner.get(f"/api/v1/programs/{second['id']}/projects")) == []


async def test_projects_the_caller_cannot_see_stay_out_of_the_list(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await add_project(infra, team.workspace_id, "PUB", roles={team.viewer.id: "VIEWER"}, program_id=program["id"])
    await add_project(infra, team.workspace_id, "SEC", program_id=program["id"], status=ProjectStatus.ON_HOLD)
    url = f"/api/v1/programs/{program['id']}/projects"

    assert keys_of(await team.owner.client.get(url)) == ["PUB", "SEC"]
    assert keys_of(await team.viewer.client.get(url)) == ["PUB"]
    assert keys_of(await team.editor.client.get(url)) == []
    assert (await team.outsider.client.get(url)).status_code == 404
    viewer_summary = (await team.viewer.client.get(f"/api/v1/programs/{program['id']}/summary")).json()
    assert viewer_summary["project_count"] == 1
    assert viewer_summary["projects_by_status"]["ON_HOLD"] == 0
    listed = (await team.viewer.client.get(f"/api/v1/workspaces/{team.workspace_id}/programs")).json()["items"]
    assert listed[0]["project_count"] == 1


async def test_unlinking_takes_a_project_out(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    other = await team.create_program(name="Other")
    project = await add_project(infra, team.workspace_id, "WEB", program_id=program["id"])
    url = f"/api/v1/programs/{program['id']}/projects"

    by_viewer = await team.viewer.client.delete(f"{url}/{project}")
    wrong_program = await team.owner.client.delete(f"/api/v1/programs/{other['id']}/projects/{project}")
    unlinked = await team.owner.client.delete(f"{url}/{project}")
    again = await team.owner.client.delete(f"{url}/{project}")

    assert (by_viewer.status_code, by_viewer.json()["permission"]) == (403, "program.edit")
    assert (wrong_program.status_code, wrong_program.json()["code"]) == (404, "project_not_found")
    assert unlinked.status_code == 204
    assert (again.status_code, again.json()["code"]) == (404, "project_not_found")
    assert keys_of(await team.owner.client.get(url)) == []
    assert keys_of(await team.owner.client.get(f"{url}/available")) == ["WEB"]


async def test_available_projects_are_those_in_no_program_the_caller_may_change(
    team: Team, infra: Infrastructure
) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.editor.id, ProgramRole.ADMIN)
    await add_project(infra, team.workspace_id, "ADM", roles={team.editor.id: "ADMIN"})
    await add_project(infra, team.workspace_id, "MEM", roles={team.editor.id: "MEMBER"})
    await add_project(infra, team.workspace_id, "OWN", roles={team.editor.id: "OWNER"})
    await add_project(infra, team.workspace_id, "INP", roles={team.editor.id: "OWNER"}, program_id=program["id"])
    await add_project(infra, team.other_workspace_id, "NXT")
    url = f"/api/v1/programs/{program['id']}/projects/available"

    assert keys_of(await team.editor.client.get(url)) == ["ADM", "OWN"]
    assert keys_of(await team.owner.client.get(url)) == ["ADM", "MEM", "OWN"]
    assert (await team.viewer.client.get(url)).status_code == 403
