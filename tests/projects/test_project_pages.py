"""The projects pages over HTTP, as htmx drives them: the list and its create form, and each section
of a project's settings (General, Members, Roles, Teams, Copy settings), with their guards."""

from __future__ import annotations

import json
import re

import pytest

from tests.projects.helpers import Json, add_member, create_project, create_role, my_keys, roles_of
from tests.spaces.people import Crew
from tests.support.assets import require_built_assets

HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="session", autouse=True)
def asset_manifest() -> dict[str, str]:
    return require_built_assets()


def toast_title(answer: object) -> str:
    headers = answer.headers  # type: ignore[attr-defined]
    title: str = json.loads(headers["hx-trigger"])["toast"]["title"]
    return title


async def test_the_projects_list_and_its_empty_states(crew: Crew) -> None:
    url = f"/workspaces/{crew.workspace_id}/projects"

    empty = await crew.editor.get(url)
    assert empty.status_code == 200
    assert "No projects yet" in empty.text
    assert f'hx-post="{url}"' in empty.text
    assert re.search(rf'<a href="{url}" aria-current="page"', empty.text)
    viewer_page = await crew.viewer.get(url)
    assert "You are not in any project of this workspace yet" in viewer_page.text
    assert f'hx-post="{url}"' not in viewer_page.text

    await create_project(crew, crew.owner, name="Website", key="WEB")
    await create_project(crew, crew.owner, name="App", key="APP")
    assert re.findall(r'data-project-key="(\w+)"', (await crew.admin.get(url)).text) == ["APP", "WEB"]
    assert 'data-project-key="WEB"' not in (await crew.editor.get(url)).text


async def test_creating_a_project_from_the_page(crew: Crew) -> None:
    url = f"/workspaces/{crew.workspace_id}/projects"

    refused = await crew.editor.post(url, data={"name": "Website", "key": "w"}, headers=HTMX)
    assert refused.status_code == 422
    assert "2 to 10 capital letters" in refused.text
    created = await crew.editor.post(
        url,
        data={"name": "Website", "key": "web", "board_type": "SCRUM", "workflow_template": "BUG_TRACKING"},
        headers=HTMX,
    )
    assert created.status_code == 204
    board_url = created.headers["hx-redirect"]
    assert re.fullmatch(r"/projects/[0-9a-f-]{36}/board", board_url)
    board = await crew.editor.get(board_url)
    assert all(status in board.text for status in ("Open", "Confirmed", "Fixed", "Verified"))
    page = await crew.editor.get(board_url.replace("/board", "/settings"))
    assert page.status_code == 200
    assert "Website" in page.text
    assert re.search(r'<option value="SCRUM" selected', page.text)
    taken = await crew.editor.post(url, data={"name": "Again", "key": "WEB"}, headers=HTMX)
    assert taken.status_code == 422
    assert "uses the key WEB" in taken.text
    refused_viewer = await crew.viewer.post(url, data={"name": "Mine", "key": "MINE"}, headers=HTMX)
    assert refused_viewer.status_code == 422
    assert "workspace.projects.create" in refused_viewer.text


async def test_a_space_admin_is_offered_their_space(crew: Crew) -> None:
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Platform", "key": "PLAT"})
    ).json()
    await crew.owner.post(f"/api/v1/spaces/{space['id']}/members", {"user_id": crew.viewer.id, "role": "ADMIN"})
    url = f"/workspaces/{crew.workspace_id}/projects"

    page = await crew.viewer.get(url)
    assert f'<option value="{space["id"]}"' in page.text
    assert "No space" not in page.text  # a viewer creates projects only inside their space
    created = await crew.viewer.post(url, data={"name": "API", "key": "API", "space_id": space["id"]}, headers=HTMX)
    assert created.status_code == 204
    space_page = await crew.viewer.get(f"/spaces/{space['id']}")
    assert 'data-project-key="API"' in space_page.text


