"""Spaces over the API: keys, visibility (a private space does not exist for outsiders), editing,
archiving, ordering, members, deletion, and lists that cost the same SQL however long they are."""

from __future__ import annotations

from typing import Any

import pytest

from fairlx.spaces.service import strictly_increasing
from fairlx.workspaces.models import WorkspaceRole
from tests.spaces.people import Crew, Person

Json = dict[str, Any]


async def create_space(crew: Crew, who: Person | None = None, **fields: Any) -> Json:
    body = {"name": "Platform", "key": "PLAT"} | fields
    answer = await (who or crew.owner).post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", body)
    assert answer.status_code == 201, answer.text
    created: Json = answer.json()
    return created


async def listed(person: Person, crew: Crew, query: str = "") -> list[str]:
    answer = await person.get(f"/api/v1/workspaces/{crew.workspace_id}/spaces{query}")
    assert answer.status_code == 200, answer.text
    return [item["key"] for item in answer.json()["items"]]


def problem(answer: Any, status: int, code: str, field: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code, body
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body


async def test_an_editor_creates_a_space_and_becomes_its_admin(crew: Crew) -> None:
    space = await create_space(
        crew, crew.editor, name="  Platform  ", key="PLAT", description="Core", color="#3366ff", icon="layers"
    )

    assert space["name"] == "Platform"
    assert space["key"] == "PLAT"
    assert space["visibility"] == "PUBLIC"
    assert space["color"] == "#3366ff"
    assert space["archived_at"] is None
    members = (await crew.editor.get(f"/api/v1/spaces/{space['id']}/members")).json()["items"]
    assert [(member["email"], member["role"]) for member in members] == [(crew.editor.email, "ADMIN")]
    edited = await crew.editor.patch(f"/api/v1/spaces/{space['id']}", {"description": "Core services"})
    assert edited.status_code == 200
    assert edited.json()["description"] == "Core services"


@pytest.mark.parametrize("key", ["P", "1AB", "PLATFORMXYZ", "PL-AT", "plat", "PL AT", ""])
async def test_a_key_must_be_2_to_10_capitals_or_digits_starting_with_a_letter(crew: Crew, key: str) -> None:
    answer = await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "X", "key": key})

    problem(answer, 422, "validation_failed", "key")
    assert await listed(crew.owner, crew) == []


async def test_a_key_is_unique_in_its_workspace_only(crew: Crew) -> None:
    await create_space(crew, key="WEB")
    await create_space(crew, key="AB2")

    taken = await crew.owner.post(f"/api/v1/workspaces/{crew.workspace_id}/spaces", {"name": "Again", "key": "WEB"})
    problem(taken, 409, "space_key_taken", "key")
    next_door = await crew.outsider.post(
        f"/api/v1/workspaces/{crew.other_workspace_id}/spaces", {"name": "Web", "key": "WEB"}
    )
    assert next_door.status_code == 201
    other = await create_space(crew, key="APP")
    renamed = await crew.owner.patch(f"/api/v1/spaces/{other['id']}", {"key": "WEB"})
    problem(renamed, 409, "space_key_taken", "key")
    assert sorted(await listed(crew.owner, crew)) == ["AB2", "APP", "WEB"]


async def test_who_may_create_a_space(crew: Crew) -> None:
    url = f"/api/v1/workspaces/{crew.workspace_id}/spaces"
    body = {"name": "Platform", "key": "PLAT"}

    problem(await crew.viewer.post(url, body), 403, "permission_denied")
    problem(await crew.outsider.post(url, body), 404, "workspace_not_found")
    assert (await crew.anonymous.post(url, json=body)).status_code == 401
    problem(await crew.owner.post(url, {"key": "PLAT"}), 422, "validation_failed", "name")
    problem(await crew.owner.post(url, body | {"visibility": "SECRET"}), 422, "validation_failed", "visibility")
    problem(await crew.owner.post(url, body | {"color": "blue"}), 422, "validation_failed", "color")
    assert await listed(crew.owner, crew) == []


