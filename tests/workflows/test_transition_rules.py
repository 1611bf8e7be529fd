"""The rules a move of a task must pass (what the tasks domain calls), and the allowed moves the API lists."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fairlx.core.errors import Forbidden, Invalid
from fairlx.core.infrastructure import Infrastructure
from fairlx.projects.models import Project
from fairlx.workflows import service
from fairlx.workflows.models import DefinitionScope, Workflow
from tests.projects.helpers import Json, add_member, problem
from tests.spaces.people import Crew, Person
from tests.workflows.helpers import add_team, project_with_workflow, status_ids


async def mover(infra: Infrastructure, person: Person, project: Json) -> service.Mover:
    async with infra.db.unit_of_work(read_only=True) as db:
        found = await db.get(Project, uuid.UUID(project["id"]))
        assert found is not None
        return await service.mover_for(db, infra.cache, uuid.UUID(person.id), found)


async def check(infra: Infrastructure, workflow: Json, source: str, target: str, who: service.Mover) -> None:
    keys = status_ids(workflow)
    async with infra.db.unit_of_work(read_only=True) as db:
        await service.check_transition(
            db, uuid.UUID(workflow["id"]), uuid.UUID(keys[source]), uuid.UUID(keys[target]), who
        )


async def set_rules(crew: Crew, project: Json, workflow: Json, source: str, target: str, **rules: Any) -> Json:
    keys = status_ids(workflow)
    edge = next(
        each
        for each in workflow["transitions"]
        if (each["from_status_id"], each["to_status_id"]) == (keys[source], keys[target])
    )
    answer = await crew.owner.patch(
        f"/api/v1/projects/{project['id']}/workflows/{workflow['id']}/transitions/{edge['id']}", rules
    )
    assert answer.status_code == 200, answer.text
    updated: Json = answer.json()
    return updated


async def test_a_new_project_moves_through_a_copy_of_software_development(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)

    assert workflow["scope"] == "PROJECT"
    assert workflow["project_id"] == project["id"]
    assert workflow["template"] == "SOFTWARE_DEVELOPMENT"
    assert [each["key"] for each in workflow["statuses"]] == ["TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    assert [each["key"] for each in workflow["statuses"] if each["is_initial"]] == ["TODO"]
    assert [each["key"] for each in workflow["statuses"] if each["is_final"]] == ["DONE"]
    keys = {value: key for key, value in status_ids(workflow).items()}
    edges = {(keys[each["from_status_id"]], keys[each["to_status_id"]]) for each in workflow["transitions"]}
    assert edges == {
        ("TODO", "ASSIGNED"),
        ("ASSIGNED", "IN_PROGRESS"),
        ("IN_PROGRESS", "IN_REVIEW"),
        ("IN_REVIEW", "DONE"),
        ("IN_REVIEW", "IN_PROGRESS"),
    }


async def test_moves_follow_the_edges(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    owner = await mover(infra, crew.owner, project)

    await check(infra, workflow, "TODO", "ASSIGNED", owner)
    await check(infra, workflow, "IN_REVIEW", "IN_PROGRESS", owner)  # the request-changes loop
    await check(infra, workflow, "DONE", "DONE", owner)  # staying put is always allowed
    with pytest.raises(Invalid) as skipped:
        await check(infra, workflow, "TODO", "DONE", owner)
    assert (skipped.value.code, skipped.value.status, skipped.value.field) == (
        "TRANSITION_NOT_DEFINED",
        422,
        "status_id",
    )


async def test_a_status_of_another_workflow_is_unknown(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    _, other = await project_with_workflow(crew, name="Mobile", key="MOB")
    owner = await mover(infra, crew.owner, project)

    async with infra.db.unit_of_work(read_only=True) as db:
        rules = await service.transition_rules(db, uuid.UUID(workflow["id"]))
    foreign = uuid.UUID(status_ids(other)["ASSIGNED"])
    for source, target in ((uuid.UUID(status_ids(workflow)["TODO"]), foreign), (foreign, foreign)):
        with pytest.raises(Invalid) as refused:
            rules.check(source, target, owner)
        assert (refused.value.code, refused.value.field) == ("unknown_status", "status_id")


async def test_a_role_rule_admits_only_the_roles_it_names(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.viewer, "ADMIN")
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    await set_rules(crew, project, workflow, "TODO", "ASSIGNED", allowed_roles=["ADMIN", "WS_ADMIN"])

    await check(infra, workflow, "TODO", "ASSIGNED", await mover(infra, crew.viewer, project))  # project ADMIN
    await check(infra, workflow, "TODO", "ASSIGNED", await mover(infra, crew.admin, project))  # WS_ADMIN
    with pytest.raises(Forbidden) as refused:
        await check(infra, workflow, "TODO", "ASSIGNED", await mover(infra, crew.editor, project))
    assert (refused.value.code, refused.value.status, refused.value.field) == ("ROLE_NOT_ALLOWED", 403, "status_id")


async def test_a_team_rule_admits_only_team_members(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    await add_member(crew.owner, project, crew.viewer, "MEMBER")
    qa = await add_team(infra, project, "QA", crew.editor)
    await set_rules(crew, project, workflow, "IN_REVIEW", "DONE", allowed_team_ids=[qa])

    await check(infra, workflow, "IN_REVIEW", "DONE", await mover(infra, crew.editor, project))
    with pytest.raises(Forbidden) as refused:
        await check(infra, workflow, "IN_REVIEW", "DONE", await mover(infra, crew.viewer, project))
    assert refused.value.code == "TEAM_NOT_ALLOWED"


async def test_a_move_needing_approval_is_for_approvers_only(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    leads = await add_team(infra, project, "Leads", crew.editor)
    await set_rules(crew, project, workflow, "IN_REVIEW", "DONE", requires_approval=True, approver_team_ids=[leads])

    await check(infra, workflow, "IN_REVIEW", "DONE", await mover(infra, crew.editor, project))
    with pytest.raises(Forbidden) as refused:
        await check(infra, workflow, "IN_REVIEW", "DONE", await mover(infra, crew.owner, project))
    assert (refused.value.code, refused.value.field) == ("REQUIRES_APPROVAL", "status_id")


async def test_the_mover_carries_their_roles_and_teams(crew: Crew, infra: Infrastructure) -> None:
    project, _ = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    team = await add_team(infra, project, "Web", crew.editor)

    editor = await mover(infra, crew.editor, project)
    owner = await mover(infra, crew.owner, project)

    assert editor.roles == {"WS_EDITOR", "MEMBER"}
    assert editor.team_ids == {uuid.UUID(team)}
    assert owner.roles == {"OWNER"}
    assert owner.team_ids == frozenset()


async def test_rules_load_in_one_statement_and_list_targets_in_board_order(
    crew: Crew, infra: Infrastructure, count_sql: Callable[[], Any]
) -> None:
    project, workflow = await project_with_workflow(crew, workflow_template="SIMPLE_KANBAN")
    owner = await mover(infra, crew.owner, project)
    keys = status_ids(workflow)

    async with infra.db.unit_of_work(read_only=True) as db:
        with count_sql() as counter:
            rules = await service.transition_rules(db, uuid.UUID(workflow["id"]))
    assert len(counter.statements) == 1
    assert rules.targets(uuid.UUID(keys["TODO"]), owner) == [
        uuid.UUID(keys[each]) for each in ("BACKLOG", "IN_PROGRESS", "DONE")
    ]


async def test_allowed_transitions_lists_where_the_caller_may_move_work(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    await add_member(crew.owner, project, crew.editor, "MEMBER")
    await set_rules(crew, project, workflow, "IN_REVIEW", "DONE", allowed_roles=["OWNER"])
    keys = status_ids(workflow)
    url = f"/api/v1/projects/{project['id']}/workflows/{workflow['id']}/allowed-transitions"

    as_owner = await crew.owner.get(url, params={"from_status_id": keys["IN_REVIEW"]})
    as_editor = await crew.editor.get(url, params={"from_status_id": keys["IN_REVIEW"]})
    unknown = await crew.owner.get(url, params={"from_status_id": str(uuid.uuid4())})
    missing = await crew.owner.get(url)

    assert [each["key"] for each in as_owner.json()["items"]] == ["IN_PROGRESS", "DONE"]
    assert [each["key"] for each in as_editor.json()["items"]] == ["IN_PROGRESS"]
    problem(unknown, 422, "unknown_status", "from_status_id")
    assert missing.status_code == 422


async def test_a_project_without_a_workflow_gets_one_when_work_first_needs_it(
    crew: Crew, infra: Infrastructure
) -> None:
    project, _ = await project_with_workflow(crew)
    async with infra.db.unit_of_work() as db:
        found = await db.get(Project, uuid.UUID(project["id"]))
        assert found is not None
        found.workflow_id = None

    async with infra.db.unit_of_work() as db:
        found = await db.get(Project, uuid.UUID(project["id"]))
        assert found is not None
        workflow = await service.ensure_project_workflow(db, found, uuid.UUID(crew.owner.id))
        again = await service.ensure_project_workflow(db, found, uuid.UUID(crew.owner.id))
        start = await service.initial_status(db, workflow.id)
        statuses = await service.statuses_of(db, workflow.id)

    assert again.id == workflow.id
    assert (workflow.scope, workflow.project_id) == (DefinitionScope.PROJECT, uuid.UUID(project["id"]))
    assert start.key == "TODO"
    assert [each.key for each in statuses] == ["TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    async with infra.db.unit_of_work(read_only=True) as db:
        stored = await db.get(Project, uuid.UUID(project["id"]))
        assert stored is not None
        assert stored.workflow_id == workflow.id
        assert await db.get(Workflow, workflow.id) is not None
