"""Which workflow a project uses: chosen at creation, handed down by its space, and switched later with
every task's status mapped."""

from __future__ import annotations

from typing import Any

from fairlx.core.infrastructure import Infrastructure
from tests.projects.helpers import Json, create_project, problem
from tests.spaces.people import Crew
from tests.workflows.helpers import add_tasks, project_with_workflow, status_ids, tasks_by_status


async def shared(crew: Crew, template: str = "SIMPLE_KANBAN", **body: Any) -> Json:
    answer = await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/workflows", {"name": "Shared", "template": template} | body
    )
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def space_with(crew: Crew, workflow: Json | None, inheritance: str) -> Json:
    space: Json = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Ops", "key": "OPS"})
    ).json()
    answer = await crew.owner.put(
        f"/api/v1/spaces/{space['id']}/workflow-settings",
        {"default_workflow_id": workflow and workflow["id"], "inheritance": inheritance},
    )
    assert answer.status_code == 200, answer.text
    return space


async def test_a_project_is_created_with_a_chosen_workflow_or_template(crew: Crew) -> None:
    kanban = await shared(crew)

    chosen = await create_project(crew, workflow_id=kanban["id"])
    templated = await create_project(crew, name="Bugs", key="BUG", workflow_template="BUG_TRACKING")
    _, copy = await project_with_workflow(crew, name="Bugs two", key="BUG2", workflow_template="BUG_TRACKING")

    assert (chosen["workflow_id"], chosen["workflow_locked"]) == (kanban["id"], False)
    assert templated["workflow_id"] not in (None, kanban["id"])
    assert (copy["template"], copy["scope"]) == ("BUG_TRACKING", "PROJECT")


async def test_a_bad_workflow_choice_is_refused(crew: Crew) -> None:
    archived = await shared(crew)
    await crew.owner.patch(f"/api/v1/workspaces/{crew.workspace_id}/workflows/{archived['id']}", {"archived": True})
    foreign = (
        await crew.outsider.post(f"/api/v1/workspaces/{crew.other_workspace_id}/workflows", {"name": "Theirs"})
    ).json()
    url = f"/api/v1/workspaces/{crew.workspace_id}/projects"

    answers = {
        "archived": await crew.owner.post(url, {"name": "A", "key": "AA", "workflow_id": archived["id"]}),
        "foreign": await crew.owner.post(url, {"name": "B", "key": "BB", "workflow_id": foreign["id"]}),
        "both": await crew.owner.post(
            url, {"name": "C", "key": "CC", "workflow_id": archived["id"], "workflow_template": "SIMPLE_KANBAN"}
        ),
        "template": await crew.owner.post(url, {"name": "D", "key": "DD", "workflow_template": "WATERFALL"}),
    }

    problem(answers["archived"], 422, "workflow_archived", "workflow_id")
    problem(answers["foreign"], 422, "workflow_not_found", "workflow_id")
    problem(answers["both"], 422, "choose_one", "workflow_template")
    assert answers["template"].status_code == 422
    listed = (await crew.owner.get(url)).json()["items"]
    assert listed == []  # nothing half-made


async def test_a_space_that_requires_its_workflow_locks_it_on_new_projects(crew: Crew) -> None:
    required = await shared(crew)
    space = await space_with(crew, required, "REQUIRE")

    project = await create_project(crew, space_id=space["id"])
    switched = await crew.owner.put(
        f"/api/v1/projects/{project['id']}/workflow", {"workflow_id": required["id"], "status_mapping": {}}
    )

    assert (project["workflow_id"], project["workflow_locked"]) == (required["id"], True)
    problem(switched, 409, "workflow_locked")


async def test_a_different_choice_in_a_requiring_space_is_a_conflict(crew: Crew) -> None:
    required = await shared(crew)
    space = await space_with(crew, required, "REQUIRE")

    answer = await crew.owner.post(
        f"/api/v1/workspaces/{crew.workspace_id}/projects",
        {"name": "Web", "key": "WEB", "space_id": space["id"], "workflow_template": "BUG_TRACKING"},
    )

    problem(answer, 409, "workflow_locked")


async def test_a_suggesting_space_prefills_its_workflow_which_a_choice_overrides(crew: Crew) -> None:
    suggested = await shared(crew)
    space = await space_with(crew, suggested, "SUGGEST")

    plain = await create_project(crew, space_id=space["id"])
    chosen = await create_project(crew, name="Bugs", key="BUG", space_id=space["id"], workflow_template="BUG_TRACKING")
    none_space = await space_with_none(crew)
    default = await create_project(crew, name="Free", key="FREE", space_id=none_space)

    assert (plain["workflow_id"], plain["workflow_locked"]) == (suggested["id"], False)
    assert chosen["workflow_id"] != suggested["id"]
    assert default["workflow_id"] not in (None, suggested["id"])