async def test_a_private_space_does_not_exist_for_a_workspace_editor_outside_it(crew: Crew) -> None:
    secret = await create_space(crew, crew.owner, name="Secret", key="SEC", visibility="PRIVATE")
    await create_space(crew, crew.owner, name="Open", key="OPEN")
    url = f"/api/v1/spaces/{secret['id']}"

    problem(await crew.editor.get(url), 404, "space_not_found")
    problem(await crew.editor.patch(url, {"name": "Mine"}), 404, "space_not_found")
    problem(await crew.editor.get(f"{url}/members"), 404, "space_not_found")
    assert await listed(crew.editor, crew) == ["OPEN"]
    assert await listed(crew.viewer, crew) == ["OPEN"]
    problem(await crew.outsider.get(url), 404, "space_not_found")
    assert (await crew.anonymous.get(url)).status_code == 401
    # a workspace admin sees it and may run it
    assert (await crew.admin.get(url)).status_code == 200
    assert await listed(crew.admin, crew) == ["SEC", "OPEN"]
    assert (await crew.admin.patch(url, {"name": "Secret plans"})).status_code == 200

    added = await crew.owner.post(f"{url}/members", {"user_id": crew.editor.id, "role": "VIEWER"})
    assert added.status_code == 201
    assert (await crew.editor.get(url)).json()["name"] == "Secret plans"
    assert await listed(crew.editor, crew) == ["SEC", "OPEN"]
    problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")

    assert (await crew.owner.delete(f"{url}/members/{crew.editor.id}")).status_code == 204
    problem(await crew.editor.get(url), 404, "space_not_found")
    assert await listed(crew.editor, crew) == ["OPEN"]


async def test_a_public_space_lends_viewing_to_a_workspace_viewer(crew: Crew) -> None:
    space = await create_space(crew, crew.owner)
    url = f"/api/v1/spaces/{space['id']}"

    seen = await crew.viewer.get(url)
    assert seen.status_code == 200
    assert seen.json()["key"] == "PLAT"
    assert (await crew.viewer.get(f"{url}/members")).status_code == 200
    problem(await crew.viewer.patch(url, {"name": "Mine"}), 403, "permission_denied")
    problem(await crew.viewer.post(f"{url}/archive"), 403, "permission_denied")
    problem(await crew.viewer.delete(url), 403, "permission_denied")
    problem(await crew.editor.patch(url, {"name": "Mine"}), 403, "permission_denied")

    made_private = await crew.owner.patch(url, {"visibility": "PRIVATE"})
    assert made_private.json()["visibility"] == "PRIVATE"
    problem(await crew.viewer.get(url), 404, "space_not_found")
    assert await listed(crew.viewer, crew) == []


async def test_a_partial_update_changes_only_what_it_names(crew: Crew) -> None:
    space = await create_space(crew, description="Core", color="#112233")
    url = f"/api/v1/spaces/{space['id']}"

    cleared = await crew.owner.patch(url, {"color": None, "name": "Platform team"})
    assert cleared.status_code == 200
    assert (cleared.json()["color"], cleared.json()["description"]) == (None, "Core")
    assert cleared.json()["name"] == "Platform team"
    problem(await crew.owner.patch(url, {"name": None}), 422, "validation_failed")
    problem(await crew.owner.patch(url, {"name": ""}), 422, "validation_failed", "name")
    problem(await crew.owner.patch(url, {"key": "x"}), 422, "validation_failed", "key")
    problem(await crew.owner.patch(url, {"owner": "me"}), 422, "validation_failed", "owner")
    assert (await crew.owner.get(url)).json()["name"] == "Platform team"


