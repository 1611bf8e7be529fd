"""The workflow pages, driven like a browser with htmx: a project's Workflow settings section, a
workspace's Workflows page and the editor they share."""

from __future__ import annotations

from fairlx.core.infrastructure import Infrastructure
from tests.projects.helpers import Json, add_member
from tests.spaces.people import Crew
from tests.workflows.helpers import add_tasks, project_with_workflow, status_ids, tasks_by_status, workflow_of

HTMX = {"HX-Request": "true"}


def section(project: Json) -> str:
    return f"/projects/{project['id']}/settings/workflow"


def editor(project: Json, workflow: Json) -> str:
    return f"{section(project)}/{workflow['id']}"


async def test_the_workflow_section_shows_the_workflow_in_use_to_readers_only(crew: Crew) -> None:
    project, _ = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.viewer, "VIEWER")

    owner = await crew.owner.get(section(project))
    viewer = await crew.viewer.get(section(project))
    outsider = await crew.outsider.get(section(project))

    assert owner.status_code == 200
    assert "Software Development" in owner.text
    assert 'data-status="IN_REVIEW"' in owner.text
    assert 'data-node="DONE"' in owner.text  # the diagram
    assert "This workflow looks good" in owner.text
    assert 'hx-post="' + section(project) in owner.text  # the editor's controls
    assert viewer.status_code == 200
    assert 'data-cell="' not in viewer.text  # the matrix, read only
    assert "Use another workflow" not in viewer.text
    assert outsider.status_code == 404