async def space_with_none(crew: Crew) -> str:
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Free", "key": "FREE"})
    ).json()
    return str(space["id"])


async def test_space_workflow_settings_are_checked(crew: Crew) -> None:
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Ops", "key": "OPS"})
    ).json()
    url = f"/api/v1/spaces/{space['id']}/workflow-settings"
    archived = await shared(crew)
    await crew.owner.patch(f"/api/v1/workspaces/{crew.workspace_id}/workflows/{archived['id']}", {"archived": True})
    _, project_flow = await project_with_workflow(crew)

    no_default = await crew.owner.put(url, {"default_workflow_id": None, "inheritance": "REQUIRE"})
    is_archived = await crew.owner.put(url, {"default_workflow_id": archived["id"], "inheritance": "SUGGEST"})
    a_projects = await crew.owner.put(url, {"default_workflow_id": project_flow["id"], "inheritance": "SUGGEST"})
    bad_mode = await crew.owner.put(url, {"default_workflow_id": None, "inheritance": "SOMETIMES"})
    by_viewer = await crew.viewer.put(url, {"default_workflow_id": None, "inheritance": "NONE"})
    cleared = await crew.owner.put(url, {"default_workflow_id": None, "inheritance": "NONE"})

    problem(no_default, 422, "default_workflow_required", "default_workflow_id")
    problem(is_archived, 422, "workflow_archived", "default_workflow_id")
    problem(a_projects, 422, "workflow_not_found", "default_workflow_id")
    assert bad_mode.status_code == 422
    problem(by_viewer, 403, "permission_denied")
    assert cleared.json() == {"space_id": space["id"], "default_workflow_id": None, "inheritance": "NONE"}


async def test_switching_maps_every_status_in_use(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    kanban = await shared(crew)
    old, new = status_ids(workflow), status_ids(kanban)
    await add_tasks(infra, project, old["TODO"], count=2)
    await add_tasks(infra, project, old["IN_REVIEW"], count=3)
    url = f"/api/v1/projects/{project['id']}/workflow"

    partial = await crew.owner.put(url, {"workflow_id": kanban["id"], "status_mapping": {old["TODO"]: new["TODO"]}})
    wrong = await crew.owner.put(
        url, {"workflow_id": kanban["id"], "status_mapping": {old["TODO"]: old["DONE"], old["IN_REVIEW"]: new["DONE"]}}
    )
    assert await tasks_by_status(infra, project) == {old["TODO"]: 2, old["IN_REVIEW"]: 3}
    done = await crew.owner.put(
        url,
        {"workflow_id": kanban["id"], "status_mapping": {old["TODO"]: new["BACKLOG"], old["IN_REVIEW"]: new["DONE"]}},
    )
    shown = (await crew.owner.get(f"/api/v1/projects/{project['id']}")).json()

    problem(partial, 422, "status_unmapped", f"status_mapping.{old['IN_REVIEW']}")
    problem(wrong, 422, "unknown_status", f"status_mapping.{old['TODO']}")
    assert done.json() == {
        "project_id": project["id"],
        "workflow_id": kanban["id"],
        "workflow_locked": False,
        "moved_tasks": 5,
    }
    assert await tasks_by_status(infra, project) == {new["BACKLOG"]: 2, new["DONE"]: 3}
    assert shown["workflow_id"] == kanban["id"]


async def test_switching_is_refused_without_permission_or_to_an_unusable_workflow(crew: Crew) -> None:
    project, _ = await project_with_workflow(crew)
    _, elsewhere = await project_with_workflow(crew, name="Other", key="OTH")
    url = f"/api/v1/projects/{project['id']}/workflow"

    other_projects = await crew.owner.put(url, {"workflow_id": elsewhere["id"]})
    by_viewer = await crew.viewer.put(url, {"workflow_id": elsewhere["id"]})
    missing = await crew.owner.put(url, {})
    bad_mapping = await crew.owner.put(url, {"workflow_id": elsewhere["id"], "status_mapping": {"a": "b"}})

    problem(other_projects, 422, "workflow_not_found", "workflow_id")
    assert by_viewer.status_code == 404  # viewers of the workspace do not see the project
    assert missing.status_code == 422
    assert bad_mapping.status_code == 422