async def test_general_settings_are_saved_and_validated(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/projects/{project['id']}/settings"
    form = {
        "name": "Website v2",
        "board_type": "HYBRID",
        "status": "ON_HOLD",
        "start_date": "2025-01-06",
        "deadline": "2025-03-31",
        "color": "#10b981",
        "description": "",
        "swimlane": "epic",
        "sprint_length_days": "10",
        "sprint_start_day": "3",
        "default_assignee_id": crew.editor.id,
        "time_tracking": "on",
        "wip_limits": "In progress = 3\nReview: 2",
    }

    page = await crew.owner.get(url)
    assert 'aria-current="page"' in page.text
    assert "disabled" in page.text.split('name="key"')[1].split(">")[0]  # the key is read-only
    saved = await crew.owner.post(url, data=form, headers=HTMX)
    assert saved.status_code == 200, saved.text
    assert toast_title(saved) == "Settings saved"
    stored = (await crew.owner.get(f"/api/v1/projects/{project['id']}")).json()
    assert (stored["name"], stored["board_type"], stored["status"]) == ("Website v2", "HYBRID", "ON_HOLD")
    assert stored["settings"] == {
        "wip_limits": {"In progress": 3, "Review": 2},
        "swimlane": "epic",
        "sprint_length_days": 10,
        "sprint_start_day": 3,
        "default_assignee_id": crew.editor.id,
        "time_tracking": True,
    }
    assert "In progress = 3" in saved.text

    for changes, message in (
        ({"deadline": "2024-12-31"}, "The deadline cannot be before the start date."),
        ({"wip_limits": "In progress three"}, "Write one column per line as Name = limit"),
        ({"sprint_length_days": "90"}, "less than or equal to 60"),
        ({"default_assignee_id": crew.outsider.id}, "not a member of the workspace"),
        ({"name": ""}, "at least 1 character"),
    ):
        refused = await crew.owner.post(url, data=form | changes, headers=HTMX)
        assert refused.status_code == 422, changes
        assert message in refused.text, changes
    unticked = {key: value for key, value in form.items() if key != "time_tracking"}
    assert (await crew.owner.post(url, data=unticked, headers=HTMX)).status_code == 200
    assert (await crew.owner.get(f"/api/v1/projects/{project['id']}")).json()["settings"]["time_tracking"] is False


async def test_settings_sections_are_guarded(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    base = f"/projects/{project['id']}/settings"

    assert (await crew.editor.get(base)).status_code == 403
    members = await crew.editor.get(f"{base}/members")
    assert members.status_code == 200
    nav = members.text.split('aria-label="Project settings"')[1].split("</nav>")[0]
    assert f'href="{base}/members"' in nav
    assert f'href="{base}/roles"' in nav
    assert f'href="{base}/teams"' in nav
    assert f'href="{base}"' not in nav
    assert f'href="{base}/copy"' not in nav
    assert f'hx-post="{base}/members"' not in members.text
    assert (await crew.editor.get(f"{base}/copy")).status_code == 403
    assert (await crew.editor.post(base, data={"name": "Mine"}, headers=HTMX)).status_code == 403
    assert (await crew.viewer.get(f"{base}/members", headers={"accept": "text/html"})).status_code == 404
    signed_out = await crew.anonymous.get(base)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/sign-in?return_to=")
    owner_page = await crew.owner.get(f"{base}/members")
    for section in ("", "/members", "/roles", "/teams", "/copy"):
        assert f'href="{base}{section}"' in owner_page.text
        assert (await crew.owner.get(f"{base}{section}")).status_code == 200


async def test_members_are_managed_from_the_page(crew: Crew) -> None:
    project = await create_project(crew)
    roles = await roles_of(crew.owner, project)
    url = f"/projects/{project['id']}/settings/members"

    page = await crew.owner.get(url)
    assert f'<option value="{crew.editor.id}"' in page.text
    assert f'<option value="{crew.outsider.id}"' not in page.text
    added = await crew.owner.post(url, data={"user_id": crew.editor.id, "role_id": roles["MEMBER"]["id"]}, headers=HTMX)
    assert added.status_code == 200
    assert toast_title(added) == "Member added"
    assert f'data-member="{crew.editor.email}"' in added.text
    changed = await crew.owner.post(f"{url}/{crew.editor.id}", data={"role_id": roles["ADMIN"]["id"]}, headers=HTMX)
    assert changed.status_code == 200
    assert "project.settings.edit" in await my_keys(crew.editor, project)
    last = await crew.owner.client.delete(f"{url}/{crew.owner.id}", headers=HTMX)
    assert last.status_code == 422
    assert "A project needs an OWNER" in last.text
    removed = await crew.owner.client.delete(f"{url}/{crew.editor.id}", headers=HTMX)
    assert removed.status_code == 200
    assert f'data-member="{crew.editor.email}"' not in removed.text
    assert await my_keys(crew.editor, project) == set()


async def test_the_roles_matrix(crew: Crew) -> None:
    project = await create_project(crew)
    custom = await create_role(crew.owner, project, "Guest", ["project.view"])
    roles = await roles_of(crew.owner, project)
    url = f"/projects/{project['id']}/settings/roles"

    page = await crew.owner.get(url)
    assert page.status_code == 200
    for group in ("View", "Create", "Edit", "Delete", "Sprint", "Management"):
        assert f">{group}</th>" in page.text
    owner_box = re.search(rf'<input type="checkbox" name="{roles["OWNER"]["id"]}:project.delete"[^>]*>', page.text)
    assert owner_box is not None
    assert "checked" in owner_box.group(0)
    assert "disabled" in owner_box.group(0)
    assert "Delete role Guest" in page.text
    assert "Delete role VIEWER" not in page.text

    form = {f"role:{role['id']}": "1" for name, role in roles.items() if name != "OWNER"}
    form |= {f"{roles['VIEWER']['id']}:{key}": "on" for key in roles["VIEWER"]["permissions"]}
    form |= {f"{roles['ADMIN']['id']}:{key}": "on" for key in roles["ADMIN"]["permissions"]}
    form |= {f"{roles['MEMBER']['id']}:{key}": "on" for key in roles["MEMBER"]["permissions"]}
    form |= {f"{custom['id']}:project.view": "on", f"{custom['id']}:project.reports.view": "on"}
    saved = await crew.owner.post(f"{url}/permissions", data=form, headers=HTMX)
    assert saved.status_code == 200, saved.text
    assert toast_title(saved) == "Roles saved"
    assert (await roles_of(crew.owner, project))["Guest"]["permissions"] == ["project.reports.view", "project.view"]
    assert (await roles_of(crew.owner, project))["VIEWER"]["permissions"] == roles["VIEWER"]["permissions"]

    created = await crew.owner.post(
        url, data={"name": "Sprinter", "new:project.view": "on", "new:project.sprints.start": "on"}, headers=HTMX
    )
    assert created.status_code == 200
    assert (await roles_of(crew.owner, project))["Sprinter"]["permissions"] == ["project.sprints.start", "project.view"]
    duplicate = await crew.owner.post(url, data={"name": "sprinter"}, headers=HTMX)
    assert duplicate.status_code == 422
    assert "already has a role named sprinter" in duplicate.text
    in_use = await crew.owner.client.delete(f"{url}/{roles['MEMBER']['id']}", headers=HTMX)
    assert in_use.status_code == 422
    assert "cannot be deleted" in in_use.text
    deleted = await crew.owner.client.delete(f"{url}/{custom['id']}", headers=HTMX)
    assert deleted.status_code == 200
    assert "Guest" not in await roles_of(crew.owner, project)


async def test_a_member_sees_the_roles_but_cannot_change_them(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    url = f"/projects/{project['id']}/settings/roles"

    page = await crew.editor.get(url)

    assert page.status_code == 200
    assert "Save roles" not in page.text
    assert "New role" not in page.text
    assert (await crew.editor.post(f"{url}/permissions", data={}, headers=HTMX)).status_code == 403


async def team_named(crew: Crew, project: Json, name: str) -> Json:
    teams = (await crew.owner.get(f"/api/v1/projects/{project['id']}/teams")).json()["items"]
    return next(team for team in teams if team["name"] == name)


async def test_teams_from_the_page(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "VIEWER")
    url = f"/projects/{project['id']}/settings/teams"

    assert "No teams yet" in (await crew.owner.get(url)).text
    created = await crew.owner.post(url, data={"name": "Frontend", "description": "Web UI"}, headers=HTMX)
    assert created.status_code == 200
    assert 'data-team="Frontend"' in created.text
    team = await team_named(crew, project, "Frontend")
    joined = await crew.owner.post(
        f"{url}/{team['id']}/members", data={"user_id": crew.editor.id, "role": "lead"}, headers=HTMX
    )
    assert joined.status_code == 200
    assert f'data-team-member="{crew.editor.email}"' in joined.text
    granted = await crew.owner.post(
        f"{url}/{team['id']}/permissions", data={"grants": "1", "perm:project.settings.edit": "on"}, headers=HTMX
    )
    assert granted.status_code == 200
    assert "project.settings.edit" in await my_keys(crew.editor, project)
    assert re.search(r'name="perm:project.settings.edit"[^>]*checked', granted.text)
    no_form = await crew.owner.post(f"{url}/{team['id']}/permissions", data={}, headers=HTMX)
    assert no_form.status_code == 422
    assert "project.settings.edit" in await my_keys(crew.editor, project)
    refused = await crew.owner.post(f"{url}/{team['id']}/members", data={"user_id": crew.viewer.id}, headers=HTMX)
    assert refused.status_code == 422
    assert "Add this person to the project first." in refused.text
    left = await crew.owner.client.delete(f"{url}/{team['id']}/members/{crew.editor.id}", headers=HTMX)
    assert left.status_code == 200
    assert "project.settings.edit" not in await my_keys(crew.editor, project)
    deleted = await crew.owner.client.delete(f"{url}/{team['id']}", headers=HTMX)
    assert deleted.status_code == 200
    assert "No teams yet" in deleted.text
    assert (await crew.editor.post(url, data={"name": "Mine"}, headers=HTMX)).status_code == 403


async def test_copying_settings_from_the_page(crew: Crew) -> None:
    source = await create_project(crew, key="SRC", name="Source", board_type="SCRUM", settings={"swimlane": "epic"})
    target = await create_project(crew, key="DST", name="Target")
    url = f"/projects/{target['id']}/settings/copy"

    page = await crew.owner.get(url)
    assert f'<option value="{source["id"]}"' in page.text
    assert f'<option value="{target["id"]}"' not in page.text
    copied = await crew.owner.post(url, data={"from_project_id": source["id"]}, headers=HTMX)
    assert copied.status_code == 200
    assert toast_title(copied) == "Settings copied"
    stored = (await crew.owner.get(f"/api/v1/projects/{target['id']}")).json()
    assert (stored["board_type"], stored["settings"]["swimlane"]) == ("SCRUM", "epic")
    refused = await crew.owner.post(url, data={"from_project_id": target["id"]}, headers=HTMX)
    assert refused.status_code == 422
    assert "Choose another project to copy from." in refused.text
    lonely = await create_project(crew, crew.editor, key="SOLO", name="Solo")
    assert "No other project to copy from" in (await crew.editor.get(f"/projects/{lonely['id']}/settings/copy")).text


async def test_deleting_a_project_from_the_page(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "ADMIN")

    assert "Delete Website" not in (await crew.editor.get(f"/projects/{project['id']}/settings")).text
    assert (await crew.editor.client.delete(f"/projects/{project['id']}", headers=HTMX)).status_code == 403
    deleted = await crew.owner.client.delete(f"/projects/{project['id']}", headers=HTMX)
    assert deleted.headers["hx-redirect"] == f"/workspaces/{crew.workspace_id}/projects"
    assert (await crew.owner.get(f"/api/v1/projects/{project['id']}")).status_code == 404
