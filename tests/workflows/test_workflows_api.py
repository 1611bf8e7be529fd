"""Workflows through the API: the three owners, templates, clones, archiving, deletion and the
validation report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fairlx.core.infrastructure import Infrastructure
from tests.projects.helpers import Json, problem
from tests.spaces.people import Crew, Person
from tests.workflows.helpers import add_tasks, project_with_workflow, status_ids


def workspace_url(crew: Crew, workspace_id: uuid.UUID | None = None) -> str:
    return f"/api/v1/workspaces/{workspace_id or crew.workspace_id}/workflows"


async def create(person: Person, url: str, **body: Any) -> Json:
    answer = await person.post(url, {"name": "Delivery"} | body)
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def test_templates_are_listed_for_any_signed_in_user(crew: Crew) -> None:
    answer = await crew.viewer.get("/api/v1/workflow-templates")
    anonymous = await crew.anonymous.get("/api/v1/workflow-templates")

    templates = {each["key"]: each for each in answer.json()["items"]}
    assert list(templates) == ["SOFTWARE_DEVELOPMENT", "SIMPLE_KANBAN", "BUG_TRACKING", "SPRINT_AGILE"]
    assert [each["key"] for each in templates["BUG_TRACKING"]["statuses"]] == [
        "OPEN",
        "CONFIRMED",
        "IN_PROGRESS",
        "FIXED",
        "VERIFIED",
        "CLOSED",
    ]
    assert len(templates["SIMPLE_KANBAN"]["transitions"]) == 12  # every move between four statuses
    assert {"from_key": "CLOSED", "to_key": "OPEN", "name": "Reopen"} in templates["BUG_TRACKING"]["transitions"]
    for template in templates.values():
        assert sum(each["is_initial"] for each in template["statuses"]) == 1
        assert any(each["is_final"] for each in template["statuses"])
    assert anonymous.status_code == 401


async def test_a_workspace_admin_creates_edits_and_deletes_workspace_workflows(crew: Crew) -> None:
    url = workspace_url(crew)
    made = await create(crew.admin, url, name="Bugs", template="BUG_TRACKING", description="For defects")
    renamed = await crew.admin.patch(f"{url}/{made['id']}", {"name": "Defects", "key": "defects"})
    listed = await crew.viewer.get(url)
    deleted = await crew.admin.delete(f"{url}/{made['id']}")
    after = await crew.viewer.get(f"{url}/{made['id']}")

    assert (made["scope"], made["key"], made["template"]) == ("WORKSPACE", "BUGS", "BUG_TRACKING")
    assert len(made["statuses"]) == 6
    assert (renamed.json()["name"], renamed.json()["key"]) == ("Defects", "DEFECTS")
    assert [each["name"] for each in listed.json()["items"]] == ["Defects"]
    assert deleted.status_code == 204
    problem(after, 404, "workflow_not_found")


async def test_workflow_changes_need_the_owner_settings_permission(crew: Crew) -> None:
    url = workspace_url(crew)
    made = await create(crew.owner, url)

    by_editor = await crew.editor.post(url, {"name": "Mine"})
    patch_by_viewer = await crew.viewer.patch(f"{url}/{made['id']}", {"name": "Mine"})
    read_by_viewer = await crew.viewer.get(f"{url}/{made['id']}")
    by_outsider = await crew.outsider.get(url)
    anonymous = await crew.anonymous.get(url)

    problem(by_editor, 403, "permission_denied")
    problem(patch_by_viewer, 403, "permission_denied")
    assert read_by_viewer.status_code == 200
    problem(by_outsider, 404, "workspace_not_found")
    assert anonymous.status_code == 401


async def test_a_workflow_of_another_owner_is_not_found(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    theirs = await create(crew.outsider, workspace_url(crew, crew.other_workspace_id))

    via_workspace = await crew.owner.get(f"{workspace_url(crew)}/{workflow['id']}")
    other_tenant = await crew.owner.patch(
        f"/api/v1/projects/{project['id']}/workflows/{theirs['id']}", {"name": "Taken"}
    )
    unknown = await crew.owner.delete(f"{workspace_url(crew)}/{uuid.uuid4()}")

    problem(via_workspace, 404, "workflow_not_found")
    problem(other_tenant, 404, "workflow_not_found")
    problem(unknown, 404, "workflow_not_found")


async def test_a_projects_list_shows_the_workflows_it_may_use(crew: Crew) -> None:
    shared = await create(crew.owner, workspace_url(crew), name="Shared", template="SIMPLE_KANBAN")
    project, workflow = await project_with_workflow(crew)
    await project_with_workflow(crew, name="Other", key="OTH")  # another project's own workflow stays out

    answer = await crew.owner.get(f"/api/v1/projects/{project['id']}/workflows")
    read_shared = await crew.owner.get(f"/api/v1/projects/{project['id']}/workflows/{shared['id']}")
    edit_shared = await crew.owner.patch(f"/api/v1/projects/{project['id']}/workflows/{shared['id']}", {"name": "X"})

    assert {(each["id"], each["scope"]) for each in answer.json()["items"]} == {
        (shared["id"], "WORKSPACE"),
        (workflow["id"], "PROJECT"),
    }
    assert read_shared.status_code == 200
    problem(edit_shared, 404, "workflow_not_found")  # changed only where it is owned


async def test_bad_workflow_bodies_are_refused_with_the_field(crew: Crew) -> None:
    url = workspace_url(crew)
    made = await create(crew.owner, url)

    missing = await crew.owner.post(url, {})
    too_long = await crew.owner.post(url, {"name": "x" * 121})
    bad_key = await crew.owner.post(url, {"name": "Flow", "key": "9 lives"})
    bad_template = await crew.owner.post(url, {"name": "Flow", "template": "WATERFALL"})
    extra = await crew.owner.post(url, {"name": "Flow", "colour": "red"})
    null_name = await crew.owner.patch(f"{url}/{made['id']}", {"name": None})
    wrong_type = await crew.owner.patch(f"{url}/{made['id']}", {"archived": "sometimes"})

    for answer in (missing, too_long, bad_key, bad_template, extra, wrong_type):
        assert answer.status_code == 422, answer.text
    problem(null_name, 422, "required", "name")


async def test_an_empty_workflow_derives_its_key_from_its_name(crew: Crew) -> None:
    made = await create(crew.owner, workspace_url(crew), name="Release train 2")

    assert (made["key"], made["statuses"], made["transitions"], made["template"]) == (
        "RELEASE_TRAIN_2",
        [],
        [],
        None,
    )


async def test_a_clone_copies_statuses_and_rules_into_the_cloning_owner(crew: Crew) -> None:
    shared = await create(crew.owner, workspace_url(crew), name="Shared", template="SPRINT_AGILE")
    project, _ = await project_with_workflow(crew)

    answer = await crew.owner.post(f"/api/v1/projects/{project['id']}/workflows/{shared['id']}/clone", {})
    named = await crew.owner.post(f"{workspace_url(crew)}/{shared['id']}/clone", {"name": "Sprint two"})

    copy = answer.json()
    assert answer.status_code == 201, answer.text
    assert (copy["name"], copy["scope"], copy["project_id"]) == ("Shared (copy)", "PROJECT", project["id"])
    assert [each["key"] for each in copy["statuses"]] == [each["key"] for each in shared["statuses"]]
    assert {each["id"] for each in copy["statuses"]}.isdisjoint({each["id"] for each in shared["statuses"]})
    keys = {each["id"]: each["key"] for each in copy["statuses"]}
    original = {each["id"]: each["key"] for each in shared["statuses"]}
    assert sorted((keys[e["from_status_id"]], keys[e["to_status_id"]]) for e in copy["transitions"]) == sorted(
        (original[e["from_status_id"]], original[e["to_status_id"]]) for e in shared["transitions"]
    )
    assert named.json()["name"] == "Sprint two"


async def test_a_workflow_in_use_cannot_be_deleted_but_can_be_archived(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    url = f"/api/v1/projects/{project['id']}/workflows/{workflow['id']}"

    deleted = await crew.owner.delete(url)
    archived = await crew.owner.patch(url, {"archived": True})
    restored = await crew.owner.patch(url, {"archived": False})

    problem(deleted, 409, "workflow_in_use")
    assert archived.json()["archived"] is True
    assert restored.json()["archived"] is False


async def test_the_validation_report_names_what_keeps_work_from_flowing(crew: Crew) -> None:
    url = workspace_url(crew)
    made = await create(crew.owner, url)
    statuses = {}
    for name in ("Open", "Doing", "Stuck", "Lost", "Closed"):
        answer = await crew.owner.post(f"{url}/{made['id']}/statuses", {"name": name, "is_final": name == "Closed"})
        statuses[name] = answer.json()["id"]
    for source, target in (("Open", "Doing"), ("Doing", "Closed"), ("Doing", "Stuck"), ("Lost", "Closed")):
        answer = await crew.owner.post(
            f"{url}/{made['id']}/transitions",
            {"from_status_id": statuses[source], "to_status_id": statuses[target]},
        )
        assert answer.status_code == 201, answer.text
    empty = await create(crew.owner, url, name="Empty")

    report = (await crew.viewer.get(f"{url}/{made['id']}/validation")).json()
    bare = (await crew.viewer.get(f"{url}/{empty['id']}/validation")).json()
    sound = await create(crew.owner, url, name="Kanban", template="SIMPLE_KANBAN")
    fine = (await crew.viewer.get(f"{url}/{sound['id']}/validation")).json()

    found = {(each["code"], tuple(each["status_ids"])) for each in report["issues"]}
    assert report["valid"] is False
    assert found == {("dead_end", (statuses["Stuck"],)), ("unreachable", (statuses["Lost"],))}
    assert "“Stuck” is not final but has no way out." in [each["message"] for each in report["issues"]]
    assert {each["code"] for each in bare["issues"]} == {"missing_initial", "missing_final"}
    assert fine == {"valid": True, "issues": []}


async def test_an_orphaned_status_is_reported(crew: Crew) -> None:
    project, workflow = await project_with_workflow(crew)
    url = f"/api/v1/projects/{project['id']}/workflows/{workflow['id']}"
    added = (await crew.owner.post(f"{url}/statuses", {"name": "Parked"})).json()

    report = (await crew.owner.get(f"{url}/validation")).json()

    assert report["issues"] == [
        {"code": "orphaned", "message": "“Parked” no transition leads in or out.", "status_ids": [added["id"]]}
    ]


async def test_listing_workflows_costs_the_same_for_any_number(
    crew: Crew, infra: Infrastructure, count_sql: Callable[[], Any]
) -> None:
    url = workspace_url(crew)
    await create(crew.owner, url, template="BUG_TRACKING")
    with count_sql() as few:
        first = await crew.owner.get(url)
    for template in ("SIMPLE_KANBAN", "SPRINT_AGILE", "SOFTWARE_DEVELOPMENT"):
        await create(crew.owner, url, template=template)
    with count_sql() as many:
        second = await crew.owner.get(url)

    assert len(first.json()["items"]) == 1
    assert len(second.json()["items"]) == 4
    assert len(many.statements) == len(few.statements)


async def test_lists_are_paginated(crew: Crew) -> None:
    url = workspace_url(crew)
    for name in ("One", "Two", "Three"):
        await create(crew.owner, url, name=name)

    first = (await crew.owner.get(url, params={"limit": 2})).json()
    rest = (await crew.owner.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    bad = await crew.owner.get(url, params={"cursor": "nonsense"})

    assert [each["name"] for each in first["items"] + rest["items"]] == ["One", "Two", "Three"]
    assert rest["next_cursor"] is None
    problem(bad, 422, "cursor_invalid", "cursor")


async def test_a_space_owns_its_workflows(crew: Crew) -> None:
    space = (
        await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Ops", "key": "OPS"})
    ).json()
    url = f"/api/v1/spaces/{space['id']}/workflows"

    made = await create(crew.owner, url, template="SIMPLE_KANBAN")
    by_viewer = await crew.viewer.post(url, {"name": "Mine"})

    assert (made["scope"], made["space_id"]) == ("SPACE", space["id"])
    problem(by_viewer, 403, "permission_denied")
    assert [each["id"] for each in (await crew.viewer.get(url)).json()["items"]] == [made["id"]]


async def test_deleting_a_workflow_whose_statuses_hold_tasks_is_refused(crew: Crew, infra: Infrastructure) -> None:
    project, workflow = await project_with_workflow(crew)
    spare = await create(crew.owner, f"/api/v1/projects/{project['id']}/workflows", template="SIMPLE_KANBAN")
    await add_tasks(infra, project, status_ids(spare)["DONE"])

    answer = await crew.owner.delete(f"/api/v1/projects/{project['id']}/workflows/{spare['id']}")

    problem(answer, 409, "workflow_in_use")
    assert workflow["id"] != spare["id"]
