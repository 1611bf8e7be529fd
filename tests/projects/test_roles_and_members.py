"""Project roles and members: default roles are protected, custom roles hold only real project keys,
a role in use stays, members come from the workspace, and a project always keeps an OWNER."""

from __future__ import annotations

from tests.projects.helpers import add_member, create_project, create_role, my_keys, problem, roles_of
from tests.spaces.people import Crew


async def test_default_roles_cannot_be_renamed_or_deleted(crew: Crew) -> None:
    project = await create_project(crew)
    roles = await roles_of(crew.owner, project)
    url = f"/api/v1/projects/{project['id']}/roles"

    for name in ("OWNER", "ADMIN", "MEMBER", "VIEWER"):
        problem(
            await crew.owner.patch(f"{url}/{roles[name]['id']}", {"name": f"{name} 2"}), 409, "default_role", "name"
        )
        problem(await crew.owner.delete(f"{url}/{roles[name]['id']}"), 409, "default_role")
    problem(
        await crew.owner.patch(f"{url}/{roles['OWNER']['id']}", {"permissions": ["project.view"]}),
        409,
        "default_role",
        "permissions",
    )
    # the other default roles keep their names but their keys may be tuned
    tuned = await crew.owner.patch(
        f"{url}/{roles['VIEWER']['id']}",
        {"permissions": [*roles["VIEWER"]["permissions"], "project.reports.view"], "description": "Read only"},
    )
    assert tuned.status_code == 200, tuned.text
    assert "project.reports.view" in tuned.json()["permissions"]
    assert tuned.json()["name"] == "VIEWER"
    assert list(await roles_of(crew.owner, project)) == ["OWNER", "ADMIN", "MEMBER", "VIEWER"]


async def test_custom_roles_hold_project_keys_only(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}/roles"

    unknown = problem(
        await crew.owner.post(url, {"name": "Odd", "permissions": ["project.view", "project.fly"]}),
        422,
        "unknown_permission",
        "permissions",
    )
    assert "project.fly" in unknown["detail"]
    assert unknown["permission"] == "project.fly"
    problem(await crew.owner.post(url, {"name": "Odd", "permissions": ["workspace.delete"]}), 422, "unknown_permission")
    problem(await crew.owner.post(url, {"name": "", "permissions": []}), 422, "validation_failed", "name")
    problem(await crew.owner.post(url, {"name": "x" * 61}), 422, "validation_failed", "name")
    problem(await crew.owner.post(url, {"name": "owner"}), 409, "role_name_taken", "name")

    role = await create_role(
        crew.owner, project, "Release manager", ["project.view", "project.view", "project.sprints.start"]
    )
    assert role["permissions"] == ["project.sprints.start", "project.view"]
    assert (role["is_default"], role["member_count"]) == (False, 0)
    problem(await crew.owner.post(url, {"name": "release MANAGER"}), 409, "role_name_taken", "name")
    renamed = await crew.owner.patch(f"{url}/{role['id']}", {"name": "Releaser", "color": "#00ff00"})
    assert (renamed.json()["name"], renamed.json()["color"]) == ("Releaser", "#00ff00")
    problem(await crew.owner.patch(f"{url}/{role['id']}", {"permissions": ["nope"]}), 422, "unknown_permission")
    problem(await crew.owner.patch(f"{url}/{role['id']}", {"name": "ADMIN"}), 409, "role_name_taken", "name")
    assert list(await roles_of(crew.owner, project)) == ["OWNER", "ADMIN", "MEMBER", "VIEWER", "Releaser"]


async def test_a_role_in_use_cannot_be_deleted(crew: Crew) -> None:
    project = await create_project(crew)
    role = await create_role(crew.owner, project, "Guest", ["project.view"])
    await add_member(crew.owner, project, crew.viewer, "Guest")
    url = f"/api/v1/projects/{project['id']}/roles/{role['id']}"

    problem(await crew.owner.delete(url), 409, "role_in_use")
    assert (await roles_of(crew.owner, project))["Guest"]["member_count"] == 1
    roles = await roles_of(crew.owner, project)
    await crew.owner.patch(
        f"/api/v1/projects/{project['id']}/members/{crew.viewer.id}", {"role_id": roles["VIEWER"]["id"]}
    )
    assert (await crew.owner.delete(url)).status_code == 204
    assert "Guest" not in await roles_of(crew.owner, project)
    problem(await crew.owner.delete(url), 404, "role_not_found")


async def test_who_may_manage_roles(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "ADMIN")
    await add_member(crew.owner, project, crew.viewer, "VIEWER")
    url = f"/api/v1/projects/{project['id']}/roles"

    assert (await crew.viewer.get(url)).status_code == 200
    problem(await crew.viewer.post(url, {"name": "Mine"}), 403, "permission_denied")
    problem(await crew.editor.post(url, {"name": "Mine"}), 403, "permission_denied")  # ADMIN lacks roles.create
    problem(await crew.outsider.get(url), 404, "project_not_found")
    assert (await crew.anonymous.get(url)).status_code == 401
    # a role that may create roles still cannot hand out keys it lacks
    await create_role(crew.owner, project, "Role maker", ["project.view", "project.roles.create"])
    await crew.owner.patch(
        f"/api/v1/projects/{project['id']}/members/{crew.viewer.id}",
        {"role_id": (await roles_of(crew.owner, project))["Role maker"]["id"]},
    )
    refused = problem(
        await crew.viewer.post(url, {"name": "Boss", "permissions": ["project.delete"]}), 403, "permission_denied"
    )
    assert refused["permission"] == "project.delete"
    assert (await crew.viewer.post(url, {"name": "Looker", "permissions": ["project.view"]})).status_code == 201


