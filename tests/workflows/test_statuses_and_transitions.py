"""Statuses and transitions through the API: keys, colours, icons, one initial status, reordering,
deleting a status that tasks use, and transition rules."""

from __future__ import annotations

import uuid

from fairlx.core.infrastructure import Infrastructure
from tests.projects.helpers import Json, problem
from tests.spaces.people import Crew
from tests.workflows.helpers import add_tasks, add_team, project_with_workflow, status_ids, tasks_by_status


async def flow(crew: Crew) -> tuple[Json, Json, str]:
    project, workflow = await project_with_workflow(crew)
    return project, workflow, f"/api/v1/projects/{project['id']}/workflows/{workflow['id']}"


async def test_a_status_is_added_with_an_uppercase_key_after_the_others(crew: Crew) -> None:
    _, _, url = await flow(crew)

    answer = await crew.owner.post(
        f"{url}/statuses",
        {"name": "On hold", "key": "on_hold", "color": "#AA00ff", "icon": "circle-pause", "canvas_x": 40},
    )
    derived = await crew.owner.post(f"{url}/statuses", {"name": "QA + staging"})
    workflow = (await crew.owner.get(url)).json()

    assert answer.status_code == 201, answer.text
    assert (answer.json()["key"], answer.json()["position"], answer.json()["canvas_x"]) == ("ON_HOLD", 5, 40)
    assert derived.json()["key"] == "QA_STAGING"
    assert [each["key"] for each in workflow["statuses"]][-2:] == ["ON_HOLD", "QA_STAGING"]


async def test_bad_statuses_are_refused_naming_the_field(crew: Crew) -> None:
    _, _, url = await flow(crew)
    cases = {
        "name": {"name": "x" * 51},
        "key": {"name": "Held", "key": "K" * 31},
        "color": {"name": "Held", "color": "red"},
        "status_type": {"name": "Held", "status_type": "PAUSED"},
        "canvas_x": {"name": "Held", "canvas_x": "left"},
    }
    for field, body in cases.items():
        answer = await crew.owner.post(f"{url}/statuses", body)
        assert answer.status_code == 422, (field, answer.text)
        assert field in str(answer.json()), (field, answer.json())
    problem(await crew.owner.post(f"{url}/statuses", {"name": "Held", "icon": "skull"}), 422, "unknown_icon", "icon")
    problem(await crew.owner.post(f"{url}/statuses", {"name": "Again", "key": "todo"}), 409, "status_key_taken", "key")
    assert (await crew.owner.post(f"{url}/statuses", {})).status_code == 422


async def test_exactly_one_status_is_initial(crew: Crew) -> None:
    _, workflow, url = await flow(crew)
    keys = status_ids(workflow)

    moved = await crew.owner.patch(f"{url}/statuses/{keys['ASSIGNED']}", {"is_initial": True})
    unset = await crew.owner.patch(f"{url}/statuses/{keys['ASSIGNED']}", {"is_initial": False})
    added = await crew.owner.post(f"{url}/statuses", {"name": "Intake", "is_initial": True})
    after = (await crew.owner.get(url)).json()

    assert moved.json()["is_initial"] is True
    problem(unset, 422, "initial_required", "is_initial")
    assert added.json()["is_initial"] is True
    assert [each["key"] for each in after["statuses"] if each["is_initial"]] == ["INTAKE"]


async def test_the_first_status_of_an_empty_workflow_is_initial(crew: Crew) -> None:
    url = f"/api/v1/workspaces/{crew.workspace_id}/workflows"
    made = (await crew.owner.post(url, {"name": "Blank"})).json()

    first = await crew.owner.post(f"{url}/{made['id']}/statuses", {"name": "Open"})
    second = await crew.owner.post(f"{url}/{made['id']}/statuses", {"name": "Shut", "is_final": True})

    assert (first.json()["is_initial"], second.json()["is_initial"]) == (True, False)


async def test_statuses_are_reordered_as_a_whole(crew: Crew) -> None:
    _, workflow, url = await flow(crew)
    ids = [each["id"] for each in workflow["statuses"]]

    answer = await crew.owner.post(f"{url}/statuses/reorder", {"ids": list(reversed(ids))})
    partial = await crew.owner.post(f"{url}/statuses/reorder", {"ids": ids[:2]})
    foreign = await crew.owner.post(f"{url}/statuses/reorder", {"ids": [*ids[:-1], str(uuid.uuid4())]})
    after = (await crew.owner.get(url)).json()

    assert [each["key"] for each in answer.json()] == ["DONE", "IN_REVIEW", "IN_PROGRESS", "ASSIGNED", "TODO"]
    assert [each["key"] for each in after["statuses"]] == ["DONE", "IN_REVIEW", "IN_PROGRESS", "ASSIGNED", "TODO"]
    problem(partial, 422, "reorder_mismatch", "ids")
    problem(foreign, 422, "reorder_mismatch", "ids")


