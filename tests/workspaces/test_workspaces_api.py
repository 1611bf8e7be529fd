"""Creating, listing, reading, changing and deleting workspaces through the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import OrgAuditEntry
from fairlx.workspaces.models import Workspace
from fairlx.workspaces.service import INVITE_CODE_ALPHABET
from tests.workspaces.conftest import (
    WORKSPACES,
    MakePerson,
    add_member,
    add_to_org,
    create_org,
    create_workspace,
    grant_org_keys,
    join_personal,
)


async def test_a_personal_account_creates_one_personal_workspace_and_owns_it(people: MakePerson) -> None:
    ada = await people("Ada", account_type="PERSONAL")
    created = await ada.client.post(WORKSPACES, json={"name": "  Ada's work  "})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Ada's work"
    assert body["kind"] == "PERSONAL"
    assert body["organization_id"] is None
    assert body["role"] == "OWNER"
    assert body["member_count"] == 1
    assert "workspace.delete" in body["permissions"]
    assert body["ui_mode"] == "SIMPLE"
    assert body["features"] == dict.fromkeys(
        ("spaces", "programs", "teams", "custom_fields", "workflows", "time_tracking"), True
    )
    assert body["enabled_features"] == ["time_tracking"]  # SIMPLE mode keeps time tracking only
    code = body["invite_code"]
    assert len(code) == 6
    assert set(code) <= set(INVITE_CODE_ALPHABET)

    second = await ada.client.post(WORKSPACES, json={"name": "Another"})
    assert second.status_code == 409
    assert second.json()["code"] == "personal_workspace_exists"


async def test_an_account_that_has_not_chosen_counts_as_personal(people: MakePerson) -> None:
    newcomer = await people("Nia")
    await create_workspace(newcomer)
    assert (await newcomer.client.post(WORKSPACES, json={"name": "Two"})).json()["code"] == "personal_workspace_exists"


async def test_an_organization_account_has_no_limit(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    first = await create_workspace(olga, "One")
    second = await create_workspace(olga, "Two")
    assert first["id"] != second["id"]
    assert first["invite_code"] != second["invite_code"]


async def test_creation_refuses_bad_input_naming_the_field(
    people: MakePerson, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    for body, field in (
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({}, "name"),
        ({"name": "Fine", "organization_id": "not-an-id"}, "organization_id"),
        ({"name": "Fine", "colour": "red"}, "colour"),
    ):
        refused = await ada.client.post(WORKSPACES, json=body)
        assert refused.status_code == 422, body
        assert refused.json()["errors"][0]["field"] == field
    anonymous = await second_client.post(WORKSPACES, json={"name": "Mine"})
    assert anonymous.status_code == 401


async def test_an_org_workspace_needs_org_workspace_create(people: MakePerson, infra: Infrastructure) -> None:
    owner = await people("Olga", account_type="ORG")
    member = await people("Mel")
    stranger = await people("Sam", account_type="ORG")
    organization_id = await create_org(owner)
    await add_to_org(owner, organization_id, member)

    created = await create_workspace(owner, "Engineering", organization_id=organization_id)
    assert created["kind"] == "ORGANIZATION"
    assert created["organization_id"] == organization_id
    assert created["organization_name"] == "Acme"
    assert created["role"] == "OWNER"
    assert created["invite_code"] is None  # organizations add members, not join links

    refused = await member.client.post(WORKSPACES, json={"name": "Mine", "organization_id": organization_id})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert refused.json()["permission"] == "org.workspace.create"
    hidden = await stranger.client.post(WORKSPACES, json={"name": "Mine", "organization_id": organization_id})
    assert hidden.status_code == 404
    unknown = await owner.client.post(WORKSPACES, json={"name": "Mine", "organization_id": str(uuid.uuid4())})
    assert unknown.status_code == 404

    await grant_org_keys(owner, organization_id, member, "org.workspace.create")
    made = await create_workspace(member, "Marketing", organization_id=organization_id)
    assert made["role"] == "OWNER"

    async with infra.db.unit_of_work(read_only=True) as db:
        audit = list(
            await db.scalars(
                select(OrgAuditEntry)
                .where(OrgAuditEntry.action == "workspace_created")
                .order_by(OrgAuditEntry.created_at)
            )
        )
    assert [(entry.target_name, str(entry.actor_id)) for entry in audit] == [
        ("Engineering", owner.id),
        ("Marketing", member.id),
    ]


async def test_lists_show_what_each_person_may_see(people: MakePerson) -> None:
    owner = await people("Olga", account_type="ORG")
    admin = await people("Abe")
    moderator = await people("Mo")
    member = await people("Mel")
    assigner = await people("Ari")
    outsider = await people("Sam")
    organization_id = await create_org(owner)
    for person, role in ((admin, "ADMIN"), (moderator, "MODERATOR"), (member, "MEMBER"), (assigner, "MEMBER")):
        await add_to_org(owner, organization_id, person, role)
    await grant_org_keys(owner, organization_id, assigner, "org.workspace.assign")
    engineering = await create_workspace(owner, "Engineering", organization_id=organization_id)
    sales = await create_workspace(owner, "Sales", organization_id=organization_id)
    await add_member(owner, sales, member, "WS_VIEWER")
    personal = await create_workspace(outsider, "Sam's")

    async def listed(person: Any) -> dict[str, str | None]:
        answer = await person.client.get(WORKSPACES)
        assert answer.status_code == 200
        return {item["name"]: item["role"] for item in answer.json()["items"]}

    assert await listed(owner) == {"Engineering": "OWNER", "Sales": "OWNER"}
    assert await listed(admin) == {"Engineering": "WS_ADMIN", "Sales": "WS_ADMIN"}
    assert await listed(moderator) == {"Engineering": "WS_VIEWER", "Sales": "WS_VIEWER"}
    assert await listed(member) == {"Sales": "WS_VIEWER"}
    assert await listed(assigner) == {"Engineering": None, "Sales": None}  # may see them and add org members
    assert await listed(outsider) == {"Sam's": "OWNER"}

    assigner_view = (await assigner.client.get(f"{WORKSPACES}/{engineering['id']}")).json()
    assert assigner_view["permissions"] == ["workspace.members.add_from_org", "workspace.view"]
    for person, workspace in ((member, engineering), (outsider, sales), (owner, personal)):
        hidden = await person.client.get(f"{WORKSPACES}/{workspace['id']}")
        assert hidden.status_code == 404
        assert hidden.json()["code"] == "workspace_not_found"


async def test_lists_are_paginated(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    names = [f"W{number}" for number in range(5)]
    for name in names:
        await create_workspace(olga, name)
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        answer = await olga.client.get(WORKSPACES, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200
        page = answer.json()
        seen.extend(item["name"] for item in page["items"])
        cursor = page["next_cursor"]
    assert seen == names
    assert cursor is None
    for params, field in (({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"cursor": "nope"}, "cursor")):
        refused = await olga.client.get(WORKSPACES, params=params)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field


async def test_listing_runs_the_same_statements_for_two_or_six_workspaces(
    people: MakePerson, count_sql: Callable[[], Any]
) -> None:
    owner = await people("Olga", account_type="ORG")
    organization_id = await create_org(owner)
    reader = await people("Rae")
    await add_to_org(owner, organization_id, reader, "MODERATOR")

    async def statements() -> int:
        await reader.client.get(WORKSPACES)  # the actor is cached from here on
        with count_sql() as counter:
            answer = await reader.client.get(WORKSPACES)
        assert answer.status_code == 200
        count: int = counter.count
        return count

    for number in range(2):
        await create_workspace(owner, f"Team {number}", organization_id=organization_id)
    with_two = await statements()
    for number in range(2, 6):
        await create_workspace(owner, f"Team {number}", organization_id=organization_id)
    with_six = await statements()
    assert len((await reader.client.get(WORKSPACES)).json()["items"]) == 6
    assert with_two == with_six
    assert with_six <= 3


async def test_settings_change_with_the_permission_only(people: MakePerson) -> None:
    ada = await people("Ada")
    viewer = await people("Vic")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, viewer, "WS_VIEWER")
    url = f"{WORKSPACES}/{workspace['id']}"

    refused = await viewer.client.patch(url, json={"name": "Mine now"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert refused.json()["permission"] == "workspace.settings.manage"

    changed = await ada.client.patch(
        url, json={"name": "Renamed", "ui_mode": "ADVANCED", "features": {"programs": False, "workflows": False}}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Renamed"
    assert body["ui_mode"] == "ADVANCED"
    assert body["features"]["programs"] is False
    assert body["features"]["spaces"] is True
    assert body["enabled_features"] == ["spaces", "teams", "custom_fields", "time_tracking"]
    seen = (await viewer.client.get(url)).json()
    assert seen["name"] == "Renamed"
    assert seen["invite_code"] is None  # only those who manage members see the code
    assert seen["role"] == "WS_VIEWER"

    for body_in, field in (
        ({"ui_mode": "FANCY"}, "ui_mode"),
        ({"features": {"chat": True}}, "features.chat"),
        ({"features": {"spaces": "maybe"}}, "features.spaces"),
        ({"name": ""}, "name"),
    ):
        refused = await ada.client.patch(url, json=body_in)
        assert refused.status_code == 422, body_in
        assert refused.json()["errors"][0]["field"] == field


async def test_deleting_a_workspace_hides_it_from_everyone_at_once(people: MakePerson, infra: Infrastructure) -> None:
    ada = await people("Ada")
    editor = await people("Eve")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, editor)
    url = f"{WORKSPACES}/{workspace['id']}"
    assert (await editor.client.get(url)).status_code == 200

    refused = await editor.client.delete(url)
    assert refused.status_code == 403
    assert refused.json()["permission"] == "workspace.delete"
    deleted = await ada.client.delete(url)
    assert deleted.status_code == 204

    for person in (ada, editor):
        assert (await person.client.get(url)).status_code == 404
        assert (await person.client.get(WORKSPACES)).json()["items"] == []
    assert (await editor.client.get(f"{WORKSPACES}/join/{workspace['invite_code']}")).status_code == 404
    async with infra.db.unit_of_work(read_only=True) as db:
        row = await db.get(Workspace, uuid.UUID(workspace["id"]))
    assert row is not None
    assert row.deleted_at is not None  # a soft delete
    # the personal workspace is gone, so another may be created
    assert (await ada.client.post(WORKSPACES, json={"name": "Fresh start"})).status_code == 201


async def test_deleting_an_org_workspace_is_audited(people: MakePerson, infra: Infrastructure) -> None:
    owner = await people("Olga", account_type="ORG")
    organization_id = await create_org(owner)
    workspace = await create_workspace(owner, "Engineering", organization_id=organization_id)
    assert (await owner.client.delete(f"{WORKSPACES}/{workspace['id']}")).status_code == 204
    async with infra.db.unit_of_work(read_only=True) as db:
        entry = await db.scalar(select(OrgAuditEntry).where(OrgAuditEntry.action == "workspace_deleted"))
    assert entry is not None
    assert entry.target_name == "Engineering"
    assert str(entry.workspace_id) == workspace["id"]
