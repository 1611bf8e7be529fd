"""Organizations: creating, listing, renaming, soft deletion with its 30-day restore window, converting a
personal account, and who may do each."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.orgs.models import Organization
from fairlx.rbac.permissions import ORG_OWNER_KEYS
from fairlx.settings import Settings
from fairlx.workspaces.models import Workspace, WorkspaceKind
from tests.orgs.conftest import ORGS, MakePerson, add_member, department_with, personal_workspace
from tests.support.accounts import Account, sign_in


async def audit_actions(api: httpx.AsyncClient, organization_id: str) -> list[str]:
    answer = await api.get(f"{ORGS}/{organization_id}/audit-log")
    assert answer.status_code == 200, answer.text
    return [entry["action"] for entry in answer.json()["items"]]


async def test_a_signed_in_user_creates_an_organization_and_owns_it(api: httpx.AsyncClient, account: Account) -> None:
    created = await api.post(ORGS, json={"name": "  Acme  ", "size": "11-50"})

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Acme"
    assert body["size"] == "11-50"
    assert body["role"] == "OWNER"
    assert body["member_count"] == 1
    assert set(body["permissions"]) == {key.value for key in ORG_OWNER_KEYS}
    shown = await api.get(f"{ORGS}/{body['id']}")
    assert shown.status_code == 200
    assert shown.json()["role"] == "OWNER"
    assert shown.json()["member_count"] == 1
    members = (await api.get(f"{ORGS}/{body['id']}/members")).json()["items"]
    assert [(m["email"], m["role"], m["status"]) for m in members] == [(account.email, "OWNER", "ACTIVE")]
    assert await audit_actions(api, body["id"]) == ["organization_created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({}, "name"),
        ({"name": "Acme", "size": "huge"}, "size"),
        ({"name": "Acme", "plan": "pro"}, "plan"),
    ],
)
async def test_creating_refuses_bad_input_naming_the_field(
    api: httpx.AsyncClient, account: Account, body: dict[str, Any], field: str
) -> None:
    refused = await api.post(ORGS, json=body)

    assert refused.status_code == 422
    assert field in {error["field"] for error in refused.json()["errors"]}
    assert (await api.get(ORGS)).json()["items"] == []


async def test_signed_out_visitors_can_neither_create_nor_list(second_client: httpx.AsyncClient) -> None:
    assert (await second_client.post(ORGS, json={"name": "Acme"})).status_code == 401
    assert (await second_client.get(ORGS)).status_code == 401


async def test_the_list_holds_only_my_organizations_page_by_page(
    api: httpx.AsyncClient, account: Account, people: MakePerson
) -> None:
    for name in ("One", "Two", "Three"):
        assert (await api.post(ORGS, json={"name": name})).status_code == 201
    grace = await people("Grace")
    assert (await grace.client.post(ORGS, json={"name": "Grace's"})).status_code == 201

    first = (await api.get(ORGS, params={"limit": 2})).json()
    second = (await api.get(ORGS, params={"limit": 2, "cursor": first["next_cursor"]})).json()

    assert [item["name"] for item in first["items"]] == ["One", "Two"]
    assert first["next_cursor"]
    assert [item["name"] for item in second["items"]] == ["Three"]
    assert second["next_cursor"] is None
    assert all(item["role"] == "OWNER" for item in first["items"] + second["items"])
    assert [item["name"] for item in (await grace.client.get(ORGS)).json()["items"]] == ["Grace's"]
    bad_cursor = await api.get(ORGS, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    assert (await api.get(ORGS, params={"limit": 0})).status_code == 422
    assert (await api.get(ORGS, params={"limit": 201})).status_code == 422


async def test_renaming_needs_settings_manage_and_is_audited(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member, outsider = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], member, "ADMIN")
    url = f"{ORGS}/{org['id']}"

    renamed = await api.patch(url, json={"name": "Acme Corp", "settings": {"week_starts": "monday"}})
    by_member = await member.client.patch(url, json={"name": "Mine now"})
    by_outsider = await outsider.client.patch(url, json={"name": "Mine now"})
    blank = await api.patch(url, json={"name": ""})

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Acme Corp"
    assert renamed.json()["settings"] == {"week_starts": "monday"}
    assert renamed.json()["size"] == "11-50"  # untouched: not sent
    assert by_member.status_code == 403
    assert by_member.json()["code"] == "permission_denied"
    assert by_outsider.status_code == 404
    assert by_outsider.json()["code"] == "org_not_found"
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "name"
    assert (await member.client.get(url)).json()["name"] == "Acme Corp"
    assert (await outsider.client.get(url)).status_code == 404
    log = (await api.get(f"{url}/audit-log", params={"action": "organization_renamed"})).json()["items"]
    assert [(entry["target_name"], entry["detail"]["previous_name"]) for entry in log] == [("Acme Corp", "Acme")]


async def test_a_department_key_lets_a_member_rename_but_never_delete(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    admin = await people("Grace")
    await add_member(api, org["id"], admin, "ADMIN")
    await department_with(api, org["id"], "Ops", ["org.settings.manage"], admin)
    url = f"{ORGS}/{org['id']}"

    assert (await admin.client.patch(url, json={"name": "Renamed"})).status_code == 200
    refused = await admin.client.delete(url)

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert (await api.get(url)).status_code == 200


async def test_deleting_hides_the_organization_from_everyone(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member = await people("Grace")
    await add_member(api, org["id"], member)
    url = f"{ORGS}/{org['id']}"

    assert (await api.delete(url)).status_code == 204

    for client in (api, member.client):
        gone = await client.get(url)
        assert gone.status_code == 404
        assert gone.json()["code"] == "org_not_found"
        assert (await client.get(f"{url}/members")).status_code == 404
        assert (await client.get(ORGS)).json()["items"] == []
    deleted = (await api.get(f"{ORGS}/deleted")).json()
    assert [item["id"] for item in deleted] == [org["id"]]
    assert deleted[0]["restorable_until"] > deleted[0]["deleted_at"]
    assert (await member.client.get(f"{ORGS}/deleted")).json() == []
    assert (await api.delete(url)).status_code == 404


async def test_an_owner_restores_within_30_days_and_nobody_else_can(
    api: httpx.AsyncClient, settings: Settings, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    member, outsider = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], member, "ADMIN")
    url = f"{ORGS}/{org['id']}"
    assert (await api.delete(url)).status_code == 204

    with time_machine.travel(utcnow() + timedelta(days=29), tick=False):
        await sign_in(api, settings, account)
        by_member = await member.client.post(f"{url}/restore")
        by_outsider = await outsider.client.post(f"{url}/restore")
        unknown = await api.post(f"{ORGS}/{uuid.uuid4()}/restore")
        restored = await api.post(f"{url}/restore")

    assert by_member.status_code == by_outsider.status_code == unknown.status_code == 404
    assert by_member.json()["code"] == "org_not_found"
    assert restored.status_code == 200, restored.text
    assert restored.json()["name"] == "Acme"
    assert (await member.client.get(url)).status_code == 200
    assert (await api.post(f"{url}/restore")).json()["code"] == "not_deleted"
    assert (await outsider.client.post(f"{url}/restore")).status_code == 404
    assert (await api.get(f"{url}/audit-log")).json()["items"][0]["action"] == "organization_restored"


async def test_restoring_after_30_days_is_refused(
    api: httpx.AsyncClient, settings: Settings, account: Account, org: dict[str, Any]
) -> None:
    url = f"{ORGS}/{org['id']}"
    assert (await api.delete(url)).status_code == 204

    with time_machine.travel(utcnow() + timedelta(days=30, minutes=1), tick=False):
        await sign_in(api, settings, account)
        late = await api.post(f"{url}/restore")
        listed = (await api.get(f"{ORGS}/deleted")).json()

    assert late.status_code == 409
    assert late.json()["code"] == "restore_window_closed"
    assert listed == []
    assert (await api.get(url)).status_code == 404


async def test_any_owner_may_restore_not_only_the_one_who_deleted(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    co_owner = await people("Grace")
    await add_member(api, org["id"], co_owner, "OWNER")
    assert (await api.delete(f"{ORGS}/{org['id']}")).status_code == 204

    restored = await co_owner.client.post(f"{ORGS}/{org['id']}/restore")

    assert restored.status_code == 200
    assert restored.json()["role"] == "OWNER"


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rate_limit_overrides": {preset.value: "100000/minute" for preset in Preset} | {"org_create": "2/minute"}}],
)
async def test_creating_organizations_is_rate_limited_per_account(
    api: httpx.AsyncClient, account: Account, people: MakePerson
) -> None:
    answers = [(await api.post(ORGS, json={"name": f"Org {n}"})).status_code for n in range(3)]
    grace = await people("Grace")

    assert answers == [201, 201, 429]
    assert (await grace.client.post(ORGS, json={"name": "Grace's"})).status_code == 201
    assert len((await api.get(ORGS)).json()["items"]) == 2


async def choose_personal(client: httpx.AsyncClient) -> None:
    chosen = await client.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    assert chosen.status_code == 200, chosen.text


async def test_converting_a_personal_account_moves_its_workspaces_under_the_new_organization(
    api: httpx.AsyncClient, infra: Infrastructure, account: Account, people: MakePerson
) -> None:
    await choose_personal(api)
    mine = await personal_workspace(infra, account.user_id)
    grace = await people("Grace")
    hers = await personal_workspace(infra, grace.id, "Grace's work")

    converted = await api.post(f"{ORGS}/convert", json={"name": "Ada Inc"})

    assert converted.status_code == 201, converted.text
    organization_id = converted.json()["id"]
    assert converted.json()["role"] == "OWNER"
    assert (await api.get("/api/v1/auth/me")).json()["user"]["account_type"] == "ORG"
    async with infra.db.unit_of_work(read_only=True) as db:
        moved = await db.get(Workspace, mine)
        untouched = await db.get(Workspace, hers)
    assert moved is not None
    assert untouched is not None
    assert (moved.kind, str(moved.organization_id), moved.invite_code) == (
        WorkspaceKind.ORGANIZATION,
        organization_id,
        None,
    )
    assert (untouched.kind, untouched.organization_id) == (WorkspaceKind.PERSONAL, None)
    assert untouched.invite_code is not None
    log = (await api.get(f"{ORGS}/{organization_id}/audit-log")).json()["items"]
    assert [entry["action"] for entry in log] == ["account_converted", "organization_created"]
    assert log[0]["detail"]["workspaces"] == [str(mine)]


async def test_converting_twice_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, infra: Infrastructure, account: Account
) -> None:
    await choose_personal(api)
    workspace_id = await personal_workspace(infra, account.user_id)
    first = await api.post(f"{ORGS}/convert", json={"name": "Ada Inc"})
    assert first.status_code == 201

    again = await api.post(f"{ORGS}/convert", json={"name": "Ada Again"})

    assert again.status_code == 409
    assert again.json()["code"] == "not_personal"
    async with infra.db.unit_of_work(read_only=True) as db:
        workspace = await db.get(Workspace, workspace_id)
        organizations = await db.scalar(select(func.count()).select_from(Organization))
    assert workspace is not None
    assert str(workspace.organization_id) == first.json()["id"]
    assert organizations == 1
    assert [item["name"] for item in (await api.get(ORGS)).json()["items"]] == ["Ada Inc"]


async def test_only_a_personal_account_converts(
    api: httpx.AsyncClient, infra: Infrastructure, account: Account
) -> None:
    undecided = await api.post(f"{ORGS}/convert", json={"name": "Ada Inc"})
    await choose_personal(api)
    nameless = await api.post(f"{ORGS}/convert", json={"name": ""})

    assert undecided.status_code == 409
    assert undecided.json()["code"] == "not_personal"
    assert nameless.status_code == 422
    assert nameless.json()["errors"][0]["field"] == "name"
    async with infra.db.unit_of_work(read_only=True) as db:
        assert await db.scalar(select(func.count()).select_from(Organization)) == 0
    assert (await api.get("/api/v1/auth/me")).json()["user"]["account_type"] == "PERSONAL"
