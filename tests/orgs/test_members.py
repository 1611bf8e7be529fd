"""Members: adding existing users, creating accounts with a first-login link, roles and statuses, the
owner rules (only owners touch owners; one active owner always remains), bulk changes, removal and what
it takes away, and the member list's cost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import time_machine
from sqlalchemy import select

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import DepartmentMember, OrgMemberPermission
from fairlx.settings import Settings
from fairlx.workspaces.models import WorkspaceMember
from tests.orgs.conftest import (
    ORGS,
    MakeBrowser,
    MakePerson,
    add_member,
    department_with,
    org_workspace,
    personal_workspace,
)
from tests.support.accounts import Account, Drain, latest_mail, mails_to, text_of, token_in, use_session


def members_url(org: dict[str, Any], *rest: str) -> str:
    return "/".join([f"{ORGS}/{org['id']}/members", *rest])


async def member_rows(client: httpx.AsyncClient, org: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answer = await client.get(members_url(org), params={"limit": 200})
    assert answer.status_code == 200, answer.text
    return {row["email"]: row for row in answer.json()["items"]}


# --- adding people ------------------------------------------------------------------------------


async def test_an_owner_adds_an_existing_user_who_is_told_by_mail(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")

    added = await api.post(members_url(org), json={"email": "GRACE@example.com", "role": "ADMIN"})

    assert added.status_code == 201, added.text
    assert (added.json()["email"], added.json()["role"], added.json()["status"]) == (grace.email, "ADMIN", "ACTIVE")
    assert [item["name"] for item in (await grace.client.get(ORGS)).json()["items"]] == ["Acme"]
    mail = await latest_mail(settings, drain, grace.email)
    assert mail["Subject"] == "You were added to Acme"
    assert "as Admin" in text_of(mail)
    log = (await api.get(f"{ORGS}/{org['id']}/audit-log", params={"action": "member_added"})).json()["items"]
    assert [(entry["target_id"], entry["detail"]["role"]) for entry in log] == [(grace.id, "ADMIN")]


async def test_adding_refuses_unknown_addresses_members_and_bad_input(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)

    unknown = await api.post(members_url(org), json={"email": "nobody@example.com"})
    twice = await api.post(members_url(org), json={"email": grace.email})
    not_an_address = await api.post(members_url(org), json={"email": "grace"})
    no_such_role = await api.post(members_url(org), json={"email": grace.email, "role": "KING"})

    assert unknown.status_code == 404
    assert (unknown.json()["code"], unknown.json()["errors"][0]["field"]) == ("user_not_found", "email")
    assert twice.status_code == 409
    assert (twice.json()["code"], twice.json()["errors"][0]["field"]) == ("already_member", "email")
    assert not_an_address.status_code == 422
    assert not_an_address.json()["errors"][0]["field"] == "email"
    assert no_such_role.status_code == 422
    assert no_such_role.json()["errors"][0]["field"] == "role"
    assert len(await member_rows(api, org)) == 2


async def test_only_members_managers_add_people_and_other_tenants_see_nothing(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member, outsider, newcomer = await people("Grace"), await people("Linus"), await people("Alan")
    await add_member(api, org["id"], member, "ADMIN")
    assert (await outsider.client.post(ORGS, json={"name": "Globex"})).status_code == 201

    by_member = await member.client.post(members_url(org), json={"email": newcomer.email})
    by_outsider = await outsider.client.post(members_url(org), json={"email": newcomer.email})
    listed_by_member = await member.client.get(members_url(org))
    listed_by_outsider = await outsider.client.get(members_url(org))

    assert by_member.status_code == 403
    assert by_member.json()["code"] == "permission_denied"
    assert listed_by_member.status_code == 403
    assert by_outsider.status_code == listed_by_outsider.status_code == 404
    assert by_outsider.json()["code"] == "org_not_found"
    assert newcomer.email not in await member_rows(api, org)


async def test_the_member_list_shows_people_with_their_departments_page_by_page(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], grace, "MODERATOR")
    await add_member(api, org["id"], linus)
    await department_with(api, org["id"], "Research", [], grace)
    await department_with(api, org["id"], "Design", [], grace)

    first = (await api.get(members_url(org), params={"limit": 2})).json()
    rest = (await api.get(members_url(org), params={"limit": 2, "cursor": first["next_cursor"]})).json()

    rows = first["items"] + rest["items"]
    assert [row["email"] for row in rows] == [account.email, grace.email, linus.email]
    assert rest["next_cursor"] is None
    grace_row = rows[1]
    assert (grace_row["name"], grace_row["role"], grace_row["status"]) == ("Grace", "MODERATOR", "ACTIVE")
    assert [department["name"] for department in grace_row["departments"]] == ["Design", "Research"]
    assert grace_row["avatar_url"] is None
    assert grace_row["joined_at"] is not None
    assert rows[2]["departments"] == []


# --- creating accounts --------------------------------------------------------------------------


async def create_user(api: httpx.AsyncClient, org: dict[str, Any], email: str, role: str = "MEMBER") -> dict[str, Any]:
    created = await api.post(
        members_url(org, "create-user"), json={"name": "Barbara Liskov", "email": email, "role": role}
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def temporary_password_in(text: str) -> str:
    return text.split("Temporary password: ", 1)[1].split(maxsplit=1)[0]


async def test_a_created_member_signs_in_from_the_mailed_link_and_must_choose_a_password(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], browsers: MakeBrowser
) -> None:
    created = await create_user(api, org, "barbara@example.com")
    assert (created["status"], created["role"]) == ("INVITED", "MEMBER")
    mail = await latest_mail(settings, drain, "barbara@example.com")
    assert mail["Subject"] == "Welcome to Acme!"
    body = text_of(mail)
    assert f"{settings.public_url.rstrip('/')}/first-login?token=" in body
    temporary = temporary_password_in(body)
    assert len(temporary) == 16
    barbara = browsers()

    landing = await barbara.get(f"/first-login?token={token_in(mail)}")
    signed_in = await barbara.post("/first-login", data={"token": token_in(mail)})

    assert landing.status_code == 200
    assert 'hx-post="/first-login"' in landing.text
    assert token_in(mail) in landing.text
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/settings/security?required=1"
    use_session(barbara, settings)
    me = (await barbara.get("/api/v1/auth/me")).json()
    assert me["lifecycle"] == "MUST_RESET_PASSWORD"
    assert me["user"]["account_type"] == "ORG"
    assert (await barbara.get("/home")).headers["location"] == "/settings/security?required=1"
    assert (await member_rows(api, org))["barbara@example.com"]["status"] == "ACTIVE"
    assert [item["name"] for item in (await barbara.get(ORGS)).json()["items"]] == ["Acme"]

    changed = await barbara.post(
        "/api/v1/auth/change-password", json={"current_password": temporary, "new_password": "a brand new secret"}
    )
    assert changed.status_code == 204
    assert (await barbara.get("/api/v1/auth/me")).json()["lifecycle"] == "ACTIVE"
    reused = await browsers().post(f"{ORGS}/first-login", json={"token": token_in(mail)})
    assert reused.status_code == 422
    assert reused.json()["code"] == "token_used"
    log = (await api.get(f"{ORGS}/{org['id']}/audit-log")).json()["items"]
    assert [entry["action"] for entry in log[:4]] == [
        "member_activated",
        "first_login_token_used",
        "first_login_token_created",
        "member_created",
    ]


async def test_the_temporary_password_signs_in_but_the_invitation_stays_open(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], browsers: MakeBrowser
) -> None:
    await create_user(api, org, "barbara@example.com")
    temporary = temporary_password_in(text_of(await latest_mail(settings, drain, "barbara@example.com")))
    barbara = browsers()

    login = await barbara.post("/api/v1/auth/login", json={"email": "barbara@example.com", "password": temporary})

    assert login.status_code == 200
    assert login.json()["lifecycle"] == "MUST_RESET_PASSWORD"
    assert (await barbara.get(ORGS)).json()["items"] == []  # invited: no access before the first-login link
    assert (await member_rows(api, org))["barbara@example.com"]["status"] == "INVITED"


async def test_the_first_login_link_expires_after_24_hours(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], browsers: MakeBrowser
) -> None:
    await create_user(api, org, "barbara@example.com")
    token = token_in(await latest_mail(settings, drain, "barbara@example.com"))

    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1), tick=False):
        late = await browsers().post(f"{ORGS}/first-login", json={"token": token})
        page = await browsers().post("/first-login", data={"token": token})

    assert late.status_code == 422
    assert (late.json()["code"], late.json()["errors"][0]["field"]) == ("token_expired", "token")
    assert page.status_code == 422
    assert "This link cannot be used" in page.text
    assert (await member_rows(api, org))["barbara@example.com"]["status"] == "INVITED"


async def test_creating_refuses_taken_addresses_and_bad_input(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any]
) -> None:
    taken = await api.post(members_url(org, "create-user"), json={"name": "Ada", "email": account.email.upper()})
    nameless = await api.post(members_url(org, "create-user"), json={"name": " ", "email": "new@example.com"})
    addressless = await api.post(members_url(org, "create-user"), json={"name": "New"})

    assert taken.status_code == 409
    assert (taken.json()["code"], taken.json()["errors"][0]["field"]) == ("email_taken", "email")
    assert nameless.status_code == addressless.status_code == 422
    assert nameless.json()["errors"][0]["field"] == "name"
    assert addressless.json()["errors"][0]["field"] == "email"
    assert list(await member_rows(api, org)) == [account.email]


async def test_resending_the_welcome_replaces_the_password_and_link_until_first_sign_in(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], browsers: MakeBrowser
) -> None:
    created = await create_user(api, org, "barbara@example.com")
    first_mail = await latest_mail(settings, drain, "barbara@example.com")
    resend = members_url(org, created["user_id"], "resend-welcome")

    assert (await api.post(resend)).status_code == 202

    second_mail = await latest_mail(settings, drain, "barbara@example.com")
    assert len(mails_to(settings, "barbara@example.com")) == 2
    old_password, new_password = temporary_password_in(text_of(first_mail)), temporary_password_in(text_of(second_mail))
    assert old_password != new_password
    barbara = browsers()
    old_login = await barbara.post(
        "/api/v1/auth/login", json={"email": "barbara@example.com", "password": old_password}
    )
    old_link = await barbara.post(f"{ORGS}/first-login", json={"token": token_in(first_mail)})
    assert old_login.status_code == 401
    assert old_link.status_code == 422
    assert (await barbara.post(f"{ORGS}/first-login", json={"token": token_in(second_mail)})).status_code == 200

    again = await api.post(resend)

    assert again.status_code == 409
    assert again.json()["code"] == "already_signed_in"
    assert len(mails_to(settings, "barbara@example.com")) == 2


async def test_an_active_members_password_can_never_be_reset_by_an_administrator(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)

    refused = await api.post(members_url(org, grace.id, "resend-welcome"))

    assert refused.status_code == 409
    assert refused.json()["code"] == "already_signed_in"
    assert (await grace.client.get("/api/v1/auth/me")).status_code == 200


# --- roles, statuses and owners -----------------------------------------------------------------


async def test_the_last_active_owner_can_be_neither_demoted_suspended_nor_removed(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any]
) -> None:
    me = members_url(org, account.user_id)

    demoted = await api.patch(me, json={"role": "ADMIN"})
    suspended = await api.patch(me, json={"status": "SUSPENDED"})
    left = await api.delete(me)

    for answer in (demoted, suspended, left):
        assert answer.status_code == 409
        assert answer.json()["code"] == "last_owner"
        assert "Acme" in answer.json()["detail"]
    row = (await member_rows(api, org))[account.email]
    assert (row["role"], row["status"]) == ("OWNER", "ACTIVE")


async def test_with_a_second_owner_the_first_may_step_down(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace, "OWNER")

    stepped_down = await api.patch(members_url(org, account.user_id), json={"role": "ADMIN"})

    assert stepped_down.status_code == 200
    assert stepped_down.json()["role"] == "ADMIN"
    blocked = await grace.client.patch(members_url(org, grace.id), json={"role": "MEMBER"})
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "last_owner"
    log = (await grace.client.get(f"{ORGS}/{org['id']}/audit-log", params={"action": "member_role_changed"})).json()
    assert [(entry["detail"]["before"], entry["detail"]["after"]) for entry in log["items"]] == [("OWNER", "ADMIN")]


async def test_only_an_owner_touches_owners_and_nobody_gives_a_role_above_their_own(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    admin, moderator, member = await people("Grace"), await people("Linus"), await people("Alan")
    await add_member(api, org["id"], admin, "ADMIN")
    await add_member(api, org["id"], moderator, "MODERATOR")
    await add_member(api, org["id"], member)
    await department_with(api, org["id"], "People", ["org.members.manage", "org.members.view"], admin, moderator)

    owner_changed = await admin.client.patch(members_url(org, account.user_id), json={"role": "MEMBER"})
    owner_granted = await admin.client.patch(members_url(org, member.id), json={"role": "OWNER"})
    owner_removed = await admin.client.delete(members_url(org, account.user_id))
    above_moderator = await moderator.client.patch(members_url(org, member.id), json={"role": "ADMIN"})
    admin_touched = await moderator.client.patch(members_url(org, admin.id), json={"status": "SUSPENDED"})
    self_promoted = await moderator.client.patch(members_url(org, moderator.id), json={"role": "ADMIN"})
    allowed = await admin.client.patch(members_url(org, member.id), json={"role": "MODERATOR"})

    assert [a.status_code for a in (owner_changed, owner_granted, owner_removed)] == [403, 403, 403]
    assert {a.json()["code"] for a in (owner_changed, owner_granted, owner_removed)} == {"owner_only"}
    assert [a.status_code for a in (above_moderator, admin_touched, self_promoted)] == [403, 403, 403]
    assert {a.json()["code"] for a in (above_moderator, admin_touched, self_promoted)} == {"role_above_yours"}
    assert allowed.status_code == 200
    rows = await member_rows(api, org)
    assert [rows[person.email]["role"] for person in (admin, moderator, member)] == ["ADMIN", "MODERATOR", "MODERATOR"]
    assert rows[account.email]["role"] == "OWNER"


async def test_role_and_status_changes_refuse_bad_input_and_strangers(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace, stranger = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], grace)

    empty = await api.patch(members_url(org, grace.id), json={})
    invited = await api.patch(members_url(org, grace.id), json={"status": "INVITED"})
    unknown_role = await api.patch(members_url(org, grace.id), json={"role": "KING"})
    not_a_member = await api.patch(members_url(org, stranger.id), json={"role": "ADMIN"})
    no_such_user = await api.patch(members_url(org, str(uuid.uuid4())), json={"role": "ADMIN"})

    assert [a.status_code for a in (empty, invited, unknown_role)] == [422, 422, 422]
    assert invited.json()["errors"][0]["field"] == "status"
    assert unknown_role.json()["errors"][0]["field"] == "role"
    assert not_a_member.status_code == no_such_user.status_code == 404
    assert not_a_member.json()["code"] == "member_not_found"


async def test_a_suspended_member_loses_access_at_once_and_gets_it_back(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    assert (await grace.client.get(f"{ORGS}/{org['id']}")).status_code == 200

    suspended = await api.patch(members_url(org, grace.id), json={"status": "SUSPENDED"})
    hidden = await grace.client.get(f"{ORGS}/{org['id']}")
    reactivated = await api.patch(members_url(org, grace.id), json={"status": "ACTIVE"})

    assert suspended.json()["status"] == "SUSPENDED"
    assert hidden.status_code == 404
    assert reactivated.json()["status"] == "ACTIVE"
    assert (await grace.client.get(f"{ORGS}/{org['id']}")).status_code == 200
    actions = [e["action"] for e in (await api.get(f"{ORGS}/{org['id']}/audit-log")).json()["items"][:2]]
    assert actions == ["member_activated", "member_suspended"]


# --- bulk changes -------------------------------------------------------------------------------


async def test_bulk_role_changes_are_all_or_nothing(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    for person in (grace, linus):
        await add_member(api, org["id"], person)
    bulk = members_url(org, "bulk-update-role")

    changed = await api.post(bulk, json={"user_ids": [grace.id, linus.id, grace.id], "role": "MODERATOR"})
    with_stranger = await api.post(bulk, json={"user_ids": [grace.id, str(uuid.uuid4())], "role": "ADMIN"})
    with_owner = await api.post(bulk, json={"user_ids": [grace.id, account.user_id], "role": "MEMBER"})
    nobody = await api.post(bulk, json={"user_ids": [], "role": "MEMBER"})

    assert changed.status_code == 200
    assert changed.json() == {"updated": 2}
    assert with_stranger.status_code == 422
    assert with_stranger.json()["errors"][0]["field"] == "user_ids"
    assert with_owner.status_code == 409
    assert with_owner.json()["code"] == "last_owner"
    assert nobody.status_code == 422
    rows = await member_rows(api, org)
    assert [rows[email]["role"] for email in (account.email, grace.email, linus.email)] == [
        "OWNER",
        "MODERATOR",
        "MODERATOR",
    ]


async def test_bulk_changes_obey_the_owner_rules_for_every_member(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    admin, member = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], admin, "ADMIN")
    await add_member(api, org["id"], member)
    await department_with(api, org["id"], "People", ["org.members.manage"], admin)

    touches_owner = await admin.client.post(
        members_url(org, "bulk-update-role"), json={"user_ids": [member.id, account.user_id], "role": "MODERATOR"}
    )
    removes_owner = await admin.client.post(
        members_url(org, "bulk-delete"), json={"user_ids": [member.id, account.user_id]}
    )

    assert touches_owner.status_code == removes_owner.status_code == 403
    assert touches_owner.json()["code"] == removes_owner.json()["code"] == "owner_only"
    rows = await member_rows(api, org)
    assert (rows[member.email]["role"], len(rows)) == ("MEMBER", 3)


async def test_bulk_removal_is_all_or_nothing(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    for person in (grace, linus):
        await add_member(api, org["id"], person)
    bulk = members_url(org, "bulk-delete")

    with_owner = await api.post(bulk, json={"user_ids": [grace.id, account.user_id]})
    assert with_owner.status_code == 409
    assert with_owner.json()["code"] == "last_owner"
    assert len(await member_rows(api, org)) == 3

    removed = await api.post(bulk, json={"user_ids": [grace.id, linus.id]})

    assert removed.json() == {"updated": 2}
    assert list(await member_rows(api, org)) == [account.email]
    for person in (grace, linus):
        assert (await person.client.get(f"{ORGS}/{org['id']}")).status_code == 404


# --- removal ------------------------------------------------------------------------------------


async def test_removing_a_member_takes_away_departments_grants_and_workspaces(
    api: httpx.AsyncClient, infra: Infrastructure, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    await department_with(api, org["id"], "Audit", ["org.audit.view"], grace)
    granted = await api.put(members_url(org, grace.id, "permissions"), json={"permissions": ["org.members.view"]})
    assert granted.status_code == 200
    in_org = await org_workspace(infra, org["id"], grace.id)
    elsewhere = await personal_workspace(infra, grace.id)
    assert (await grace.client.get(f"{ORGS}/{org['id']}/audit-log")).status_code == 200

    removed = await api.delete(members_url(org, grace.id))

    assert removed.status_code == 204
    assert (await grace.client.get(f"{ORGS}/{org['id']}/audit-log")).status_code == 404
    user_id = uuid.UUID(grace.id)
    async with infra.db.unit_of_work(read_only=True) as db:
        assert list(await db.scalars(select(DepartmentMember).where(DepartmentMember.user_id == user_id))) == []
        assert list(await db.scalars(select(OrgMemberPermission).where(OrgMemberPermission.user_id == user_id))) == []
        workspaces = set(
            await db.scalars(select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user_id))
        )
    assert workspaces == {elsewhere}
    assert in_org not in workspaces
    log = (await api.get(f"{ORGS}/{org['id']}/audit-log", params={"action": "member_removed"})).json()["items"]
    assert [entry["target_id"] for entry in log] == [grace.id]


async def test_a_member_may_leave_but_not_remove_others(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    for person in (grace, linus):
        await add_member(api, org["id"], person)

    removes_other = await grace.client.delete(members_url(org, linus.id))
    left = await grace.client.post(f"{ORGS}/{org['id']}/leave")

    assert removes_other.status_code == 403
    assert removes_other.json()["code"] == "permission_denied"
    assert left.status_code == 204
    assert (await grace.client.get(f"{ORGS}/{org['id']}")).status_code == 404
    assert grace.email not in await member_rows(api, org)
    log = (await api.get(f"{ORGS}/{org['id']}/audit-log")).json()["items"]
    assert (log[0]["action"], log[0]["actor"]["id"], log[0]["target_id"]) == ("member_left", grace.id, grace.id)


# --- cost -----------------------------------------------------------------------------------------


async def test_the_member_list_costs_the_same_statements_for_3_and_10_members(
    api: httpx.AsyncClient, org: dict[str, Any], count_sql: Callable[..., Any]
) -> None:
    async def statements() -> int:
        assert (await api.get(members_url(org))).status_code == 200  # warms the caches after the changes
        with count_sql() as counter:
            answer = await api.get(members_url(org))
        assert answer.status_code == 200
        count: int = counter.count
        return count

    department_id = await department_with(api, org["id"], "Everyone", [])
    for number in range(2):
        created = await create_user(api, org, f"first{number}@example.com")
        await api.post(f"{ORGS}/{org['id']}/departments/{department_id}/members", json={"user_id": created["user_id"]})
    with_three = await statements()
    for number in range(7):
        created = await create_user(api, org, f"more{number}@example.com")
        await api.post(f"{ORGS}/{org['id']}/departments/{department_id}/members", json={"user_id": created["user_id"]})
    with_ten = await statements()

    assert len(await member_rows(api, org)) == 10
    assert with_three == with_ten
    assert with_ten <= 3, with_ten


async def test_two_owners_stepping_down_at_once_leave_one_owner(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace, "OWNER")

    answers = await asyncio.gather(
        api.patch(members_url(org, account.user_id), json={"role": "ADMIN"}),
        grace.client.patch(members_url(org, grace.id), json={"role": "ADMIN"}),
    )

    assert sorted(answer.status_code for answer in answers) == [200, 409]
    still_owner = api if answers[0].status_code == 409 else grace.client
    assert answers[0 if still_owner is api else 1].json()["code"] == "last_owner"
    roles = sorted(row["role"] for row in (await member_rows(still_owner, org)).values())
    assert roles == ["ADMIN", "OWNER"]
