"""Project teams and grants: a team's grants reach its members (and leave with them on the very next
request), direct grants to one member, and the caller's own keys."""

from __future__ import annotations

from tests.projects.helpers import Json, add_member, create_project, my_keys, problem
from tests.spaces.people import Crew, Person


async def create_team(person: Person, project: Json, name: str = "Frontend", **fields: str) -> Json:
    answer = await person.post(f"/api/v1/projects/{project['id']}/teams", {"name": name, **fields})
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def test_teams_are_created_listed_renamed_and_deleted(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}/teams"

    team = await create_team(crew.owner, project, "Frontend", description="Web UI", color="#123456")
    await create_team(crew.owner, project, "Backend")
    assert (team["member_count"], team["description"]) == (0, "Web UI")
    problem(await crew.owner.post(url, {"name": "frontend"}), 409, "team_name_taken", "name")
    problem(await crew.owner.post(url, {"name": ""}), 422, "validation_failed", "name")
    listed = (await crew.owner.get(url)).json()
    assert [item["name"] for item in listed["items"]] == ["Backend", "Frontend"]
    paged = (await crew.owner.get(url, params={"limit": 1})).json()
    assert [item["name"] for item in paged["items"]] == ["Backend"]
    assert paged["next_cursor"] is not None

    renamed = await crew.owner.patch(f"{url}/{team['id']}", {"name": "Web", "description": None})
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Web", None)
    problem(await crew.owner.patch(f"{url}/{team['id']}", {"name": "Backend"}), 409, "team_name_taken", "name")
    assert (await crew.owner.delete(f"{url}/{team['id']}")).status_code == 204
    problem(await crew.owner.get(f"{url}/{team['id']}/members"), 404, "team_not_found")
    assert [item["name"] for item in (await crew.owner.get(url)).json()["items"]] == ["Backend"]


async def test_who_may_run_teams(crew: Crew) -> None:
    project = await create_project(crew)
    team = await create_team(crew.owner, project)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    await add_member(crew.owner, project, crew.viewer, "ADMIN")
    url = f"/api/v1/projects/{project['id']}/teams"

    assert (await crew.editor.get(url)).status_code == 200
    assert (await crew.editor.get(f"{url}/{team['id']}/members")).status_code == 200
    problem(await crew.editor.post(url, {"name": "Mine"}), 403, "permission_denied")
    problem(await crew.editor.patch(f"{url}/{team['id']}", {"name": "Mine"}), 403, "permission_denied")
    problem(await crew.editor.get(f"{url}/{team['id']}/permissions"), 403, "permission_denied")
    problem(await crew.outsider.get(url), 404, "project_not_found")
    # an ADMIN manages teams but lacks project.teams.create
    problem(await crew.viewer.post(url, {"name": "Mine"}), 403, "permission_denied")
    assert (await crew.viewer.patch(f"{url}/{team['id']}", {"color": "#000000"})).status_code == 200
    other = await create_project(crew, key="OTH")
    problem(await crew.owner.get(f"/api/v1/projects/{other['id']}/teams/{team['id']}/members"), 404, "team_not_found")


async def test_a_team_grant_reaches_its_members_and_leaves_with_them(crew: Crew) -> None:
    project = await create_project(crew)
    team = await create_team(crew.owner, project)
    await add_member(crew.owner, project, crew.editor, "VIEWER")
    url = f"/api/v1/projects/{project['id']}"
    team_url = f"{url}/teams/{team['id']}"
    problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")

    granted = await crew.owner.put(f"{team_url}/permissions", {"permissions": ["project.settings.edit"]})
    assert granted.json() == {"permissions": ["project.settings.edit"]}
    joined = await crew.owner.post(f"{team_url}/members", {"user_id": crew.editor.id, "role": "lead"})
    assert joined.status_code == 201
    assert (joined.json()["role"], joined.json()["name"]) == ("lead", "Eddie Editor")

    assert "project.settings.edit" in await my_keys(crew.editor, project)
    assert (await crew.editor.patch(url, {"name": "Website v2"})).status_code == 200
    members = (await crew.owner.get(f"{team_url}/members")).json()["items"]
    assert [(item["email"], item["role"]) for item in members] == [(crew.editor.email, "lead")]
    assert (await crew.owner.get(f"{url}/teams")).json()["items"][0]["member_count"] == 1

    assert (await crew.owner.delete(f"{team_url}/members/{crew.editor.id}")).status_code == 204

    problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")
    assert "project.settings.edit" not in await my_keys(crew.editor, project)
    problem(await crew.owner.delete(f"{team_url}/members/{crew.editor.id}"), 404, "member_not_found")