async def test_archived_spaces_leave_the_list_until_unarchived(crew: Crew) -> None:
    space = await create_space(crew)
    await create_space(crew, name="Other", key="OTH")
    url = f"/api/v1/spaces/{space['id']}"

    archived = await crew.owner.post(f"{url}/archive")
    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None
    assert await listed(crew.owner, crew) == ["OTH"]
    assert await listed(crew.owner, crew, "?archived=true") == ["PLAT"]
    assert (await crew.viewer.get(url)).status_code == 200  # still there, just put away

    restored = await crew.owner.post(f"{url}/unarchive")
    assert restored.json()["archived_at"] is None
    assert await listed(crew.owner, crew) == ["PLAT", "OTH"]


async def test_spaces_are_reordered_in_the_slots_they_hold(crew: Crew) -> None:
    first = await create_space(crew, key="AAA")
    second = await create_space(crew, key="BBB")
    third = await create_space(crew, key="CCC")
    secret = await create_space(crew, key="SEC", visibility="PRIVATE")
    url = f"/api/v1/workspaces/{crew.workspace_id}/spaces/reorder"

    moved = await crew.editor.post(url, {"ids": [third["id"], first["id"]]})

    assert moved.status_code == 200, moved.text
    assert [item["key"] for item in moved.json()["items"]] == ["CCC", "AAA"]
    assert await listed(crew.owner, crew) == ["CCC", "BBB", "AAA", "SEC"]
    all_moved = await crew.owner.post(url, {"ids": [secret["id"], second["id"], first["id"], third["id"]]})
    assert all_moved.status_code == 200
    assert await listed(crew.owner, crew) == ["SEC", "BBB", "AAA", "CCC"]
    problem(await crew.editor.post(url, {"ids": [secret["id"], first["id"]]}), 422, "unknown_space", "ids")
    problem(await crew.owner.post(url, {"ids": [first["id"], first["id"]]}), 422, "duplicate_ids", "ids")
    problem(await crew.owner.post(url, {"ids": []}), 422, "validation_failed", "ids")
    problem(await crew.viewer.post(url, {"ids": [first["id"]]}), 403, "permission_denied")
    other = await crew.outsider.post(f"/api/v1/workspaces/{crew.other_workspace_id}/spaces", {"name": "X", "key": "XX"})
    problem(await crew.owner.post(url, {"ids": [other.json()["id"]]}), 422, "unknown_space", "ids")
    assert await listed(crew.owner, crew) == ["SEC", "BBB", "AAA", "CCC"]


def test_equal_slots_are_split_with_fractions() -> None:
    assert strictly_increasing([1.0, 2.0, 3.0]) == [1.0, 2.0, 3.0]
    assert strictly_increasing([1.0, 1.0, 3.0]) == [1.0, 2.0, 3.0]
    assert strictly_increasing([1.0, 1.0, 1.0]) == [1.0, 2.0, 3.0]
    assert strictly_increasing([5.0, 5.0, 5.0, 6.0]) == [5.0, 5.5, 5.75, 6.0]
    spread = strictly_increasing([5.0, 5.0, 5.0, 6.0])
    assert spread == sorted(set(spread))
    assert spread[0] == 5.0
    assert spread[-1] == 6.0


async def test_space_members_come_from_the_workspace(crew: Crew) -> None:
    space = await create_space(crew, visibility="PRIVATE")
    url = f"/api/v1/spaces/{space['id']}/members"

    problem(await crew.owner.post(url, {"user_id": crew.outsider.id}), 422, "not_workspace_member", "user_id")
    added = await crew.owner.post(url, {"user_id": crew.viewer.id})
    assert added.status_code == 201
    assert (added.json()["role"], added.json()["name"]) == ("MEMBER", "Vera Viewer")
    problem(await crew.owner.post(url, {"user_id": crew.viewer.id}), 409, "already_member", "user_id")
    problem(await crew.owner.post(url, {"user_id": crew.editor.id, "role": "MASTER"}), 422, "validation_failed", "role")
    # a space member without the manage key may look but not change
    assert (await crew.viewer.get(url)).status_code == 200
    problem(await crew.viewer.post(url, {"user_id": crew.editor.id}), 403, "permission_denied")

    promoted = await crew.owner.patch(f"{url}/{crew.viewer.id}", {"role": "ADMIN"})
    assert promoted.json()["role"] == "ADMIN"
    assert (await crew.viewer.post(url, {"user_id": crew.editor.id, "role": "VIEWER"})).status_code == 201
    assert (await crew.viewer.patch(f"/api/v1/spaces/{space['id']}", {"name": "Renamed"})).status_code == 200
    problem(await crew.owner.patch(f"{url}/{crew.admin.id}", {"role": "VIEWER"}), 404, "member_not_found")
    problem(await crew.owner.delete(f"{url}/{crew.admin.id}"), 404, "member_not_found")
    roles = {item["email"]: item["role"] for item in (await crew.owner.get(url)).json()["items"]}
    assert roles == {crew.owner.email: "ADMIN", crew.viewer.email: "ADMIN", crew.editor.email: "VIEWER"}


