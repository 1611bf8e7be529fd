"""Program members: only workspace members join, roles decide what each may do, a program keeps a
lead, only a lead hands out or takes the LEAD role, and a removed member loses access at once."""

from __future__ import annotations

import uuid

import httpx

from fairlx.core.infrastructure import Infrastructure
from fairlx.programs.models import ProgramRole
from tests.programs.conftest import Team, set_program_role


def roles_of(answer: httpx.Response) -> dict[str, str]:
    return {member["user_id"]: member["role"] for member in answer.json()["items"]}


async def test_workspace_members_join_with_a_role(team: Team) -> None:
    program = await team.create_program()
    url = f"/api/v1/programs/{program['id']}/members"

    added = await team.owner.client.post(url, json={"user_id": team.viewer.id, "role": "MEMBER"})
    again = await team.owner.client.post(url, json={"user_id": team.viewer.id, "role": "VIEWER"})
    stranger = await team.owner.client.post(url, json={"user_id": team.outsider.id})
    nobody = await team.owner.client.post(url, json={"user_id": str(uuid.uuid4())})
    bad_role = await team.owner.client.post(url, json={"user_id": team.editor.id, "role": "OWNER"})

    assert added.status_code == 201, added.text
    assert (added.json()["role"], added.json()["name"], added.json()["email"]) == (
        "MEMBER",
        "Vera Viewer",
        "vera@example.com",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_member"
    for refused in (stranger, nobody):
        assert refused.status_code == 422
        assert refused.json()["code"] == "not_workspace_member"
        assert refused.json()["errors"][0]["field"] == "user_id"
    assert (bad_role.status_code, bad_role.json()["errors"][0]["field"]) == (422, "role")
    listed = await team.viewer.client.get(url)
    assert listed.status_code == 200
    assert roles_of(listed) == {team.owner.id: "LEAD", team.viewer.id: "MEMBER"}
    assert [member["name"] for member in listed.json()["items"]] == ["Olivia Owner", "Vera Viewer"]
    assert (await team.outsider.client.get(url)).status_code == 404


async def test_a_program_keeps_at_least_one_lead(team: Team) -> None:
    program = await team.create_program(team.editor)  # the editor leads it; no workspace admin powers
    members = f"/api/v1/programs/{program['id']}/members"
    editor = team.editor.client

    demote_self = await editor.patch(f"{members}/{team.editor.id}", json={"role": "ADMIN"})
    leave = await editor.delete(f"{members}/{team.editor.id}")
    assert demote_self.status_code == 409
    assert demote_self.json()["code"] == "last_lead"
    assert leave.status_code == 409
    assert leave.json()["code"] == "last_lead"

    assert (await editor.post(members, json={"user_id": team.viewer.id, "role": "LEAD"})).status_code == 201
    left = await editor.delete(f"{members}/{team.editor.id}")
    assert left.status_code == 204
    assert roles_of(await editor.get(members)) == {team.viewer.id: "LEAD"}
    # the editor is back to what every workspace member has: viewing
    after = await editor.patch(f"/api/v1/programs/{program['id']}", json={"name": "Mine"})
    assert after.status_code == 403
    assert after.json()["permission"] == "program.edit"
    last = await team.viewer.client.patch(f"{members}/{team.viewer.id}", json={"role": "VIEWER"})
    assert (last.status_code, last.json()["code"]) == (409, "last_lead")


async def test_a_member_manages_milestones_but_not_the_program(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.viewer.id, ProgramRole.MEMBER)
    client = team.viewer.client
    base = f"/api/v1/programs/{program['id']}"

    milestone = await client.post(f"{base}/milestones", json={"name": "Beta", "progress": 10})
    assert milestone.status_code == 201, milestone.text
    moved = await client.patch(f"{base}/milestones/{milestone.json()['id']}", json={"progress": 60})
    assert moved.json()["progress"] == 60

    edit = await client.patch(base, json={"name": "Mine"})
    add = await client.post(f"{base}/members", json={"user_id": team.editor.id})
    delete = await client.delete(base)
    assert (edit.status_code, edit.json()["code"], edit.json()["permission"]) == (
        403,
        "permission_denied",
        "program.edit",
    )
    assert (add.status_code, add.json()["permission"]) == (403, "program.members.manage")
    assert (delete.status_code, delete.json()["permission"]) == (403, "program.delete")
    assert (await client.get(base)).json()["permissions"] == ["program.milestones.manage", "program.view"]


async def test_a_viewer_only_views(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.editor.id, ProgramRole.VIEWER)
    client = team.editor.client  # a workspace editor, but only a viewer of this program
    base = f"/api/v1/programs/{program['id']}"

    assert (await client.get(base)).status_code == 200
    assert (await client.get(f"{base}/milestones")).status_code == 200
    assert (await client.get(f"{base}/members")).status_code == 200
    assert (await client.get(f"{base}/summary")).status_code == 200
    refusals = [
        await client.post(f"{base}/milestones", json={"name": "Beta"}),
        await client.patch(base, json={"name": "Mine"}),
        await client.post(f"{base}/members", json={"user_id": team.viewer.id}),
        await client.get(f"{base}/projects/available"),
    ]
    assert [answer.status_code for answer in refusals] == [403, 403, 403, 403]
    assert {answer.json()["code"] for answer in refusals} == {"permission_denied"}


async def test_only_a_lead_gives_or_takes_the_lead_role(team: Team, infra: Infrastructure) -> None:
    program = await team.create_program()
    await set_program_role(infra, program, team.editor.id, ProgramRole.ADMIN)
    members = f"/api/v1/programs/{program['id']}/members"
    admin = team.editor.client

    promote = await admin.post(members, json={"user_id": team.viewer.id, "role": "LEAD"})
    assert promote.status_code == 403
    assert promote.json()["permission"] == "program.delete"
    assert (await admin.post(members, json={"user_id": team.viewer.id, "role": "VIEWER"})).status_code == 201
    self_promote = await admin.patch(f"{members}/{team.editor.id}", json={"role": "LEAD"})
    demote_lead = await admin.patch(f"{members}/{team.owner.id}", json={"role": "MEMBER"})
    remove_lead = await admin.delete(f"{members}/{team.owner.id}")
    assert [answer.status_code for answer in (self_promote, demote_lead, remove_lead)] == [403, 403, 403]
    raised = await admin.patch(f"{members}/{team.viewer.id}", json={"role": "MEMBER"})
    assert (raised.status_code, raised.json()["role"]) == (200, "MEMBER")
    assert roles_of(await admin.get(members)) == {
        team.owner.id: "LEAD",
        team.editor.id: "ADMIN",
        team.viewer.id: "MEMBER",
    }


async def test_a_removed_member_loses_access_on_the_next_request(team: Team) -> None:
    program = await team.create_program()
    members = f"/api/v1/programs/{program['id']}/members"
    milestones = f"/api/v1/programs/{program['id']}/milestones"
    await team.owner.client.post(members, json={"user_id": team.viewer.id, "role": "MEMBER"})
    assert (await team.viewer.client.post(milestones, json={"name": "One"})).status_code == 201

    removed = await team.owner.client.delete(f"{members}/{team.viewer.id}")

    assert removed.status_code == 204
    refused = await team.viewer.client.post(milestones, json={"name": "Two"})
    assert refused.status_code == 403
    assert refused.json()["permission"] == "program.milestones.manage"
    changed = await team.owner.client.post(members, json={"user_id": team.viewer.id, "role": "VIEWER"})
    assert changed.status_code == 201
    promoted = await team.owner.client.patch(f"{members}/{team.viewer.id}", json={"role": "ADMIN"})
    assert promoted.json()["role"] == "ADMIN"
    assert (await team.viewer.client.patch(f"/api/v1/programs/{program['id']}", json={"name": "X"})).status_code == 200


async def test_unknown_members_are_not_found(team: Team) -> None:
    program = await team.create_program()
    members = f"/api/v1/programs/{program['id']}/members"

    patched = await team.owner.client.patch(f"{members}/{team.viewer.id}", json={"role": "ADMIN"})
    deleted = await team.owner.client.delete(f"{members}/{uuid.uuid4()}")
    no_role = await team.owner.client.patch(f"{members}/{team.owner.id}", json={})

    assert (patched.status_code, patched.json()["code"]) == (404, "member_not_found")
    assert (deleted.status_code, deleted.json()["code"]) == (404, "member_not_found")
    assert (no_role.status_code, no_role.json()["errors"][0]["field"]) == (422, "role")
