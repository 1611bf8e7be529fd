from __future__ import annotations

import httpx

from tests.support.accounts import Account


async def test_signed_up_account_reads_me(api: httpx.AsyncClient, account: Account) -> None:
    me = await api.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["user"]["email"] == account.email
    assert me.json()["lifecycle"] == "ONBOARDING"
