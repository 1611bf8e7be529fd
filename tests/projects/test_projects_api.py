"""Projects over the API: creation (default roles, the creator as OWNER), keys, who sees a project,
settings and their validation, copying settings, deletion, and lists whose SQL does not grow."""

from __future__ import annotations

from typing import Any

import pytest

from fairlx.projects.service import PERMISSION_GROUPS
from fairlx.rbac.permissions import PROJECT_DEFAULT_ROLES, Permission, Scope, in_scope
from tests.projects.helpers import Json, add_member, create_project, create_role, my_keys, problem, roles_of
from tests.spaces.people import Crew, Person

ALL_PROJECT_KEYS = {key.value for key in in_scope(Scope.PROJECT)}


async def test_a_new_project_has_the_four_default_roles_and_its_creator_as_owner(crew: Crew) -> None:
    project = await create_project(crew, crew.editor, name="Website", key="WEB", board_type="SCRUM", color="#aa00cc")

    assert (project["key"], project["board_type"], project["status"]) == ("WEB", "SCRUM", "ACTIVE")
    assert project["settings"] == {
        "wip_limits": {},
        "swimlane": "none",
        "sprint_length_days": 14,
        "sprint_start_day": 1,
        "default_assignee_id": None,
        "time_tracking": True,
    }
    roles = await roles_of(crew.editor, project)
    assert list(roles) == ["OWNER", "ADMIN", "MEMBER", "VIEWER"]
    for name, keys in PROJECT_DEFAULT_ROLES.items():
        assert roles[name]["is_default"] is True
        assert set(roles[name]["permissions"]) == {key.value for key in keys}
    assert [role["member_count"] for role in roles.values()] == [1, 0, 0, 0]
    members = (await crew.editor.get(f"/api/v1/projects/{project['id']}/members")).json()["items"]
    assert [(member["email"], member["role_name"]) for member in members] == [(crew.editor.email, "OWNER")]
    assert await my_keys(crew.editor, project) == ALL_PROJECT_KEYS


@pytest.mark.parametrize("key", ["W", "1WEB", "WEBSITEXYZ1", "WE-B", "web", ""])
async def test_a_project_key_follows_the_key_rules(crew: Crew, key: str) -> None:
    answer = await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/projects", {"name": "X", "key": key})

    problem(answer, 422, "validation_failed", "key")


async def test_a_project_key_is_unique_in_its_workspace(crew: Crew) -> None:
    await create_project(crew, key="WEB")
    url = f"/api/v1/workspaces/{crew.workspace_id}/projects"

    problem(await crew.editor.post(url, {"name": "Web again", "key": "WEB"}), 409, "project_key_taken", "key")
    next_door = await crew.outsider.post(
        f"/api/v1/workspaces/{crew.other_workspace_id}/projects", {"name": "Web", "key": "WEB"}
    )
    assert next_door.status_code == 201
    problem(
        await crew.owner.patch(f"/api/v1/projects/{next_door.json()['id']}", {"key": "APP"}), 404, "project_not_found"
    )
    problem(
        await crew.outsider.patch(f"/api/v1/projects/{next_door.json()['id']}", {"key": "APP"}),
        422,
        "validation_failed",
        "key",
    )


async def test_who_may_create_a_project(crew: Crew) -> None:
    url = f"/api/v1/workspaces/{crew.workspace_id}/projects"
    body = {"name": "Website", "key": "WEB"}

    problem(await crew.viewer.post(url, body), 403, "permission_denied")
    problem(await crew.outsider.post(url, body), 404, "workspace_not_found")
    assert (await crew.anonymous.post(url, json=body)).status_code == 401
    problem(await crew.owner.post(url, {"key": "WEB"}), 422, "validation_failed", "name")
    problem(await crew.owner.post(url, body | {"board_type": "WATERFALL"}), 422, "validation_failed", "board_type")
    problem(await crew.owner.post(url, body | {"status": "DONE"}), 422, "validation_failed", "status")
    dates = {"start_date": "2025-03-10", "deadline": "2025-03-01"}
    problem(await crew.owner.post(url, body | dates), 422, "dates_out_of_order", "deadline")
    listed = (await crew.owner.get(url)).json()["items"]
    assert listed == []