async def test_deleting_a_status_with_tasks_moves_them_first(crew: Crew, infra: Infrastructure) -> None:
    project, workflow, url = await flow(crew)
    _, other = await project_with_workflow(crew, name="Other", key="OTH")
    keys = status_ids(workflow)
    await add_tasks(infra, project, keys["ASSIGNED"], count=3)

    without = await crew.owner.delete(f"{url}/statuses/{keys['ASSIGNED']}")
    elsewhere = await crew.owner.delete(f"{url}/statuses/{keys['ASSIGNED']}?move_to={status_ids(other)['TODO']}")
    itself = await crew.owner.delete(f"{url}/statuses/{keys['ASSIGNED']}?move_to={keys['ASSIGNED']}")
    assert await tasks_by_status(infra, project) == {keys["ASSIGNED"]: 3}
    moved = await crew.owner.delete(f"{url}/statuses/{keys['ASSIGNED']}?move_to={keys['IN_PROGRESS']}")
    after = (await crew.owner.get(url)).json()

    problem(without, 422, "move_to_required", "move_to")
    problem(elsewhere, 422, "unknown_status", "move_to")
    problem(itself, 422, "unknown_status", "move_to")
    assert moved.status_code == 204
    assert await tasks_by_status(infra, project) == {keys["IN_PROGRESS"]: 3}
    assert "ASSIGNED" not in [each["key"] for each in after["statuses"]]
    gone = keys["ASSIGNED"]
    assert all(gone not in (each["from_status_id"], each["to_status_id"]) for each in after["transitions"])


async def test_an_unused_status_is_deleted_but_the_initial_one_is_kept(crew: Crew) -> None:
    _, workflow, url = await flow(crew)
    keys = status_ids(workflow)

    initial = await crew.owner.delete(f"{url}/statuses/{keys['TODO']}")
    unused = await crew.owner.delete(f"{url}/statuses/{keys['IN_REVIEW']}")
    again = await crew.owner.delete(f"{url}/statuses/{keys['IN_REVIEW']}")

    problem(initial, 409, "initial_status")
    assert unused.status_code == 204
    problem(again, 404, "status_not_found")


async def test_transitions_are_added_changed_and_removed(crew: Crew, infra: Infrastructure) -> None:
    project, workflow, url = await flow(crew)
    keys = status_ids(workflow)
    team = await add_team(infra, project, "Release")

    made = await crew.owner.post(
        f"{url}/transitions",
        {
            "from_status_id": keys["TODO"],
            "to_status_id": keys["DONE"],
            "name": "Skip",
            "allowed_roles": ["OWNER", "OWNER", "Release manager"],
            "allowed_team_ids": [team],
        },
    )
    changed = await crew.owner.patch(
        f"{url}/transitions/{made.json()['id']}",
        {"requires_approval": True, "approver_team_ids": [team], "allowed_roles": None},
    )
    removed = await crew.owner.delete(f"{url}/transitions/{made.json()['id']}")
    after = (await crew.owner.get(url)).json()

    assert made.status_code == 201, made.text
    assert made.json()["allowed_roles"] == ["OWNER", "Release manager"]
    assert made.json()["allowed_team_ids"] == [team]
    assert (changed.json()["requires_approval"], changed.json()["approver_team_ids"]) == (True, [team])
    assert changed.json()["allowed_roles"] == []
    assert removed.status_code == 204
    assert made.json()["id"] not in [each["id"] for each in after["transitions"]]


async def test_bad_transitions_are_refused(crew: Crew, infra: Infrastructure) -> None:
    _, workflow, url = await flow(crew)
    keys = status_ids(workflow)
    _, other = await project_with_workflow(crew, name="Other", key="OTH")
    theirs_url = f"/api/v1/workspaces/{crew.other_workspace_id}/projects"
    theirs = (await crew.outsider.post(theirs_url, {"name": "Theirs", "key": "THR"})).json()
    foreign_team = await add_team(infra, theirs, "Theirs")
    edge = {"from_status_id": keys["TODO"], "to_status_id": keys["DONE"]}

    duplicate = await crew.owner.post(
        f"{url}/transitions", {"from_status_id": keys["TODO"], "to_status_id": keys["ASSIGNED"]}
    )
    loop = await crew.owner.post(f"{url}/transitions", {"from_status_id": keys["TODO"], "to_status_id": keys["TODO"]})
    unknown = await crew.owner.post(
        f"{url}/transitions", {"from_status_id": keys["TODO"], "to_status_id": status_ids(other)["DONE"]}
    )
    team = await crew.owner.post(f"{url}/transitions", edge | {"allowed_team_ids": [foreign_team]})
    approval = await crew.owner.post(f"{url}/transitions", edge | {"requires_approval": True})
    missing = await crew.owner.post(f"{url}/transitions", {"from_status_id": keys["TODO"]})
    long_role = await crew.owner.post(f"{url}/transitions", edge | {"allowed_roles": ["x" * 61]})
    no_edge = await crew.owner.patch(f"{url}/transitions/{uuid.uuid4()}", {"name": "Gone"})

    problem(duplicate, 409, "transition_exists")
    problem(loop, 422, "same_status", "to_status_id")
    problem(unknown, 422, "unknown_status", "to_status_id")
    problem(team, 422, "unknown_team", "allowed_team_ids")
    problem(approval, 422, "approvers_required", "approver_team_ids")
    assert missing.status_code == 422
    assert long_role.status_code == 422
    problem(no_edge, 404, "transition_not_found")