async def test_members_come_from_the_workspace(crew: Crew) -> None:
    project = await create_project(crew)
    roles = await roles_of(crew.owner, project)
    url = f"/api/v1/projects/{project['id']}/members"

    problem(
        await crew.owner.post(url, {"user_id": crew.outsider.id, "role_id": roles["MEMBER"]["id"]}),
        422,
        "not_workspace_member",
        "user_id",
    )
    other = await create_project(crew, key="OTH")
    other_role = (await roles_of(crew.owner, other))["MEMBER"]
    problem(
        await crew.owner.post(url, {"user_id": crew.viewer.id, "role_id": other_role["id"]}),
        422,
        "unknown_role",
        "role_id",
    )
    problem(await crew.owner.post(url, {"user_id": crew.viewer.id}), 422, "validation_failed", "role_id")
    added = await crew.owner.post(url, {"user_id": crew.viewer.id, "role_id": roles["MEMBER"]["id"]})
    assert added.status_code == 201
    assert (added.json()["name"], added.json()["role_name"]) == ("Vera Viewer", "MEMBER")
    problem(
        await crew.owner.post(url, {"user_id": crew.viewer.id, "role_id": roles["VIEWER"]["id"]}),
        409,
        "already_member",
        "user_id",
    )
    problem(
        await crew.viewer.post(url, {"user_id": crew.editor.id, "role_id": roles["VIEWER"]["id"]}),
        403,
        "permission_denied",
    )
    listed = (await crew.viewer.get(url)).json()["items"]
    assert [(item["email"], item["role_name"]) for item in listed] == [
        (crew.owner.email, "OWNER"),
        (crew.viewer.email, "MEMBER"),
    ]


async def test_the_last_owner_stays(crew: Crew) -> None:
    project = await create_project(crew, crew.editor)
    roles = await roles_of(crew.editor, project)
    url = f"/api/v1/projects/{project['id']}/members"

    problem(await crew.editor.patch(f"{url}/{crew.editor.id}", {"role_id": roles["ADMIN"]["id"]}), 409, "last_owner")
    problem(await crew.editor.delete(f"{url}/{crew.editor.id}"), 409, "last_owner")
    problem(await crew.admin.delete(f"{url}/{crew.editor.id}"), 409, "last_owner")  # not even a workspace admin

    await add_member(crew.editor, project, crew.viewer, "OWNER")
    demoted = await crew.editor.patch(f"{url}/{crew.editor.id}", {"role_id": roles["ADMIN"]["id"]})
    assert demoted.status_code == 200
    assert demoted.json()["role_name"] == "ADMIN"
    problem(await crew.viewer.delete(f"{url}/{crew.viewer.id}"), 409, "last_owner")
    problem(
        await crew.editor.patch(f"{url}/{crew.viewer.id}", {"role_id": roles["MEMBER"]["id"]}), 403, "permission_denied"
    )
    problem(
        await crew.viewer.patch(f"{url}/{crew.admin.id}", {"role_id": roles["MEMBER"]["id"]}), 404, "member_not_found"
    )
    assert (await crew.viewer.delete(f"{url}/{crew.editor.id}")).status_code == 204
    assert [item["email"] for item in (await crew.viewer.get(url)).json()["items"]] == [crew.viewer.email]


async def test_an_admin_cannot_make_an_owner_nor_touch_one(crew: Crew) -> None:
    project = await create_project(crew)
    roles = await roles_of(crew.owner, project)
    await add_member(crew.owner, project, crew.editor, "ADMIN")
    url = f"/api/v1/projects/{project['id']}/members"

    refused = problem(
        await crew.editor.post(url, {"user_id": crew.viewer.id, "role_id": roles["OWNER"]["id"]}),
        403,
        "permission_denied",
    )
    assert refused["permission"] not in roles["ADMIN"]["permissions"]
    problem(
        await crew.editor.patch(f"{url}/{crew.owner.id}", {"role_id": roles["MEMBER"]["id"]}), 403, "permission_denied"
    )
    assert (
        await crew.editor.post(url, {"user_id": crew.viewer.id, "role_id": roles["MEMBER"]["id"]})
    ).status_code == 201
    assert (await crew.editor.patch(f"{url}/{crew.viewer.id}", {"role_id": roles["ADMIN"]["id"]})).status_code == 200


async def test_a_removed_member_loses_the_project_on_the_next_request(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    url = f"/api/v1/projects/{project['id']}"
    assert (await crew.editor.get(url)).status_code == 200

    assert (await crew.owner.delete(f"{url}/members/{crew.editor.id}")).status_code == 204

    problem(await crew.editor.get(url), 404, "project_not_found")
    assert await my_keys(crew.editor, project) == set()
    problem(await crew.owner.delete(f"{url}/members/{crew.editor.id}"), 404, "member_not_found")


async def test_changing_a_role_changes_what_its_members_may_do_at_once(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    member_role = (await roles_of(crew.owner, project))["MEMBER"]
    url = f"/api/v1/projects/{project['id']}"
    problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")

    await crew.owner.patch(
        f"{url}/roles/{member_role['id']}", {"permissions": [*member_role["permissions"], "project.settings.edit"]}
    )

    assert (await crew.editor.patch(url, {"name": "Ours"})).status_code == 200
