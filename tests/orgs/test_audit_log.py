"""The organization audit log: who did what to whom, from where and when; newest first, filtered and
paginated, and readable only with org.audit.view."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import time_machine

from fairlx.core.clock import utcnow
from fairlx.settings import Settings
from tests.orgs.conftest import ORGS, MakePerson, add_member, department_with
from tests.support.accounts import Account, sign_in


def log_url(org: dict[str, Any]) -> str:
    return f"{ORGS}/{org['id']}/audit-log"


async def entries(client: httpx.AsyncClient, org: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    answer = await client.get(log_url(org), params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_entries_name_the_actor_the_target_and_the_address(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace, "MODERATOR")

    newest = (await entries(api, org))[0]

    assert newest["action"] == "member_added"
    assert newest["actor"] == {"id": account.user_id, "name": account.name, "email": account.email}
    assert (newest["target_type"], newest["target_id"], newest["target_name"]) == ("user", grace.id, "Grace")
    assert newest["detail"] == {"email": grace.email, "role": "MODERATOR"}
    assert newest["ip"] == "127.0.0.1"


async def test_filters_narrow_by_action_actor_target_and_time(
    api: httpx.AsyncClient, settings: Settings, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    await department_with(api, org["id"], "Admins", ["org.departments.manage", "org.audit.view"], grace)
    start = utcnow()
    with time_machine.travel(start + timedelta(days=2), tick=False):
        await sign_in(grace.client, settings, grace.account)
        created = await grace.client.post(f"{ORGS}/{org['id']}/departments", json={"name": "Later"})
        assert created.status_code == 201
    with time_machine.travel(start + timedelta(days=4), tick=False):
        await sign_in(api, settings, account)
        assert (await api.patch(f"{ORGS}/{org['id']}", json={"name": "Acme Corp"})).status_code == 200

        by_action = await entries(api, org, action="department_created")
        by_actor = await entries(api, org, actor_id=grace.id)
        by_target = await entries(api, org, target_type="organization")
        since = await entries(api, org, since=(start + timedelta(days=1)).isoformat())
        until = await entries(api, org, until=(start + timedelta(days=3)).isoformat())
        window = await entries(
            api, org, since=(start + timedelta(days=1)).isoformat(), until=(start + timedelta(days=3)).isoformat()
        )
        naive = await entries(api, org, since=(start + timedelta(days=3)).replace(tzinfo=None).isoformat())

    assert [entry["target_name"] for entry in by_action] == ["Later", "Admins"]
    assert [entry["action"] for entry in by_actor] == ["department_created"]
    assert [entry["action"] for entry in by_target] == ["organization_renamed", "organization_created"]
    assert [entry["action"] for entry in since] == ["organization_renamed", "department_created"]
    assert "organization_renamed" not in [entry["action"] for entry in until]
    assert [entry["action"] for entry in window] == ["department_created"]
    assert [entry["action"] for entry in naive] == ["organization_renamed"]  # read as UTC


async def test_bad_filters_are_refused_naming_the_field(api: httpx.AsyncClient, org: dict[str, Any]) -> None:
    now = utcnow()
    cases: dict[str, dict[str, str | int]] = {
        "action": {"action": "tea_made"},
        "actor_id": {"actor_id": "grace"},
        "since": {"since": "yesterday"},
        "until": {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
        "cursor": {"cursor": "!!!"},
        "limit": {"limit": 500},
    }
    for field, params in cases.items():
        refused = await api.get(log_url(org), params=params)
        assert refused.status_code == 422, field
        assert refused.json()["errors"][0]["field"] == field


async def test_pages_run_newest_first_without_gaps_or_repeats(
    api: httpx.AsyncClient, settings: Settings, account: Account, org: dict[str, Any]
) -> None:
    start = utcnow()
    for number in range(5):
        with time_machine.travel(start + timedelta(minutes=number + 1), tick=False):
            await sign_in(api, settings, account)
            assert (
                await api.post(f"{ORGS}/{org['id']}/departments", json={"name": f"Team {number}"})
            ).status_code == 201
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, "action": "department_created"}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get(log_url(org), params=params)).json()
        seen += [entry["target_name"] for entry in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == ["Team 4", "Team 3", "Team 2", "Team 1", "Team 0"]
    assert pages == 3


async def test_only_holders_of_org_audit_view_read_it(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member, outsider = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], member, "ADMIN")

    by_member = await member.client.get(log_url(org))
    by_outsider = await outsider.client.get(log_url(org))
    anonymous = await second_client.get(log_url(org))

    assert by_member.status_code == 403
    assert by_member.json()["code"] == "permission_denied"
    assert by_outsider.status_code == 404
    assert anonymous.status_code == 401
