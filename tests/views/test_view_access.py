"""Who sees and who may change saved views: a PERSONAL view is its owner's alone, shared views are read by
everyone who sees the place's items and changed only with the place's settings permission, and views of
places out of reach (another tenant's, a private space's) do not exist for the caller."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.spaces.people import Person
from tests.tasks.conftest import new_project
from tests.views.conftest import VIEWS, Places, join_project


def refused(response: httpx.Response) -> tuple[int, str, Any]:
    body = response.json()
    return response.status_code, body["code"], body.get("permission")


async def every_way_of_touching(person: Person, view_id: str) -> list[httpx.Response]:
    url = f"{VIEWS}/{view_id}"
    return [
        await person.get(url),
        await person.patch(url, json={"name": "Mine now"}),
        await person.post(f"{url}/duplicate"),
        await person.post(f"{url}/default"),
        await person.delete(url),
    ]


async def test_nobody_else_sees_or_touches_my_personal_view(places: Places) -> None:
    crew = places.crew
    mine = await places.create(crew.editor, name="Editor's own")

    for someone in (crew.owner, crew.viewer):
        assert await places.names(someone) == []
        for response in await every_way_of_touching(someone, mine["id"]):
            assert (response.status_code, response.json()["code"]) == (404, "view_not_found")
    assert await places.names(crew.editor) == ["Editor's own"]


async def test_a_project_viewer_reads_shared_views_but_cannot_change_them(places: Places) -> None:
    viewer = places.crew.viewer
    shared = await places.create(name="Team board", scope="PROJECT")
    url = f"{VIEWS}/{shared['id']}"

    read = await viewer.get(url)
    copied = await viewer.post(f"{url}/duplicate")
    changes = [
        await viewer.patch(url, json={"name": "Hijacked"}),
        await viewer.post(f"{url}/default"),
        await viewer.delete(url),
        await viewer.post(f"{url}/duplicate", json={"scope": "PROJECT"}),
        await places.post(viewer, name="Another team board", scope="PROJECT"),
    ]

    assert (read.status_code, read.json()["can_edit"]) == (200, False)
    assert (copied.status_code, copied.json()["scope"], copied.json()["can_edit"]) == (201, "PERSONAL", True)
    assert [refused(each) for each in changes] == [(403, "permission_denied", "project.settings.edit")] * 5
    assert (await places.crew.owner.get(url)).json()["name"] == "Team board"
    assert await places.names(viewer) == ["Team board", "Team board (copy)"]


@pytest.mark.parametrize(
    ("level", "permission"),
    [
        ("PROJECT", "project.settings.edit"),
        ("SPACE", "space.settings.edit"),
        ("WORKSPACE", "workspace.settings.manage"),
    ],
)
async def test_sharing_at_each_level_needs_its_settings_permission(places: Places, level: str, permission: str) -> None:
    crew = places.crew
    where = getattr(places, level.lower())
    by_owner = await places.create(where=where, name="Shared", scope=level)

    created = await places.post(crew.editor, where, name="Editor's shared", scope=level)
    edited = await crew.editor.patch(f"{VIEWS}/{by_owner['id']}", json={"filters": {}})
    shared_later = await crew.editor.patch(
        f"{VIEWS}/{(await places.create(crew.editor, where))['id']}", json={"scope": level}
    )
    by_admin = await crew.admin.patch(f"{VIEWS}/{by_owner['id']}", json={"name": "Renamed by an admin"})

    assert refused(created) == (403, "permission_denied", permission)
    assert refused(edited) == (403, "permission_denied", permission)
    assert refused(shared_later) == (403, "permission_denied", permission)
    assert (by_admin.status_code, by_admin.json()["can_edit"]) == (200, True)
    assert [view["can_edit"] for view in (await crew.editor.get(VIEWS, params=where)).json()["items"]] == [
        True,
        False,
    ]


async def test_another_tenant_finds_nothing(places: Places) -> None:
    outsider = places.crew.outsider
    shared = await places.create(name="Team board", scope="PROJECT")
    workspace_wide = await places.create(where=places.workspace, name="Company", scope="WORKSPACE")

    listings = [await outsider.get(VIEWS, params=where) for where in (places.project, places.space, places.workspace)]
    default = await outsider.get(f"{VIEWS}/default", params=places.project | {"view_type": "LIST"})
    created = await places.post(outsider, name="Planted")

    assert [refused(each)[:2] for each in listings] == [
        (404, "project_not_found"),
        (404, "space_not_found"),
        (404, "workspace_not_found"),
    ]
    assert refused(default)[:2] == (404, "project_not_found")
    assert (refused(created)[:2], created.json()["errors"][0]["field"]) == ((404, "project_not_found"), "project_id")
    for view in (shared, workspace_wide):
        for response in await every_way_of_touching(outsider, view["id"]):
            assert refused(response)[:2] == (404, "view_not_found")


async def test_views_of_a_project_i_am_not_in_are_hidden_but_the_workspace_ones_are_not(places: Places) -> None:
    crew = places.crew
    other = await new_project(crew.owner, crew.workspace_id, key="OPS")
    theirs = await places.create(where={"project_id": other["id"]}, name="Ops board", scope="PROJECT")
    await places.create(where=places.workspace, name="Company", scope="WORKSPACE")

    listed = await crew.viewer.get(VIEWS, params={"project_id": other["id"]})
    read = await crew.viewer.get(f"{VIEWS}/{theirs['id']}")

    assert refused(listed)[:2] == (404, "project_not_found")
    assert refused(read)[:2] == (404, "view_not_found")
    assert await places.names(crew.viewer, places.workspace) == ["Company"]


async def test_a_private_space_keeps_its_views_from_project_members_outside_it(places: Places) -> None:
    crew = places.crew
    space = await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/spaces", json={"name": "Secret", "key": "SEC", "visibility": "PRIVATE"}
    )
    project = await new_project(crew.owner, crew.workspace_id, key="SEC", space_id=space.json()["id"])
    await join_project(crew.owner, project["id"], crew.editor, "MEMBER")
    space_view = await places.create(where={"space_id": space.json()["id"]}, name="Space board", scope="SPACE")
    await places.create(where={"project_id": project["id"]}, name="Project board", scope="PROJECT")

    in_project = await places.names(crew.editor, {"project_id": project["id"]})
    read = await crew.editor.get(f"{VIEWS}/{space_view['id']}")

    assert in_project == ["Project board"]
    assert refused(read)[:2] == (404, "view_not_found")
    assert await places.names(crew.owner, {"project_id": project["id"]}) == ["Project board", "Space board"]


async def test_signed_out_visitors_are_asked_to_sign_in(places: Places) -> None:
    anonymous = places.crew.anonymous
    url = f"{VIEWS}/{(await places.create(name='Mine'))['id']}"

    answers = [
        await anonymous.get(VIEWS, params=places.project),
        await anonymous.post(VIEWS, json={"name": "x", "view_type": "LIST"} | places.project),
        await anonymous.get(f"{VIEWS}/default", params=places.project | {"view_type": "LIST"}),
        await anonymous.get(url),
        await anonymous.patch(url, json={"name": "x"}),
        await anonymous.delete(url),
        await anonymous.post(f"{url}/duplicate"),
        await anonymous.post(f"{url}/default"),
    ]

    assert [answer.status_code for answer in answers] == [401] * 8
    assert (await places.crew.owner.get(url)).json()["name"] == "Mine"