async def test_deleting_a_space(crew: Crew) -> None:
    space = await create_space(crew)
    url = f"/api/v1/spaces/{space['id']}"

    problem(await crew.editor.delete(url), 403, "permission_denied")
    problem(await crew.outsider.delete(url), 404, "space_not_found")
    assert (await crew.owner.delete(url)).status_code == 204
    problem(await crew.owner.get(url), 404, "space_not_found")
    assert await listed(crew.owner, crew) == []


async def test_the_list_pages_with_a_cursor(crew: Crew) -> None:
    for key in ("AAA", "BBB", "CCC", "DDD", "EEE"):
        await create_space(crew, key=key)
    url = f"/api/v1/workspaces/{crew.workspace_id}/spaces"

    first = (await crew.viewer.get(url, params={"limit": 2})).json()
    second = (await crew.viewer.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    third = (await crew.viewer.get(url, params={"limit": 2, "cursor": second["next_cursor"]})).json()

    keys = [item["key"] for page in (first, second, third) for item in page["items"]]
    assert keys == ["AAA", "BBB", "CCC", "DDD", "EEE"]
    assert third["next_cursor"] is None
    problem(await crew.viewer.get(url, params={"cursor": "not-a-cursor"}), 422, "cursor_invalid", "cursor")
    problem(await crew.viewer.get(url, params={"limit": 201}), 422, "validation_failed", "limit")
    problem(await crew.viewer.get(url, params={"limit": 0}), 422, "validation_failed", "limit")


async def test_listing_costs_the_same_sql_for_3_or_8_spaces(crew: Crew, count_sql: Any) -> None:
    async def statements(person: Person) -> int:
        await person.get(f"/api/v1/workspaces/{crew.workspace_id}/spaces")  # warm the access cache
        with count_sql() as counter:
            answer = await person.get(f"/api/v1/workspaces/{crew.workspace_id}/spaces")
        assert answer.status_code == 200
        return int(counter.count)

    for number in range(3):
        await create_space(crew, key=f"S{number}", visibility="PRIVATE" if number % 2 else "PUBLIC")
    few = {person.name: await statements(person) for person in (crew.admin, crew.editor)}
    for number in range(3, 8):
        await create_space(crew, key=f"S{number}", visibility="PRIVATE" if number % 2 else "PUBLIC")
    many = {person.name: await statements(person) for person in (crew.admin, crew.editor)}

    assert few == many
    assert len(await listed(crew.admin, crew)) == 8
    assert len(await listed(crew.editor, crew)) == 4


async def test_a_workspace_member_added_later_sees_public_spaces_at_once(crew: Crew) -> None:
    await create_space(crew)
    newcomer = await crew.town.person("Nina Newcomer")
    problem(await newcomer.get(f"/api/v1/workspaces/{crew.workspace_id}/spaces"), 404, "workspace_not_found")

    await crew.town.join(crew.workspace_id, newcomer, WorkspaceRole.WS_VIEWER)

    assert await listed(newcomer, crew) == ["PLAT"]
