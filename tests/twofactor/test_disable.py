"""Turning second factors off: the password it needs, what goes with the last method, and the audit trail."""

from __future__ import annotations

import httpx

from fairlx.auth.models import AuthEventKind
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain
from tests.twofactor.flows import (
    BASE,
    LOGIN,
    event_kinds,
    set_up_email,
    set_up_totp,
    start_sign_in,
    stored_settings,
    verify,
)


async def test_turning_off_needs_the_correct_password(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, infra: Infrastructure
) -> None:
    await set_up_totp(api)
    for body in ({"password": "not the password"}, {}, {"password": ""}):
        refused = await api.post(f"{BASE}/disable", json=body)
        assert refused.status_code == 422, body
        assert refused.json()["code"] == "wrong_password"
        assert refused.json()["errors"][0]["field"] == "password"
    assert (await api.get(BASE)).json()["methods"] == ["totp"]

    disabled = await api.post(f"{BASE}/disable", json={"password": account.password})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json() == {"methods": []}
    assert (await api.get(BASE)).json() == {
        "methods": [],
        "recovery_codes_left": 0,
        "totp_pending": False,
        "locked_until": None,
    }
    stored = await stored_settings(infra, account.user_id)
    assert stored is not None
    assert stored.totp_secret_encrypted is None
    assert stored.totp_last_step is None

    login = await second_client.post(LOGIN, json={"email": account.email, "password": account.password})
    assert login.json()["state"] == "SIGNED_IN"
    kinds = await event_kinds(infra, account.user_id)
    assert kinds.count(AuthEventKind.TWO_FACTOR_DISABLED) == 1


async def test_turning_off_one_method_keeps_the_other_and_the_recovery_codes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
) -> None:
    await set_up_totp(api)
    await set_up_email(api, settings, drain, account)
    disabled = await api.post(f"{BASE}/disable", json={"password": account.password, "method": "email"})
    assert disabled.status_code == 200
    assert disabled.json() == {"methods": ["totp"]}
    assert (await api.get(BASE)).json()["recovery_codes_left"] == 10
    login = await second_client.post(LOGIN, json={"email": account.email, "password": account.password})
    assert login.json()["methods"] == ["totp"]

    again = await api.post(f"{BASE}/disable", json={"password": account.password, "method": "email"})
    assert again.status_code == 422
    assert again.json()["code"] == "method_not_enabled"
    unknown = await api.post(f"{BASE}/disable", json={"password": account.password, "method": "sms"})
    assert unknown.status_code == 422


async def test_turning_off_everything_at_once(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain, infra: Infrastructure
) -> None:
    await set_up_totp(api)
    await set_up_email(api, settings, drain, account)
    disabled = await api.post(f"{BASE}/disable", json={"password": account.password})
    assert disabled.json() == {"methods": []}
    assert (await api.get(BASE)).json()["recovery_codes_left"] == 0
    assert (await event_kinds(infra, account.user_id)).count(AuthEventKind.TWO_FACTOR_DISABLED) == 2


async def test_nothing_to_turn_off(api: httpx.AsyncClient, account: Account) -> None:
    answer = await api.post(f"{BASE}/disable", json={"password": account.password})
    assert answer.status_code == 409
    assert answer.json()["code"] == "two_factor_not_enabled"


async def test_turning_off_needs_a_signed_in_user(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.post(f"{BASE}/disable", json={"password": "whatever"})
    assert answer.status_code == 401


async def test_the_audit_trail_records_the_second_factor_events(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    infra: Infrastructure,
) -> None:
    _, codes = await set_up_totp(api)
    assert (
        await verify(second_client, await start_sign_in(second_client, account), codes[0], "recovery")
    ).status_code == 200
    await api.post(f"{BASE}/recovery-codes", json={"password": account.password})
    await api.post(f"{BASE}/disable", json={"password": account.password})
    kinds = await event_kinds(infra, account.user_id)
    two_factor = [kind for kind in kinds if kind not in {AuthEventKind.REGISTERED, AuthEventKind.EMAIL_VERIFIED}]
    assert two_factor == [
        AuthEventKind.LOGIN,  # the sign-up's own
        AuthEventKind.TWO_FACTOR_ENABLED,
        AuthEventKind.RECOVERY_CODE_USED,
        AuthEventKind.LOGIN,
        AuthEventKind.RECOVERY_CODES_REGENERATED,
        AuthEventKind.TWO_FACTOR_DISABLED,
    ]
