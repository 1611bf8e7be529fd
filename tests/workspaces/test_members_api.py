"""Members of a workspace: listing, roles, the owner rules, leaving, adding from the organization, losing
access at once, and the account-deletion guard."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import OrgAuditEntry
from fairlx.spaces.models import Space, SpaceMember, SpaceRole, SpaceVisibility
from tests.workspaces.conftest import (
    WORKSPACES,
    MakePerson,
    Person,
    add_member,
    add_to_org,
    create_org,
    create_workspace,
    join_personal,
)


def members_url(workspace: dict[str, Any], person: Person | None = None) -> str:
    url = f"{WORKSPACES}/{workspace['id']}/members"
    return f"{url}/{person.id}" if person else url


async def roles(person: Person, workspace: dict[str, Any]) -> dict[str, str]:
    answer = await person.client.get(members_url(workspace))
    assert answer.status_code == 200, answer.text
    return {item["name"]: item["role"] for item in answer.json()["items"]}


async def test_members_are_listed_with_name_email_and_avatar(people: MakePerson) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, eve)
    answer = await eve.client.get(members_url(workspace))
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [(item["name"], item["email"], item["role"]) for item in items] == [
        ("Ada", "ada@example.com", "OWNER"),
        ("Eve", "eve@example.com", "WS_EDITOR"),
    ]
    assert items[0]["user_id"] == ada.id
    assert items[0]["avatar_url"] is None
    outsider = await people("Sam")
    assert (await outsider.client.get(members_url(workspace))).status_code == 404


async def test_roles_change_with_the_owner_rules(people: MakePerson) -> None:
    ada = await people("Ada")
    admin = await people("Abe")
    viewer = await people("Vic")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, admin, "WS_ADMIN")
    await join_personal(ada, workspace, viewer, "WS_VIEWER")

    refused = await viewer.client.patch(members_url(workspace, admin), json={"role": "WS_VIEWER"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"

    promoted = await admin.client.patch(members_url(workspace, viewer), json={"role": "WS_EDITOR"})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "WS_EDITOR"
    for target, role in ((viewer, "OWNER"), (ada, "WS_ADMIN")):
        owners_only = await admin.client.patch(members_url(workspace, target), json={"role": role})
        assert owners_only.status_code == 403
        assert owners_only.json()["code"] == "owner_only"

    last = await ada.client.patch(members_url(workspace, ada), json={"role": "WS_ADMIN"})
    assert last.status_code == 409
    assert last.json()["code"] == "last_owner"
    assert (await ada.client.patch(members_url(workspace, admin), json={"role": "OWNER"})).status_code == 200
    stepped_down = await ada.client.patch(members_url(workspace, ada), json={"role": "WS_ADMIN"})
    assert stepped_down.status_code == 200
    assert await roles(ada, workspace) == {"Ada": "WS_ADMIN", "Abe": "OWNER", "Vic": "WS_EDITOR"}

    for body, status, field in (
        ({"role": "KING"}, 422, "role"),
        ({}, 422, "role"),
    ):
        bad = await admin.client.patch(members_url(workspace, viewer), json=body)
        assert bad.status_code == status
        assert bad.json()["errors"][0]["field"] == field
    stranger = await people("Sam")
    missing = await admin.client.patch(f"{members_url(workspace)}/{stranger.id}", json={"role": "WS_VIEWER"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "member_not_found"


async def test_removing_and_leaving_follow_the_owner_rules(people: MakePerson) -> None:
    ada = await people("Ada")
    admin = await people("Abe")
    editor = await people("Eve")
    viewer = await people("Vic")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, admin, "WS_ADMIN")
    await join_personal(ada, workspace, editor)
    await join_personal(ada, workspace, viewer, "WS_VIEWER")

    refused = await editor.client.delete(members_url(workspace, viewer))
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert refused.json()["permission"] == "workspace.members.manage"
    owners_only = await admin.client.delete(members_url(workspace, ada))
    assert owners_only.status_code == 403
    assert owners_only.json()["code"] == "owner_only"
    last = await ada.client.delete(members_url(workspace, ada))
    assert last.status_code == 409
    assert last.json()["code"] == "last_owner"

    assert (await viewer.client.post(f"/api/v1/workspaces/{workspace['id']}/leave")).status_code == 204
    assert (await admin.client.delete(members_url(workspace, editor))).status_code == 204
    assert await roles(ada, workspace) == {"Ada": "OWNER", "Abe": "WS_ADMIN"}
    gone = await admin.client.delete(members_url(workspace, editor))
    assert gone.status_code == 404

    assert (await ada.client.patch(members_url(workspace, admin), json={"role": "OWNER"})).status_code == 200
    assert (await ada.client.delete(members_url(workspace, ada))).status_code == 204  # no longer the last owner
    assert await roles(admin, workspace) == {"Abe": "OWNER"}


async def test_a_removed_member_loses_access_on_the_very_next_request(
    people: MakePerson, infra: Infrastructure
) -> None:
    owner = await people("Olga", account_type="ORG")
    member = await people("Mel")
    organization_id = await create_org(owner)
    await add_to_org(owner, organization_id, member)
    workspace = await create_workspace(owner, "Engineering", organization_id=organization_id)
    await add_member(owner, workspace, member, "WS_EDITOR")
    async with infra.db.unit_of_work() as db:
        space = Space(
            workspace_id=uuid.UUID(workspace["id"]), name="Platform", key="PLAT", visibility=SpaceVisibility.PRIVATE
        )
        db.add(space)
        await db.flush()
        db.add(
            SpaceMember(
                workspace_id=space.workspace_id, space_id=space.id, user_id=uuid.UUID(member.id), role=SpaceRole.ADMIN
            )
        )
    url = f"{WORKSPACES}/{workspace['id']}"
    assert (await member.client.get(url)).status_code == 200  # access resolved and cached

    assert (await owner.client.delete(members_url(workspace, member))).status_code == 204
    after = await member.client.get(url)
    assert after.status_code == 404
    assert after.json()["code"] == "workspace_not_found"
    assert (await member.client.get(WORKSPACES)).json()["items"] == []
    async with infra.db.unit_of_work(read_only=True) as db:
        kept = await db.scalar(select(SpaceMember).where(SpaceMember.user_id == uuid.UUID(member.id)))
        audit = await db.scalar(select(OrgAuditEntry).where(OrgAuditEntry.action == "workspace_member_removed"))
    assert kept is None  # nothing held inside the workspace survives the removal
    assert audit is not None
    assert audit.target_id == member.id


async def test_org_members_are_added_directly(people: MakePerson, infra: Infrastructure) -> None:
    owner = await people("Olga", account_type="ORG")
    member = await people("Mel")
    suspended_or_outside = await people("Sam")
    organization_id = await create_org(owner)
    await add_to_org(owner, organization_id, member)
    workspace = await create_workspace(owner, "Engineering", organization_id=organization_id)
    from_org = f"{WORKSPACES}/{workspace['id']}/members/from-org"

    outside = await owner.client.post(from_org, json={"user_id": suspended_or_outside.id, "role": "WS_EDITOR"})
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["field"] == "user_id"
    assert outside.json()["code"] == "not_an_org_member"
    bad = await owner.client.post(from_org, json={"user_id": member.id})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "role"

    added = await owner.client.post(from_org, json={"user_id": member.id, "role": "WS_EDITOR"})
    assert added.status_code == 201
    assert added.json()["role"] == "WS_EDITOR"
    again = await owner.client.post(from_org, json={"user_id": member.id, "role": "WS_VIEWER"})
    assert again.status_code == 409
    assert again.json()["code"] == "already_member"
    assert (await member.client.get(f"{WORKSPACES}/{workspace['id']}")).json()["role"] == "WS_EDITOR"
    not_allowed = await member.client.post(from_org, json={"user_id": owner.id, "role": "WS_VIEWER"})
    assert not_allowed.status_code == 403
    async with infra.db.unit_of_work(read_only=True) as db:
        audit = await db.scalar(select(OrgAuditEntry).where(OrgAuditEntry.action == "workspace_member_added"))
    assert audit is not None
    assert audit.detail["role"] == "WS_EDITOR"

    personal = await create_workspace(owner, "Olga's own")
    refused = await owner.client.post(
        f"{WORKSPACES}/{personal['id']}/members/from-org", json={"user_id": member.id, "role": "WS_EDITOR"}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_an_org_workspace"


async def test_the_last_owner_cannot_delete_their_account(people: MakePerson) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    workspace = await create_workspace(ada, "Ada's lab")
    await join_personal(ada, workspace, eve)
    deletion = {"confirm_email": ada.email, "password": ada.account.password}

    refused = await ada.client.request("DELETE", "/api/v1/auth/account", json=deletion)
    assert refused.status_code == 409
    assert refused.json()["code"] == "last_owner"
    assert "Ada's lab" in refused.json()["detail"]

    assert (await ada.client.patch(members_url(workspace, eve), json={"role": "OWNER"})).status_code == 200
    deleted = await ada.client.request("DELETE", "/api/v1/auth/account", json=deletion)
    assert deleted.status_code == 204, deleted.text


async def test_a_deleted_workspace_does_not_hold_up_account_deletion(people: MakePerson) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    assert (await ada.client.delete(f"{WORKSPACES}/{workspace['id']}")).status_code == 204
    deletion = {"confirm_email": ada.email, "password": ada.account.password}
    deleted = await ada.client.request("DELETE", "/api/v1/auth/account", json=deletion)
    assert deleted.status_code == 204, deleted.text