async def test_a_space_admin_creates_projects_in_their_space(crew: Crew) -> None:
    space = (
        await crew.owner.post(
            f"/api/v1/workspaces/{crew.workspace_id}/spaces",
            {"name": "Platform", "key": "PLAT", "visibility": "PRIVATE"},
        )
    ).json()
    open_space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Open", "key": "OPEN"})
    ).json()
    await crew.owner.post(f"/api/v1/spaces/{space['id']}/members", {"user_id": crew.viewer.id, "role": "ADMIN"})
    url = f"/api/v1/workspaces/{crew.workspace_id}/projects"

    made = await crew.viewer.post(url, {"name": "API", "key": "API", "space_id": space["id"]})
    assert made.status_code == 201, made.text
    assert made.json()["space_id"] == space["id"]
    problem(await crew.viewer.post(url, {"name": "Web", "key": "WEB"}), 403, "permission_denied")
    # an editor outside the private space cannot see it; in a public one they lack space.projects.create
    problem(
        await crew.editor.post(url, {"name": "Web", "key": "WEB", "space_id": space["id"]}),
        422,
        "space_not_found",
        "space_id",
    )
    problem(
        await crew.editor.post(url, {"name": "Web", "key": "WEB", "space_id": open_space["id"]}),
        403,
        "permission_denied",
    )
    other = await crew.outsider.post(f"/api/v1/workspaces/{crew.other_workspace_id}/spaces", {"name": "X", "key": "XX"})
    problem(
        await crew.owner.post(url, {"name": "Web", "key": "WEB", "space_id": other.json()["id"]}),
        422,
        "space_not_found",
        "space_id",
    )
    await crew.owner.post(f"/api/v1/spaces/{space['id']}/archive")
    problem(await crew.viewer.post(url, {"name": "Web", "key": "WEB", "space_id": space["id"]}), 409, "space_archived")
    in_space = (await crew.owner.get(url, params={"space_id": space["id"]})).json()["items"]
    assert [project["key"] for project in in_space] == ["API"]