async def test_team_members_must_be_project_members(crew: Crew) -> None:
    project = await create_project(crew)
    team = await create_team(crew.owner, project)
    url = f"/api/v1/projects/{project['id']}/teams/{team['id']}/members"

    problem(await crew.owner.post(url, {"user_id": crew.editor.id}), 422, "not_project_member", "user_id")
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    problem(await crew.owner.post(url, {"user_id": crew.editor.id, "role": "boss"}), 422, "validation_failed", "role")
    assert (await crew.owner.post(url, {"user_id": crew.editor.id})).json()["role"] == "member"
    problem(await crew.owner.post(url, {"user_id": crew.editor.id}), 409, "already_member", "user_id")


async def test_removing_a_member_from_the_project_takes_their_teams_and_grants(crew: Crew) -> None:
    project = await create_project(crew)
    team = await create_team(crew.owner, project)
    await add_member(crew.owner, project, crew.editor, "VIEWER")
    url = f"/api/v1/projects/{project['id']}"
    await crew.owner.put(f"{url}/teams/{team['id']}/permissions", {"permissions": ["project.view"]})
    await crew.owner.post(f"{url}/teams/{team['id']}/members", {"user_id": crew.editor.id})
    await crew.owner.put(f"{url}/members/{crew.editor.id}/permissions", {"permissions": ["project.view"]})

    assert (await crew.owner.delete(f"{url}/members/{crew.editor.id}")).status_code == 204

    problem(await crew.editor.get(url), 404, "project_not_found")
    assert (await crew.owner.get(f"{url}/teams/{team['id']}/members")).json()["items"] == []


async def test_direct_grants_to_a_member(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "VIEWER")
    url = f"/api/v1/projects/{project['id']}"
    grants_url = f"{url}/members/{crew.editor.id}/permissions"
    assert (await crew.owner.get(grants_url)).json() == {"permissions": []}

    put = await crew.owner.put(grants_url, {"permissions": ["project.settings.edit", "project.reports.view"]})
    assert put.json() == {"permissions": ["project.reports.view", "project.settings.edit"]}
    assert (await crew.editor.patch(url, {"description": "Ours"})).status_code == 200
    assert {"project.settings.edit", "project.reports.view"} <= await my_keys(crew.editor, project)

    assert (await crew.owner.put(grants_url, {"permissions": ["project.reports.view"]})).status_code == 200
    problem(await crew.editor.patch(url, {"description": "Mine"}), 403, "permission_denied")
    assert (await crew.owner.get(grants_url)).json() == {"permissions": ["project.reports.view"]}

    unknown = problem(
        await crew.owner.put(grants_url, {"permissions": ["project.teleport"]}), 422, "unknown_permission"
    )
    assert unknown["permission"] == "project.teleport"
    problem(await crew.owner.put(grants_url, {}), 422, "validation_failed", "permissions")
    problem(
        await crew.owner.put(f"{url}/members/{crew.viewer.id}/permissions", {"permissions": ["project.view"]}),
        404,
        "member_not_found",
    )
    problem(await crew.editor.get(grants_url), 403, "permission_denied")
    # an ADMIN manages grants, but only with the keys they hold
    await add_member(crew.owner, project, crew.viewer, "ADMIN")
    refused = problem(
        await crew.viewer.put(grants_url, {"permissions": ["project.reports.view", "project.delete"]}),
        403,
        "permission_denied",
    )
    assert refused["permission"] == "project.delete"
    kept = await crew.viewer.put(grants_url, {"permissions": ["project.tasks.delete", "project.reports.view"]})
    assert kept.json() == {"permissions": ["project.reports.view", "project.tasks.delete"]}  # reports.view untouched
    taken = problem(await crew.viewer.put(grants_url, {"permissions": []}), 403, "permission_denied")
    assert taken["permission"] == "project.reports.view"  # not theirs to take away either


async def test_my_permissions_name_the_callers_keys(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.viewer, "VIEWER")
    url = f"/api/v1/projects/{project['id']}/my-permissions"

    answer = await crew.viewer.get(url)

    assert answer.json() == {
        "project_id": project["id"],
        "permissions": sorted(
            [
                "project.view",
                "project.tasks.view",
                "project.sprints.view",
                "project.docs.view",
                "project.members.view",
                "project.teams.view",
            ]
        ),
    }
    problem(await crew.editor.get(url), 404, "project_not_found")
    assert (await crew.anonymous.get(url)).status_code == 401
