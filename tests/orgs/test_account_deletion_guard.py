"""Deleting an account is refused while it is the last active owner of a live organization."""

from __future__ import annotations

from typing import Any

import httpx

from tests.orgs.conftest import ORGS, MakePerson, add_member
from tests.support.accounts import Account

DELETE_ACCOUNT = "/api/v1/auth/account"


async def delete_account(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.request(
        "DELETE", DELETE_ACCOUNT, json={"confirm_email": account.email, "password": account.password}
    )


async def test_the_last_owner_cannot_delete_their_account_until_someone_else_owns_it(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace, "ADMIN")

    refused = await delete_account(api, account)

    assert refused.status_code == 409
    assert refused.json()["code"] == "last_owner"
    assert "Acme" in refused.json()["detail"]
    assert (await api.get("/api/v1/auth/me")).status_code == 200

    assert (await api.patch(f"{ORGS}/{org['id']}/members/{grace.id}", json={"role": "OWNER"})).status_code == 200
    assert (await delete_account(api, account)).status_code == 204
    members = (await grace.client.get(f"{ORGS}/{org['id']}/members")).json()["items"]
    assert [member["email"] for member in members] == [grace.email]


async def test_every_solely_owned_organization_is_named(api: httpx.AsyncClient, account: Account) -> None:
    for name in ("Zeta", "Alpha"):
        assert (await api.post(ORGS, json={"name": name})).status_code == 201

    refused = await delete_account(api, account)

    assert refused.status_code == 409
    assert "Alpha, Zeta" in refused.json()["detail"]


async def test_a_deleted_organization_does_not_hold_its_owner_back(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any]
) -> None:
    assert (await api.delete(f"{ORGS}/{org['id']}")).status_code == 204

    assert (await delete_account(api, account)).status_code == 204


async def test_a_deleted_co_owner_no_longer_counts_as_an_owner(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace, "OWNER")
    assert (await delete_account(grace.client, grace.account)).status_code == 204

    refused = await delete_account(api, account)
    step_down = await api.patch(f"{ORGS}/{org['id']}/members/{account.user_id}", json={"role": "ADMIN"})

    assert refused.status_code == step_down.status_code == 409
    assert refused.json()["code"] == step_down.json()["code"] == "last_owner"
    members = (await api.get(f"{ORGS}/{org['id']}/members")).json()["items"]
    assert [member["email"] for member in members] == [account.email]
