"""Joining with an invite code, and email invitations: sending, listing, revoking, accepting, declining,
expiry, and the address they are for."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import time_machine
from sqlalchemy import select

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import MemberStatus, OrgMember, OrgRole
from fairlx.settings import Settings
from tests.support.accounts import Drain, mails_to, text_of
from tests.workspaces.conftest import (
    WORKSPACES,
    MakePerson,
    Person,
    create_org,
    create_workspace,
    invitation_mail,
    invitation_token,
    join_personal,
)


async def invite(owner: Person, workspace: dict[str, Any], email: str, role: str = "WS_EDITOR") -> dict[str, Any]:
    sent = await owner.client.post(f"{WORKSPACES}/{workspace['id']}/invitations", json={"email": email, "role": role})
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    return body


# --- invite codes --------------------------------------------------------------------------------------------


async def test_joining_with_the_code_makes_an_editor_once(people: MakePerson) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    workspace = await create_workspace(ada, "Ada's lab")
    code = workspace["invite_code"]

    preview = await eve.client.get(f"{WORKSPACES}/join/{code.lower()}")
    assert preview.status_code == 200
    assert preview.json() == {
        "workspace_id": workspace["id"],
        "name": "Ada's lab",
        "member_count": 1,
        "already_member": False,
    }
    joined = await eve.client.post(f"{WORKSPACES}/join/{code}")
    assert joined.status_code == 200
    assert joined.json()["role"] == "WS_EDITOR"
    assert joined.json()["member_count"] == 2
    again = await eve.client.post(f"{WORKSPACES}/join/{code}")
    assert again.status_code == 200
    assert again.json()["member_count"] == 2
    assert (await eve.client.get(f"{WORKSPACES}/join/{code}")).json()["already_member"] is True
    assert (await ada.client.post(f"{WORKSPACES}/join/{code}")).json()["role"] == "OWNER"  # nothing changes

    for bad in ("ZZZZZZ", "short", "x" * 40):
        missing = await eve.client.get(f"{WORKSPACES}/join/{bad}")
        assert missing.status_code == 404
        assert missing.json()["code"] == "invite_code_not_found"


async def test_resetting_the_code_kills_the_old_one(
    people: MakePerson, settings: Settings, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    newcomer = await people("Nia")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, eve)
    old = workspace["invite_code"]
    reset_url = f"{WORKSPACES}/{workspace['id']}/invite-code/reset"

    refused = await eve.client.post(reset_url)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    reset = await ada.client.post(reset_url)
    assert reset.status_code == 200
    new = reset.json()["code"]
    assert new != old
    assert reset.json()["join_url"] == f"{settings.public_url.rstrip('/')}/join/{new}"
    assert (await newcomer.client.post(f"{WORKSPACES}/join/{old}")).status_code == 404
    assert (await newcomer.client.post(f"{WORKSPACES}/join/{new}")).status_code == 200
    assert (await second_client.get(f"{WORKSPACES}/join/{new}")).status_code == 401


async def test_organization_workspaces_have_no_join_link(people: MakePerson) -> None:
    owner = await people("Olga", account_type="ORG")
    organization_id = await create_org(owner)
    workspace = await create_workspace(owner, "Engineering", organization_id=organization_id)
    refused = await owner.client.post(f"{WORKSPACES}/{workspace['id']}/invite-code/reset")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invite_code_disabled"


# --- email invitations -----------------------------------------------------------------------------------------


async def test_an_invitation_is_mailed_and_accepted_by_its_address(
    people: MakePerson, settings: Settings, drain: Drain, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada, "Ada's lab")
    sent = await invite(ada, workspace, "  Grace@Example.com ", "WS_ADMIN")
    assert sent["email"] == "grace@example.com"
    assert sent["status"] == "PENDING"
    assert sent["invited_by_name"] == "Ada"
    assert "token" not in sent

    mail = await invitation_mail(settings, drain, "grace@example.com")
    assert mail["Subject"] == "Ada invited you to Ada's lab"
    body = text_of(mail)
    assert 'join the workspace "Ada\'s lab"' in body  # plain text, not HTML-escaped
    assert "as admin" in body
    token = invitation_token(mail)
    assert f"{settings.public_url.rstrip('/')}/invitations/{token}" in body

    shown = await second_client.get(f"/api/v1/invitations/{token}")  # anyone holding the link
    assert shown.status_code == 200
    assert shown.json() | {"expires_at": None} == {
        "workspace_id": workspace["id"],
        "workspace_name": "Ada's lab",
        "inviter_name": "Ada",
        "email": "grace@example.com",
        "role": "WS_ADMIN",
        "status": "PENDING",
        "expired": False,
        "expires_at": None,
    }
    assert (await second_client.post(f"/api/v1/invitations/{token}/accept")).status_code == 401

    mallory = await people("Mallory")
    wrong = await mallory.client.post(f"/api/v1/invitations/{token}/accept")
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "invitation_for_another_address"

    grace = await people("Grace")
    accepted = await grace.client.post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == workspace["id"]
    assert accepted.json()["role"] == "WS_ADMIN"
    twice = await grace.client.post(f"/api/v1/invitations/{token}/accept")
    assert twice.status_code == 200  # accepting again changes nothing
    assert twice.json()["member_count"] == 2
    assert (await second_client.get(f"/api/v1/invitations/{token}")).json()["status"] == "ACCEPTED"
    assert (await mallory.client.post(f"/api/v1/invitations/{token}/accept")).status_code == 403
    declined = await second_client.post(f"/api/v1/invitations/{token}/decline")
    assert declined.status_code == 409
    assert declined.json()["code"] == "invitation_used"
    pending = await ada.client.get(f"{WORKSPACES}/{workspace['id']}/invitations")
    assert pending.json()["items"] == []
    assert (await second_client.get("/api/v1/invitations/made-up-token")).status_code == 404


async def test_inviting_needs_members_manage_and_owners_invite_owners(people: MakePerson) -> None:
    ada = await people("Ada")
    admin = await people("Abe")
    editor = await people("Eve")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, admin, "WS_ADMIN")
    await join_personal(ada, workspace, editor)
    url = f"{WORKSPACES}/{workspace['id']}/invitations"

    refused = await editor.client.post(url, json={"email": "x@example.com"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert (await editor.client.get(url)).status_code == 403
    owners_only = await admin.client.post(url, json={"email": "x@example.com", "role": "OWNER"})
    assert owners_only.status_code == 403
    assert owners_only.json()["code"] == "owner_only"
    member = await admin.client.post(url, json={"email": "EVE@example.com"})
    assert member.status_code == 409
    assert member.json()["errors"][0]["field"] == "email"
    for body, field in (
        ({"email": "not-mail"}, "email"),
        ({"email": "x@example.com", "role": "BOSS"}, "role"),
        ({}, "email"),
    ):
        bad = await admin.client.post(url, json=body)
        assert bad.status_code == 422, body
        assert bad.json()["errors"][0]["field"] == field
    assert (await admin.client.post(url, json={"email": "x@example.com", "role": "WS_ADMIN"})).status_code == 201


async def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(
    people: MakePerson, settings: Settings, drain: Drain
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    await invite(ada, workspace, "grace@example.com", "WS_VIEWER")
    first = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    second_sent = await invite(ada, workspace, "grace@example.com", "WS_EDITOR")
    second = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    assert first != second
    assert len(mails_to(settings, "grace@example.com")) == 2

    pending = (await ada.client.get(f"{WORKSPACES}/{workspace['id']}/invitations")).json()["items"]
    assert [(item["id"], item["role"]) for item in pending] == [(second_sent["id"], "WS_EDITOR")]
    grace = await people("Grace")
    replaced = await grace.client.post(f"/api/v1/invitations/{first}/accept")
    assert replaced.status_code == 409
    assert replaced.json()["code"] == "invitation_revoked"
    assert (await grace.client.post(f"/api/v1/invitations/{second}/accept")).json()["role"] == "WS_EDITOR"


async def test_revoked_and_expired_invitations_cannot_be_used(
    people: MakePerson, settings: Settings, drain: Drain
) -> None:
    ada = await people("Ada")
    grace = await people("Grace")
    workspace = await create_workspace(ada)
    revoked = await invite(ada, workspace, grace.email)
    revoked_token = invitation_token(await invitation_mail(settings, drain, grace.email))
    url = f"{WORKSPACES}/{workspace['id']}/invitations/{revoked['id']}"
    assert (await grace.client.delete(url)).status_code == 404  # not a member: the workspace is hidden
    assert (await ada.client.delete(url)).status_code == 204
    again = await ada.client.delete(url)
    assert again.status_code == 409
    assert again.json()["code"] == "invitation_not_pending"
    refused = await grace.client.post(f"/api/v1/invitations/{revoked_token}/accept")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invitation_revoked"
    other = await create_workspace(await people("Sam"), "Sam's")
    foreign = await ada.client.delete(f"{WORKSPACES}/{workspace['id']}/invitations/{other['id']}")
    assert foreign.status_code == 404

    await invite(ada, workspace, grace.email)
    token = invitation_token(await invitation_mail(settings, drain, grace.email))
    with time_machine.travel(utcnow() + timedelta(days=8)):
        shown = await grace.client.get(f"/api/v1/invitations/{token}")
        assert shown.json()["expired"] is True
        listed = (await ada.client.get(f"{WORKSPACES}/{workspace['id']}/invitations")).json()["items"]
        assert [item["expired"] for item in listed] == [True]
        expired = await grace.client.post(f"/api/v1/invitations/{token}/accept")
        assert expired.status_code == 409
        assert expired.json()["code"] == "invitation_expired"
    with time_machine.travel(utcnow() + timedelta(days=6)):
        assert (await grace.client.post(f"/api/v1/invitations/{token}/accept")).status_code == 200


async def test_declining_needs_only_the_link(
    people: MakePerson, settings: Settings, drain: Drain, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    await invite(ada, workspace, "grace@example.com")
    token = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    declined = await second_client.post(f"/api/v1/invitations/{token}/decline")
    assert declined.status_code == 200
    assert declined.json()["status"] == "DECLINED"
    grace = await people("Grace")
    refused = await grace.client.post(f"/api/v1/invitations/{token}/accept")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invitation_declined"
    assert (await ada.client.get(f"{WORKSPACES}/{workspace['id']}/invitations")).json()["items"] == []


async def test_accepting_an_org_workspace_invitation_joins_the_organization(
    people: MakePerson, settings: Settings, drain: Drain, infra: Infrastructure
) -> None:
    owner = await people("Olga", account_type="ORG")
    organization_id = await create_org(owner)
    workspace = await create_workspace(owner, "Engineering", organization_id=organization_id)
    await invite(owner, workspace, "grace@example.com", "WS_VIEWER")
    token = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    grace = await people("Grace")
    accepted = await grace.client.post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "WS_VIEWER"
    assert accepted.json()["organization_name"] == "Acme"
    async with infra.db.unit_of_work(read_only=True) as db:
        joined = await db.scalar(
            select(OrgMember).where(
                OrgMember.organization_id == uuid.UUID(organization_id), OrgMember.user_id == uuid.UUID(grace.id)
            )
        )
    assert joined is not None
    assert (joined.role, joined.status) == (OrgRole.MEMBER, MemberStatus.ACTIVE)
    assert (await grace.client.get(f"/api/v1/organizations/{organization_id}")).status_code == 200
