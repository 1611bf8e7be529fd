"""Deleting an account: confirmed, guarded, complete, and in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.apitokens.models import ApiToken
from fairlx.auth import service
from fairlx.auth.models import User, UserSession
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import Account, sign_in

DELETE = "/api/v1/auth/account"


async def delete_account(client: httpx.AsyncClient, **body: str | None) -> httpx.Response:
    return await client.request("DELETE", DELETE, json=body)


async def test_deleting_needs_the_address_typed_and_the_password(api: httpx.AsyncClient, account: Account) -> None:
    mistyped = await delete_account(api, confirm_email="someone@example.com", password=account.password)
    wrong = await delete_account(api, confirm_email=account.email, password="not it")
    missing = await delete_account(api, password=account.password)
    assert mistyped.status_code == wrong.status_code == missing.status_code == 422
    assert mistyped.json()["errors"][0]["field"] == "confirm_email"
    assert wrong.json()["errors"][0]["field"] == "password"
    assert (await api.get("/api/v1/auth/me")).status_code == 200


async def test_a_deleted_account_is_erased_and_cannot_sign_in(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    settings: Settings,
    infra: Infrastructure,
    account: Account,
) -> None:
    token = (await api.post("/api/v1/me/tokens", json={"name": "script"})).json()["token"]
    await sign_in(second_client, settings, account)

    answer = await delete_account(api, confirm_email=account.email.upper(), password=account.password)
    assert answer.status_code == 204
    assert (await api.get("/api/v1/auth/me")).status_code == 401
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401
    bearer = await second_client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401
    assert (await sign_in(second_client, settings, account)).status_code == 401

    async with infra.db.unit_of_work(read_only=True) as db:
        user = await db.get(User, uuid.UUID(account.user_id))
        assert user is not None
        assert user.email != account.email
        assert user.email.endswith("@deleted.invalid")
        assert user.name == "Deleted user"
        assert user.password_hash is None
        assert user.deleted_at is not None
        for model in (UserSession, ApiToken):
            count = await db.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))
            assert count == 0


async def test_the_address_can_sign_up_again_after_deletion(api: httpx.AsyncClient, account: Account) -> None:
    await delete_account(api, confirm_email=account.email, password=account.password)
    again = await api.post(
        "/api/v1/auth/register",
        json={"name": "Ada", "email": account.email, "password": "another fine passphrase", "accept_terms": True},
    )
    assert again.status_code == 202


@pytest.fixture
def last_owner_guard() -> Iterator[None]:
    async def refuse(db: AsyncSession, user_id: uuid.UUID) -> str | None:
        del db, user_id
        return "You are the last owner of the organization Acme; transfer ownership or delete it first."

    service.DELETION_GUARDS.append(refuse)
    yield
    service.DELETION_GUARDS.remove(refuse)


@pytest.mark.usefixtures("last_owner_guard")
async def test_a_last_owner_cannot_delete_the_account(api: httpx.AsyncClient, account: Account) -> None:
    answer = await delete_account(api, confirm_email=account.email, password=account.password)
    assert answer.status_code == 409
    assert answer.json()["code"] == "last_owner"
    assert "Acme" in answer.json()["detail"]
    assert (await api.get("/api/v1/auth/me")).status_code == 200
