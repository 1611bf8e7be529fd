"""The spaces pages over HTTP, as htmx drives them: the list with its empty state and create form,
ordering, one space with its projects and members, settings, archiving and deletion, and the guards."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.spaces.people import Crew, Person
from tests.support.assets import require_built_assets

HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="session", autouse=True)
def asset_manifest() -> dict[str, str]:
    return require_built_assets()


async def make_space(crew: Crew, who: Person | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": "Platform", "key": "PLAT"} | fields
    answer = await (who or crew.owner).post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def keys_in(html: str) -> list[str]:
    return re.findall(r'data-space-key="([A-Z0-9]+)"', html)


async def test_an_empty_workspace_offers_to_create_the_first_space(crew: Crew) -> None:
    page = await crew.editor.get(f"/workspaces/{crew.workspace_id}/spaces")

    assert page.status_code == 200
    assert "No spaces yet" in page.text
    assert f'hx-post="/workspaces/{crew.workspace_id}/spaces"' in page.text
    assert re.search(rf'<a href="/workspaces/{crew.workspace_id}/spaces" aria-current="page"', page.text)
    viewer_page = await crew.viewer.get(f"/workspaces/{crew.workspace_id}/spaces")
    assert "There is no space you can see" in viewer_page.text
    assert f'hx-post="/workspaces/{crew.workspace_id}/spaces"' not in viewer_page.text


async def test_creating_a_space_from_the_page(crew: Crew) -> None:
    url = f"/workspaces/{crew.workspace_id}/spaces"

    refused = await crew.editor.post(url, data={"name": "", "key": "p"}, headers=HTMX)
    assert refused.status_code == 422
    assert "This field is required." in refused.text or "at least 1 character" in refused.text
    assert "2 to 10 capital letters" in refused.text
    created = await crew.editor.post(
        url, data={"name": "Platform", "key": "plat", "visibility": "PRIVATE", "color": "#10b981"}, headers=HTMX
    )
    assert created.status_code == 204
    space_url = created.headers["hx-redirect"]
    page = await crew.editor.get(space_url)
    assert page.status_code == 200
    assert "Platform" in page.text
    assert "PLAT" in page.text
    assert "Private" in page.text
    assert f'data-member="{crew.editor.email}"' in page.text
    taken = await crew.editor.post(url, data={"name": "Again", "key": "PLAT"}, headers=HTMX)
    assert taken.status_code == 422
    assert "uses the key PLAT" in taken.text


async def test_the_list_shows_what_each_person_may_see(crew: Crew) -> None:
    await make_space(crew, key="OPEN", name="Open")
    await make_space(crew, key="SEC", name="Secret", visibility="PRIVATE")
    archived = await make_space(crew, key="OLD", name="Old")
    await crew.owner.post(f"/api/v1/spaces/{archived['id']}/archive")

    admin_page = await crew.admin.get(f"/workspaces/{crew.workspace_id}/spaces")
    viewer_page = await crew.viewer.get(f"/workspaces/{crew.workspace_id}/spaces")

    assert keys_in(admin_page.text) == ["OPEN", "SEC", "OLD"]
    assert "Archived" in admin_page.text
    assert keys_in(viewer_page.text) == ["OPEN", "OLD"]
    assert "/up" not in viewer_page.text  # a viewer cannot reorder
    assert "Move Open down" in admin_page.text


async def test_moving_a_space_answers_with_the_new_order(crew: Crew) -> None:
    await make_space(crew, key="AAA", name="A")
    second = await make_space(crew, key="BBB", name="B")

    moved = await crew.editor.post(f"/workspaces/{crew.workspace_id}/spaces/{second['id']}/up", headers=HTMX)

    assert moved.status_code == 200
    assert keys_in(moved.text) == ["BBB", "AAA"]
    refused = await crew.viewer.post(f"/workspaces/{crew.workspace_id}/spaces/{second['id']}/down", headers=HTMX)
    assert refused.status_code == 403


async def test_a_space_page_shows_its_projects_and_members(crew: Crew) -> None:
    space = await make_space(crew)
    await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/projects", {"name": "Web", "key": "WEB", "space_id": space["id"]}
    )
    url = f"/spaces/{space['id']}"

    owner_page = await crew.owner.get(url)
    viewer_page = await crew.viewer.get(url)

    assert 'data-project-key="WEB"' in owner_page.text
    assert 'data-project-key="WEB"' not in viewer_page.text  # not a project member
    assert "No projects here yet" in viewer_page.text
    assert f'hx-post="/spaces/{space["id"]}/members"' in owner_page.text
    assert f'hx-post="/spaces/{space["id"]}/members"' not in viewer_page.text
    assert f'hx-post="/spaces/{space["id"]}/settings"' not in viewer_page.text
    assert "About this space" in viewer_page.text


async def test_managing_space_members_from_the_page(crew: Crew) -> None:
    space = await make_space(crew, visibility="PRIVATE")
    url = f"/spaces/{space['id']}/members"

    added = await crew.owner.post(url, data={"user_id": crew.editor.id, "role": "VIEWER"}, headers=HTMX)
    assert added.status_code == 200
    assert json.loads(added.headers["hx-trigger"])["toast"]["title"] == "Member added"
    assert f'data-member="{crew.editor.email}"' in added.text
    assert (await crew.editor.get(f"/spaces/{space['id']}")).status_code == 200
    refused = await crew.owner.post(url, data={"user_id": crew.outsider.id}, headers=HTMX)
    assert refused.status_code == 422
    assert "not a member of the workspace" in refused.text
    changed = await crew.owner.post(f"{url}/{crew.editor.id}", data={"role": "ADMIN"}, headers=HTMX)
    assert changed.status_code == 200
    assert re.search(rf'id="role-{crew.editor.id}".*?<option value="ADMIN" selected', changed.text, re.S)
    removed = await crew.owner.client.delete(f"{url}/{crew.editor.id}", headers=HTMX)
    assert removed.status_code == 200
    assert f'data-member="{crew.editor.email}"' not in removed.text
    assert (await crew.editor.get(f"/spaces/{space['id']}")).status_code == 404


async def test_settings_archive_and_delete_from_the_page(crew: Crew) -> None:
    space = await make_space(crew)
    url = f"/spaces/{space['id']}"

    refused = await crew.owner.post(f"{url}/settings", data={"name": "Platform", "key": "n"}, headers=HTMX)
    assert refused.status_code == 422
    assert "2 to 10 capital letters" in refused.text
    saved = await crew.owner.post(
        f"{url}/settings",
        data={"name": "Core", "key": "CORE", "visibility": "PUBLIC", "description": "x"},
        headers=HTMX,
    )
    assert saved.headers["hx-redirect"] == url
    assert (await crew.owner.get(f"/api/v1/spaces/{space['id']}")).json()["key"] == "CORE"
    assert (await crew.editor.post(f"{url}/archive", headers=HTMX)).status_code == 403
    assert (await crew.owner.post(f"{url}/archive", headers=HTMX)).headers["hx-redirect"] == url
    assert "Unarchive" in (await crew.owner.get(url)).text
    assert (await crew.editor.client.delete(f"{url}", headers=HTMX)).status_code == 403
    deleted = await crew.owner.client.delete(f"{url}", headers=HTMX)
    assert deleted.headers["hx-redirect"] == f"/workspaces/{crew.workspace_id}/spaces"
    assert (await crew.owner.get(url)).status_code == 404


async def test_the_pages_are_guarded(crew: Crew) -> None:
    space = await make_space(crew, visibility="PRIVATE")

    signed_out = await crew.anonymous.get(f"/spaces/{space['id']}")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/sign-in?return_to=")
    assert (await crew.editor.get(f"/spaces/{space['id']}", headers={"accept": "text/html"})).status_code == 404
    assert (await crew.outsider.get(f"/workspaces/{crew.workspace_id}/spaces")).status_code == 404
    refused = await crew.viewer.post(
        f"/workspaces/{crew.workspace_id}/spaces", data={"name": "X", "key": "XX"}, headers=HTMX
    )
    assert refused.status_code == 403
