"""Departments: nested groups of members granting permission keys; explicit per-member grants; both
honoured on the very next request, and nobody hands out keys they do not hold."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.orgs.conftest import ORGS, MakePerson, add_member, department_with


def departments_url(org: dict[str, Any], *rest: str) -> str:
    return "/".join([f"{ORGS}/{org['id']}/departments", *rest])


async def create(api: httpx.AsyncClient, org: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    created = await api.post(departments_url(org), json={"name": name, **fields})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def listed(api: httpx.AsyncClient, org: dict[str, Any]) -> dict[str, dict[str, Any]]:
    answer = await api.get(departments_url(org))
    assert answer.status_code == 200, answer.text
    return {row["name"]: row for row in answer.json()["items"]}


async def test_departments_nest_rename_and_delete(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    engineering = await create(api, org, "Engineering", description="Builds things", color="#4f46e5")
    platform = await create(api, org, "Platform", parent_id=engineering["id"])
    await api.post(departments_url(org, platform["id"], "members"), json={"user_id": grace.id})

    rows = await listed(api, org)
    assert rows["Engineering"]["description"] == "Builds things"
    assert rows["Engineering"]["color"] == "#4f46e5"
    assert rows["Platform"]["parent_id"] == engineering["id"]
    assert (rows["Platform"]["member_count"], rows["Engineering"]["member_count"]) == (1, 0)

    renamed = await api.patch(departments_url(org, platform["id"]), json={"name": "Platform team"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["parent_id"]) == ("Platform team", engineering["id"])
    assert renamed.json()["member_count"] == 1

    assert (await api.delete(departments_url(org, engineering["id"]))).status_code == 204

    rows = await listed(api, org)
    assert list(rows) == ["Platform team"]
    assert rows["Platform team"]["parent_id"] is None  # moved up a level
    assert (await api.delete(departments_url(org, engineering["id"]))).status_code == 404
    actions = [e["action"] for e in (await api.get(f"{ORGS}/{org['id']}/audit-log")).json()["items"][:3]]
    assert actions == ["department_deleted", "department_updated", "department_member_added"]


async def test_a_department_can_move_to_the_top_level(api: httpx.AsyncClient, org: dict[str, Any]) -> None:
    parent = await create(api, org, "Engineering")
    child = await create(api, org, "Platform", parent_id=parent["id"])

    moved = await api.patch(departments_url(org, child["id"]), json={"parent_id": None})

    assert moved.status_code == 200
    assert moved.json()["parent_id"] is None
    assert moved.json()["name"] == "Platform"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Ops", "color": "red"}, "color"),
        ({"name": "Ops", "description": "x" * 1001}, "description"),
        ({"name": "Ops", "parent_id": "not-a-uuid"}, "parent_id"),
        ({"name": "Ops", "members": []}, "members"),
    ],
)
async def test_creating_a_department_refuses_bad_input(
    api: httpx.AsyncClient, org: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    refused = await api.post(departments_url(org), json=body)

    assert refused.status_code == 422
    assert field in {error["field"] for error in refused.json()["errors"]}
    assert await listed(api, org) == {}


async def test_names_are_unique_and_parents_stay_in_the_organization_without_cycles(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    top = await create(api, org, "Engineering")
    middle = await create(api, org, "Platform", parent_id=top["id"])
    bottom = await create(api, org, "Storage", parent_id=middle["id"])
    neighbour = await people("Linus")
    other_org = (await neighbour.client.post(ORGS, json={"name": "Globex"})).json()
    foreign = await create(neighbour.client, other_org, "Foreign")

    duplicate = await api.post(departments_url(org), json={"name": "ENGINEERING"})
    foreign_parent = await api.post(departments_url(org), json={"name": "Ops", "parent_id": foreign["id"]})
    unknown_parent = await api.post(departments_url(org), json={"name": "Ops", "parent_id": str(uuid.uuid4())})
    cycle = await api.patch(departments_url(org, top["id"]), json={"parent_id": bottom["id"]})
    itself = await api.patch(departments_url(org, top["id"]), json={"parent_id": top["id"]})
    renamed_onto = await api.patch(departments_url(org, bottom["id"]), json={"name": "platform"})

    assert duplicate.status_code == 409
    assert (duplicate.json()["code"], duplicate.json()["errors"][0]["field"]) == ("department_exists", "name")
    for refused in (foreign_parent, unknown_parent):
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "parent_id"
    for refused in (cycle, itself):
        assert refused.status_code == 422
        assert (refused.json()["code"], refused.json()["errors"][0]["field"]) == ("parent_cycle", "parent_id")
    assert renamed_onto.status_code == 409
    assert (await listed(api, org))["Engineering"]["parent_id"] is None
    assert (await api.get(departments_url(org, foreign["id"], "members"))).status_code == 404
    by_neighbour = await neighbour.client.get(departments_url(org, top["id"], "members"))
    assert by_neighbour.status_code == 404
    assert by_neighbour.json()["code"] == "org_not_found"


async def test_only_organization_members_join_departments(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace, stranger = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], grace)
    department = await create(api, org, "Research")
    members = departments_url(org, department["id"], "members")

    outsider = await api.post(members, json={"user_id": stranger.id})
    joined = await api.post(members, json={"user_id": grace.id})
    twice = await api.post(members, json={"user_id": grace.id})
    bad = await api.post(members, json={"user_id": "grace"})

    assert outsider.status_code == 422
    assert (outsider.json()["code"], outsider.json()["errors"][0]["field"]) == ("not_member", "user_id")
    assert joined.status_code == 201
    assert (joined.json()["name"], joined.json()["email"]) == ("Grace", grace.email)
    assert twice.status_code == 409
    assert bad.status_code == 422
    assert [row["user_id"] for row in (await api.get(members)).json()["items"]] == [grace.id]

    assert (await api.delete(f"{members}/{grace.id}")).status_code == 204
    again = await api.delete(f"{members}/{grace.id}")
    assert again.status_code == 404
    assert again.json()["code"] == "department_member_not_found"
    assert (await api.get(members)).json()["items"] == []


@pytest.mark.parametrize("key", ["org.delete", "org.view", "project.view", "nonsense"])
async def test_a_department_grants_only_department_keys(api: httpx.AsyncClient, org: dict[str, Any], key: str) -> None:
    department = await create(api, org, "Research")
    url = departments_url(org, department["id"], "permissions")

    refused = await api.put(url, json={"permissions": ["org.audit.view", key]})

    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_permission"
    assert refused.json()["errors"][0]["field"] == "permissions"
    assert key in refused.json()["detail"]
    assert (await api.get(url)).json() == {"permissions": []}


async def test_department_keys_grant_access_and_leaving_the_department_takes_it_back_at_once(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    audit = f"{ORGS}/{org['id']}/audit-log"
    before = await grace.client.get(audit)
    assert before.status_code == 403
    assert before.json()["code"] == "permission_denied"

    department_id = await department_with(api, org["id"], "Compliance", ["org.audit.view"], grace)

    assert (await grace.client.get(audit)).status_code == 200
    assert "org.audit.view" in (await grace.client.get(f"{ORGS}/{org['id']}")).json()["permissions"]
    assert (await grace.client.get(f"{ORGS}/{org['id']}/members")).status_code == 403

    left = await api.delete(departments_url(org, department_id, "members", grace.id))
    assert left.status_code == 204
    after = await grace.client.get(audit)
    assert after.status_code == 403
    assert after.json()["code"] == "permission_denied"


async def test_taking_a_key_from_a_department_or_deleting_it_takes_it_from_its_members(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    department_id = await department_with(api, org["id"], "People", ["org.members.view", "org.audit.view"], grace)
    members = f"{ORGS}/{org['id']}/members"
    assert (await grace.client.get(members)).status_code == 200

    narrowed = await api.put(
        departments_url(org, department_id, "permissions"), json={"permissions": ["org.audit.view"]}
    )
    assert narrowed.json() == {"permissions": ["org.audit.view"]}
    assert (await grace.client.get(members)).status_code == 403
    assert (await grace.client.get(f"{ORGS}/{org['id']}/audit-log")).status_code == 200

    assert (await api.delete(departments_url(org, department_id))).status_code == 204
    assert (await grace.client.get(f"{ORGS}/{org['id']}/audit-log")).status_code == 403
    log = (await api.get(f"{ORGS}/{org['id']}/audit-log", params={"action": "permission_revoked"})).json()["items"]
    assert [entry["detail"]["permissions"] for entry in log] == [["org.members.view"]]


async def test_explicit_grants_are_honoured_and_revocable(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace, stranger = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], grace)
    grants = f"{ORGS}/{org['id']}/members/{grace.id}/permissions"
    departments = f"{ORGS}/{org['id']}/departments"
    assert (await grace.client.get(departments)).status_code == 403

    granted = await api.put(grants, json={"permissions": ["org.members.view", "org.members.view"]})

    assert granted.json() == {"permissions": ["org.members.view"]}
    assert (await api.get(grants)).json() == {"permissions": ["org.members.view"]}
    assert (await grace.client.get(departments)).status_code == 200
    assert (await api.put(grants, json={"permissions": []})).json() == {"permissions": []}
    assert (await grace.client.get(departments)).status_code == 403
    unknown = await api.put(grants, json={"permissions": ["org.delete"]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "permissions"
    stranger_grants = await api.put(f"{ORGS}/{org['id']}/members/{stranger.id}/permissions", json={"permissions": []})
    assert stranger_grants.status_code == 404
    assert stranger_grants.json()["code"] == "member_not_found"
    by_grace = await grace.client.get(grants)
    assert by_grace.status_code == 403


async def test_nobody_hands_out_keys_they_do_not_hold(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    for person in (grace, linus):
        await add_member(api, org["id"], person)
    await department_with(
        api, org["id"], "Admins", ["org.departments.manage", "org.members.view", "org.members.manage"], grace
    )
    audit_id = await department_with(api, org["id"], "Audit", ["org.audit.view"])

    own = await grace.client.post(f"{ORGS}/{org['id']}/departments", json={"name": "Grace's"})
    assert own.status_code == 201
    own_keys = departments_url(org, own.json()["id"], "permissions")
    lends_audit = await grace.client.put(own_keys, json={"permissions": ["org.audit.view"]})
    joins_audit = await grace.client.post(departments_url(org, audit_id, "members"), json={"user_id": grace.id})
    grants_billing = await grace.client.put(
        f"{ORGS}/{org['id']}/members/{linus.id}/permissions", json={"permissions": ["org.billing.manage"]}
    )
    lends_own_keys = await grace.client.put(own_keys, json={"permissions": ["org.members.view"]})

    for refused in (lends_audit, joins_audit, grants_billing):
        assert refused.status_code == 403
        assert refused.json()["code"] == "beyond_your_permissions"
    assert lends_own_keys.status_code == 200
    assert (await grace.client.get(f"{ORGS}/{org['id']}/audit-log")).status_code == 403


async def test_listing_needs_members_view_and_managing_needs_departments_manage(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    plain, viewer = await people("Grace"), await people("Linus")
    for person in (plain, viewer):
        await add_member(api, org["id"], person)
    department_id = await department_with(api, org["id"], "Viewers", ["org.members.view"], viewer)
    url = departments_url(org)

    assert (await plain.client.get(url)).status_code == 403
    assert (await viewer.client.get(url)).status_code == 200
    assert (await viewer.client.get(departments_url(org, department_id, "permissions"))).json() == {
        "permissions": ["org.members.view"]
    }
    for refused in (
        await viewer.client.post(url, json={"name": "Mine"}),
        await viewer.client.patch(departments_url(org, department_id), json={"name": "Mine"}),
        await viewer.client.delete(departments_url(org, department_id)),
        await viewer.client.put(departments_url(org, department_id, "permissions"), json={"permissions": []}),
    ):
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
    assert list(await listed(api, org)) == ["Viewers"]