async def test_a_cell_of_the_matrix_toggles_a_transition(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    ids = status_ids(workflow)

    added = await crew.owner.post(
        f"{editor(project, workflow)}/transitions",
        data={"from_status_id": ids["TODO"], "to_status_id": ids["DONE"]},
        headers=HTMX,
    )
    after_add = await workflow_of(crew.owner, project)
    edge = next(
        each
        for each in after_add["transitions"]
        if each["to_status_id"] == ids["DONE"] and each["from_status_id"] == ids["TODO"]
    )
    removed = await crew.owner.client.delete(f"{editor(project, workflow)}/transitions/{edge['id']}", headers=HTMX)
    after_remove = await workflow_of(crew.owner, project)

    assert added.status_code == 200, added.text
    assert added.headers["HX-Retarget"] == "#workflow-editor"
    assert 'data-transition="TODO>DONE"' in added.text
    assert 'aria-pressed="true" aria-label="Stop moves from To Do to Done"' in added.text
    assert removed.status_code == 200
    assert 'data-transition="TODO>DONE"' not in removed.text
    assert len(after_remove["transitions"]) == len(after_add["transitions"]) - 1


async def test_a_refused_status_form_says_why_beside_the_field(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)

    answer = await crew.owner.post(
        f"{editor(project, workflow)}/statuses", data={"name": "Held", "key": "DONE", "color": "#22c55e"}, headers=HTMX
    )
    unticked = await crew.owner.post(
        f"{editor(project, workflow)}/statuses/{status_ids(workflow)['TODO']}",
        data={"name": "To Do", "color": "#64748b", "status_type": "OPEN"},
        headers=HTMX,
    )

    assert answer.status_code == 422
    assert 'id="field-key-error"' in answer.text
    assert "Another status of this workflow uses the key DONE" in answer.text
    assert 'value="Held"' in answer.text  # what was typed stays
    assert unticked.status_code == 422
    assert "Make another status initial instead" in unticked.text
    assert len((await workflow_of(crew.owner, project))["statuses"]) == 5


async def test_a_status_is_added_edited_and_reordered(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    url = editor(project, workflow)

    form = await crew.owner.get(f"{url}/statuses/new", headers=HTMX)
    added = await crew.owner.post(
        f"{url}/statuses",
        data={"name": "Blocked", "color": "#ef4444", "icon": "ban", "status_type": "IN_PROGRESS"},
        headers=HTMX,
    )
    blocked = status_ids(await workflow_of(crew.owner, project))["BLOCKED"]
    order = [blocked, *(each["id"] for each in workflow["statuses"])]
    moved = await crew.owner.post(f"{url}/statuses/order", data={"ids": ",".join(order)}, headers=HTMX)
    after = await workflow_of(crew.owner, project)

    assert form.status_code == 200
    assert 'name="icon" value="circle-dashed"' in form.text
    assert added.status_code == 200, added.text
    assert moved.status_code == 200, moved.text
    assert [each["key"] for each in after["statuses"]][:2] == ["BLOCKED", "TODO"]
    assert after["statuses"][0]["icon"] == "ban"
    assert "“Blocked” no transition leads in or out" in moved.text  # the validation report


async def test_deleting_a_status_with_work_items_asks_where_they_go(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    ids = status_ids(workflow)
    await add_tasks(infra, project, ids["IN_REVIEW"], 2)
    url = f"{editor(project, workflow)}/statuses/{ids['IN_REVIEW']}/delete"

    form = await crew.owner.get(url, headers=HTMX)
    refused = await crew.owner.post(url, data={"move_to": ""}, headers=HTMX)
    deleted = await crew.owner.post(url, data={"move_to": ids["IN_PROGRESS"]}, headers=HTMX)

    assert 'name="move_to"' in form.text
    assert refused.status_code == 422
    assert 'id="delete-move-to-error"' in refused.text
    assert "Tasks are in this status: choose where they move." in refused.text
    assert deleted.status_code == 200, deleted.text
    assert "IN_REVIEW" not in status_ids(await workflow_of(crew.owner, project))
    assert (await tasks_by_status(infra, project)) == {ids["IN_PROGRESS"]: 2}


async def test_transition_rules_are_saved_from_the_modal(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    edge = workflow["transitions"][0]
    url = f"{editor(project, workflow)}/transitions/{edge['id']}"

    form = await crew.owner.get(f"{url}/edit", headers=HTMX)
    refused = await crew.owner.post(url, data={"requires_approval": "on"}, headers=HTMX)
    saved = await crew.owner.post(
        url, data={"name": "Pick up", "role:WS_ADMIN": "on", "role:ADMIN": "on"}, headers=HTMX
    )
    after = next(each for each in (await workflow_of(crew.owner, project))["transitions"] if each["id"] == edge["id"])

    assert form.status_code == 200
    assert 'name="role:WS_EDITOR"' in form.text
    assert refused.status_code == 422
    assert "Choose the teams whose members approve this move." in refused.text
    assert saved.status_code == 200, saved.text
    assert (after["name"], after["allowed_roles"]) == ("Pick up", ["WS_ADMIN", "ADMIN"])
    assert "Roles: WS_ADMIN, ADMIN" in saved.text


async def test_the_project_switches_workflow_with_its_items_mapped(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    ids = status_ids(workflow)
    await add_tasks(infra, project, ids["IN_REVIEW"])
    kanban = (
        await crew.owner.post(
            f"/api/v1/workspaces/{crew.workspace_id}/workflows", {"name": "Flow", "template": "SIMPLE_KANBAN"}
        )
    ).json()
    target = status_ids(kanban)

    mapping = await crew.owner.get(f"{section(project)}/switch", params={"workflow_id": kanban["id"]}, headers=HTMX)
    unmapped = await crew.owner.post(f"{section(project)}/switch", data={"workflow_id": kanban["id"]}, headers=HTMX)
    switched = await crew.owner.post(
        f"{section(project)}/switch",
        data={"workflow_id": kanban["id"], f"map:{ids['IN_REVIEW']}": target["DONE"]},
        headers=HTMX,
    )
    project_after = (await crew.owner.get(f"/api/v1/projects/{project['id']}")).json()

    assert mapping.status_code == 200
    assert f'name="map:{ids["IN_PROGRESS"]}"' in mapping.text
    assert unmapped.status_code == 422
    assert f'id="map-{ids["IN_REVIEW"]}-error"' in unmapped.text
    assert switched.status_code == 204
    assert switched.headers["HX-Redirect"] == section(project)
    assert project_after["workflow_id"] == kanban["id"]
    assert await tasks_by_status(infra, project) == {target["DONE"]: 1}


async def test_a_template_copy_is_offered_for_the_switch(crew: Crew) -> None:
    project, _ = await project_with_workflow(crew)

    created = await crew.owner.post(f"{section(project)}/templates", data={"template": "BUG_TRACKING"}, headers=HTMX)
    refused = await crew.owner.post(f"{section(project)}/templates", data={"template": "NOPE"}, headers=HTMX)

    assert created.status_code == 200, created.text
    assert "Use Bug Tracking" in created.text
    assert refused.status_code == 422
    assert 'id="switch-template-error"' in refused.text


async def test_people_who_may_only_read_cannot_change_the_workflow(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.viewer, "VIEWER")
    url = editor(project, workflow)

    viewer = await crew.viewer.post(f"{url}/statuses", data={"name": "Mine"}, headers=HTMX)
    outsider = await crew.outsider.get(f"{url}/statuses/new", headers=HTMX)
    switch = await crew.viewer.post(f"{section(project)}/switch", data={"workflow_id": workflow["id"]}, headers=HTMX)

    assert viewer.status_code == 403
    assert outsider.status_code == 404
    assert switch.status_code == 403
    assert len((await workflow_of(crew.owner, project))["statuses"]) == 5


async def test_a_locked_project_explains_why_it_cannot_switch(crew: Crew) -> None:
    shared = (
        await crew.owner.post(
            f"/api/v1/workspaces/{crew.workspace_id}/workflows", {"name": "Ops", "template": "SIMPLE_KANBAN"}
        )
    ).json()
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Ops", "key": "OPS"})
    ).json()
    await crew.owner.put(
        f"/api/v1/spaces/{space['id']}/workflow-settings",
        {"default_workflow_id": shared["id"], "inheritance": "REQUIRE"},
    )
    project, _ = await project_with_workflow(crew, space_id=space["id"])

    page = await crew.owner.get(section(project))

    assert page.status_code == 200
    assert "data-locked" in page.text
    assert "This project cannot use another workflow" in page.text
    assert "Use another workflow" not in page.text
    assert "Workflows page" in page.text  # the shared workflow is changed there
    assert 'data-cell="' not in page.text


# ───────────────────────── the workspace's Workflows page ─────────────────────────


def workflows(crew: Crew) -> str:
    return f"/workspaces/{crew.workspace_id}/workflows"


async def test_the_workspace_creates_clones_and_archives_workflows(crew: Crew) -> None:
    created = await crew.owner.post(
        workflows(crew), data={"name": "Delivery", "template": "SPRINT_AGILE"}, headers=HTMX
    )
    url = created.headers["HX-Redirect"]
    page = await crew.owner.get(url)
    cloned = await crew.owner.post(f"{url}/clone", headers=HTMX)
    archived = await crew.owner.post(
        f"{url}/archive", data={"archived": "true"}, headers=HTMX | {"HX-Target": "workflow-list"}
    )
    listing = await crew.owner.get(workflows(crew))
    api = (await crew.owner.get(f"/api/v1{workflows(crew)}")).json()["items"]

    assert created.status_code == 204, created.text
    assert page.status_code == 200
    assert 'data-node="BLOCKED"' in page.text
    assert cloned.headers["HX-Redirect"] != url
    assert archived.status_code == 200
    assert "Restore Delivery" in archived.text
    assert "6 statuses" in listing.text
    assert sorted((each["name"], each["archived"]) for each in api) == [("Delivery", True), ("Delivery (copy)", False)]


async def test_the_workspace_editor_shares_the_project_editor(crew: Crew) -> None:
    created = (await crew.owner.post(f"/api/v1{workflows(crew)}", {"name": "Empty"})).json()
    url = f"{workflows(crew)}/{created['id']}"

    empty = await crew.owner.get(url)
    added = await crew.owner.post(f"{url}/statuses", data={"name": "Open", "color": "#3b82f6"}, headers=HTMX)
    renamed = await crew.owner.post(url, data={"name": ""}, headers=HTMX)

    assert "No statuses yet" in empty.text
    assert "No status is final" in empty.text or "No statuses yet" in empty.text
    assert added.status_code == 200, added.text
    assert 'data-status="OPEN"' in added.text
    assert "No status is final: work can never be finished." in added.text
    assert renamed.status_code == 422
    assert 'id="field-name-error"' in renamed.text


async def test_the_workspace_page_is_read_only_for_viewers_and_hidden_from_outsiders(crew: Crew) -> None:
    created = (
        await crew.owner.post(f"/api/v1{workflows(crew)}", {"name": "Shared", "template": "BUG_TRACKING"})
    ).json()

    viewer = await crew.viewer.get(workflows(crew))
    viewer_page = await crew.viewer.get(f"{workflows(crew)}/{created['id']}")
    viewer_create = await crew.viewer.post(workflows(crew), data={"name": "Mine"}, headers=HTMX)
    outsider = await crew.outsider.get(workflows(crew))

    assert viewer.status_code == 200
    assert "Shared" in viewer.text
    assert "Create workflow" not in viewer.text
    assert viewer_page.status_code == 200
    assert 'data-cell="' not in viewer_page.text
    assert viewer_create.status_code == 403
    assert outsider.status_code == 404
