"""A space's default workflow and how new projects inherit it, from the space's page and in its API."""

from __future__ import annotations

from typing import Any

from tests.spaces.people import Crew

HTMX = {"HX-Request": "true"}


async def space_and_workflow(crew: Crew) -> tuple[dict[str, Any], dict[str, Any]]:
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Platform", "key": "PLAT"})
    ).json()
    workflow = (
        await crew.owner.post(
            f"/api/v1/workspaces/{crew.workspace_id}/workflows", {"name": "Kanban", "template": "SIMPLE_KANBAN"}
        )
    ).json()
    return space, workflow


async def test_the_space_page_sets_the_default_workflow_and_its_inheritance(crew: Crew) -> None:
    space, workflow = await space_and_workflow(crew)

    page = await crew.owner.get(f"/spaces/{space['id']}")
    saved = await crew.owner.post(
        f"/spaces/{space['id']}/workflow",
        data={"default_workflow_id": workflow["id"], "inheritance": "REQUIRE"},
        headers=HTMX,
    )
    api = (await crew.owner.get(f"/api/v1/spaces/{space['id']}")).json()
    project = (
        await crew.owner.post(
            f"/api/v1/workspaces/{crew.workspace_id}/projects", {"name": "Web", "key": "WEB", "space_id": space["id"]}
        )
    ).json()

    assert page.status_code == 200
    assert "New projects get this workflow and cannot change it." in page.text
    assert f'<option value="{workflow["id"]}"' in page.text
    assert saved.status_code == 200, saved.text
    assert (api["default_workflow_id"], api["workflow_inheritance"]) == (workflow["id"], "REQUIRE")
    assert (project["workflow_id"], project["workflow_locked"]) == (workflow["id"], True)


async def test_a_refused_workflow_setting_says_why_beside_the_field(crew: Crew) -> None:
    space, _ = await space_and_workflow(crew)

    missing = await crew.owner.post(
        f"/spaces/{space['id']}/workflow", data={"default_workflow_id": "", "inheritance": "SUGGEST"}, headers=HTMX
    )
    unknown = await crew.owner.post(f"/spaces/{space['id']}/workflow", data={"inheritance": "SOMETIMES"}, headers=HTMX)
    api = (await crew.owner.get(f"/api/v1/spaces/{space['id']}")).json()

    assert missing.status_code == 422
    assert 'id="field-default_workflow_id-error"' in missing.text
    assert "Choose the workflow the space hands down." in missing.text
    assert unknown.status_code == 422
    assert (api["default_workflow_id"], api["workflow_inheritance"]) == (None, "NONE")


async def test_only_space_editors_change_the_workflow_setting(crew: Crew) -> None:
    space, workflow = await space_and_workflow(crew)
    body = {"default_workflow_id": workflow["id"], "inheritance": "SUGGEST"}

    viewer = await crew.viewer.post(f"/spaces/{space['id']}/workflow", data=body, headers=HTMX)
    outsider = await crew.outsider.post(f"/spaces/{space['id']}/workflow", data=body, headers=HTMX)
    read_only = await crew.viewer.get(f"/spaces/{space['id']}")

    assert viewer.status_code == 403
    assert outsider.status_code == 404
    assert "Inheritance" not in read_only.text
    assert (await crew.owner.get(f"/api/v1/spaces/{space['id']}")).json()["workflow_inheritance"] == "NONE"