async def test_a_workspace_editor_outside_a_project_does_not_see_it(crew: Crew) -> None:
    project = await create_project(crew, crew.owner)
    url = f"/api/v1/projects/{project['id']}"

    problem(await crew.editor.get(url), 404, "project_not_found")
    problem(await crew.editor.get(f"{url}/members"), 404, "project_not_found")
    problem(await crew.editor.patch(url, {"name": "Mine"}), 404, "project_not_found")
    problem(await crew.outsider.get(url), 404, "project_not_found")
    assert (await crew.anonymous.get(url)).status_code == 401
    listed = (await crew.editor.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"]
    assert listed == []
    # workspace admins own every project without being members
    assert (await crew.admin.get(url)).status_code == 200
    assert await my_keys(crew.admin, project) == ALL_PROJECT_KEYS
    admin_list = (await crew.admin.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"]
    assert [item["key"] for item in admin_list] == ["WEB"]


async def test_a_project_member_views_but_cannot_edit_settings(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    url = f"/api/v1/projects/{project['id']}"

    assert (await crew.editor.get(url)).json()["name"] == "Website"
    body = problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")
    assert body["permission"] == "project.settings.edit"
    problem(await crew.editor.delete(url), 403, "permission_denied")
    assert await my_keys(crew.editor, project) == {
        "project.view",
        "project.tasks.view",
        "project.sprints.view",
        "project.docs.view",
        "project.members.view",
        "project.teams.view",
        "project.tasks.create",
        "project.tasks.edit",
    }
    listed = (await crew.editor.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"]
    assert [item["key"] for item in listed] == ["WEB"]


async def test_a_custom_role_with_settings_edit_may_edit(crew: Crew) -> None:
    project = await create_project(crew)
    await create_role(crew.owner, project, "Release manager", ["project.view", "project.settings.edit"])
    await add_member(crew.owner, project, crew.viewer, "Release manager")
    url = f"/api/v1/projects/{project['id']}"

    edited = await crew.viewer.patch(url, {"name": "Website v2", "status": "ON_HOLD", "board_type": "HYBRID"})

    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["status"], edited.json()["board_type"]) == (
        "Website v2",
        "ON_HOLD",
        "HYBRID",
    )
    problem(await crew.viewer.get(f"{url}/members"), 403, "permission_denied")
    problem(
        await crew.viewer.post(f"{url}/copy-settings", {"from_project_id": project["id"]}), 403, "permission_denied"
    )


async def test_settings_are_validated_and_merged(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}"

    saved = await crew.owner.patch(
        url,
        {
            "settings": {
                "wip_limits": {"In progress": 3, "Review": 0},
                "swimlane": "assignee",
                "sprint_length_days": 10,
                "default_assignee_id": crew.viewer.id,
            },
            "start_date": "2025-01-06",
            "deadline": "2025-03-31",
        },
    )
    assert saved.status_code == 200, saved.text
    settings = saved.json()["settings"]
    assert settings["wip_limits"] == {"In progress": 3, "Review": 0}
    assert (settings["swimlane"], settings["sprint_length_days"], settings["sprint_start_day"]) == ("assignee", 10, 1)
    assert settings["default_assignee_id"] == crew.viewer.id
    merged = await crew.owner.patch(url, {"settings": {"time_tracking": False, "sprint_start_day": 7}})
    assert merged.json()["settings"] | {"time_tracking": True, "sprint_start_day": 1} == settings

    bad: list[tuple[Json, str, str]] = [
        ({"settings": {"wip_limits": {"Todo": -1}}}, "validation_failed", "settings.wip_limits.Todo"),
        ({"settings": {"swimlane": "sprint"}}, "validation_failed", "settings.swimlane"),
        ({"settings": {"sprint_length_days": 0}}, "validation_failed", "settings.sprint_length_days"),
        ({"settings": {"sprint_length_days": 61}}, "validation_failed", "settings.sprint_length_days"),
        ({"settings": {"sprint_start_day": 8}}, "validation_failed", "settings.sprint_start_day"),
        ({"settings": {"time_tracking": "sometimes"}}, "validation_failed", "settings.time_tracking"),
        ({"settings": {"colour_scheme": "dark"}}, "validation_failed", "settings.colour_scheme"),
        (
            {"settings": {"default_assignee_id": crew.outsider.id}},
            "not_workspace_member",
            "settings.default_assignee_id",
        ),
        ({"deadline": "2024-12-31"}, "dates_out_of_order", "deadline"),
        ({"start_date": "2025-04-01"}, "dates_out_of_order", "deadline"),
        ({"name": None}, "validation_failed", "body"),
        ({"color": "red"}, "validation_failed", "color"),
    ]
    for body, code, field in bad:
        problem(await crew.owner.patch(url, body), 422, code, field)
    after = (await crew.owner.get(url)).json()
    assert after["settings"]["sprint_start_day"] == 7
    assert after["deadline"] == "2025-03-31"
    cleared = await crew.owner.patch(url, {"settings": {"default_assignee_id": None}, "deadline": None})
    assert cleared.json()["settings"]["default_assignee_id"] is None
    assert cleared.json()["deadline"] is None


async def test_copying_settings_from_another_project(crew: Crew) -> None:
    source = await create_project(
        crew,
        key="SRC",
        board_type="SCRUM",
        settings={"wip_limits": {"Doing": 2}, "swimlane": "epic", "sprint_length_days": 7, "time_tracking": False},
    )
    target = await create_project(crew, crew.editor, key="DST", name="Target", description="Keep me")
    url = f"/api/v1/projects/{target['id']}/copy-settings"

    # the editor owns the target but cannot see the source
    problem(await crew.editor.post(url, {"from_project_id": source["id"]}), 422, "project_not_found", "from_project_id")
    await add_member(crew.owner, source, crew.editor, "VIEWER")
    copied = await crew.editor.post(url, {"from_project_id": source["id"]})

    assert copied.status_code == 200, copied.text
    assert copied.json()["board_type"] == "SCRUM"
    assert copied.json()["settings"] == source["settings"]
    assert (copied.json()["name"], copied.json()["description"], copied.json()["key"]) == ("Target", "Keep me", "DST")
    problem(await crew.editor.post(url, {"from_project_id": target["id"]}), 422, "same_project", "from_project_id")
    problem(await crew.editor.post(url, {}), 422, "validation_failed", "from_project_id")
    # a project in another tenant does not exist for the caller
    elsewhere = await crew.outsider.post(
        f"/api/v1/workspaces/{crew.other_workspace_id}/projects", {"name": "Theirs", "key": "THR"}
    )
    problem(
        await crew.owner.post(url, {"from_project_id": elsewhere.json()["id"]}),
        422,
        "project_not_found",
        "from_project_id",
    )


async def test_deleting_a_project_takes_its_roles_and_members(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "ADMIN")
    await create_role(crew.owner, project, "Guest", ["project.view"])
    url = f"/api/v1/projects/{project['id']}"

    problem(await crew.editor.delete(url), 403, "permission_denied")
    problem(await crew.outsider.delete(url), 404, "project_not_found")
    assert (await crew.owner.delete(url)).status_code == 204
    problem(await crew.owner.get(url), 404, "project_not_found")
    problem(await crew.owner.get(f"{url}/roles"), 404, "project_not_found")
    assert (await crew.owner.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"] == []
    again = await create_project(crew)  # the key is free again
    assert again["key"] == "WEB"


async def test_the_project_list_pages_by_name(crew: Crew) -> None:
    for name, key in (("Delta", "DD"), ("Alpha", "AA"), ("Charlie", "CC"), ("Bravo", "BB")):
        await create_project(crew, name=name, key=key)
    url = f"/api/v1/workspaces/{crew.workspace_id}/projects"

    first = (await crew.owner.get(url, params={"limit": 3})).json()
    second = (await crew.owner.get(url, params={"limit": 3, "cursor": first["next_cursor"]})).json()

    assert [item["name"] for item in first["items"] + second["items"]] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert second["next_cursor"] is None
    problem(await crew.owner.get(url, params={"cursor": "eyJ4Ijo"}), 422, "cursor_invalid", "cursor")


async def test_listing_projects_costs_the_same_sql_for_3_or_8(crew: Crew, count_sql: Any) -> None:
    async def statements(person: Person) -> int:
        url = f"/api/v1/workspaces/{crew.workspace_id}/projects"
        await person.get(url)  # warm the access cache
        with count_sql() as counter:
            answer = await person.get(url)
        assert answer.status_code == 200
        return int(counter.count)

    async def add(number: int) -> None:
        project = await create_project(crew, key=f"P{number}", name=f"Project {number}")
        if number % 2:
            await add_member(crew.owner, project, crew.editor, "VIEWER")

    for number in range(3):
        await add(number)
    few = {person.name: await statements(person) for person in (crew.admin, crew.editor, crew.viewer)}
    for number in range(3, 8):
        await add(number)
    many = {person.name: await statements(person) for person in (crew.admin, crew.editor, crew.viewer)}

    assert few == many
    listed = (await crew.editor.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"]
    assert [item["key"] for item in listed] == ["P1", "P3", "P5", "P7"]
    assert len((await crew.admin.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"]) == 8
    assert (await crew.viewer.get(f"/api/v1/workspaces/{crew.workspace_id}/projects")).json()["items"] == []


async def test_moving_a_project_into_a_space_needs_the_assign_key_there(crew: Crew) -> None:
    project = await create_project(crew, crew.editor)
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Platform", "key": "PLAT"})
    ).json()
    url = f"/api/v1/projects/{project['id']}"

    problem(await crew.editor.patch(url, {"space_id": space["id"]}), 403, "permission_denied")
    await crew.owner.post(f"/api/v1/spaces/{space['id']}/members", {"user_id": crew.editor.id, "role": "ADMIN"})
    moved = await crew.editor.patch(url, {"space_id": space["id"]})
    assert moved.json()["space_id"] == space["id"]
    assert (await crew.editor.patch(url, {"space_id": None})).json()["space_id"] is None


def test_every_project_key_is_in_one_group_of_the_roles_matrix() -> None:
    grouped = [key for _, keys in PERMISSION_GROUPS for key in keys]
    assert sorted(grouped) == sorted(in_scope(Scope.PROJECT))
    assert len(grouped) == len(set(grouped)) == 34
    assert [label for label, _ in PERMISSION_GROUPS] == ["View", "Create", "Edit", "Delete", "Sprint", "Management"]
    assert Permission.PROJECT_SPRINTS_START in dict(PERMISSION_GROUPS)["Sprint"]
