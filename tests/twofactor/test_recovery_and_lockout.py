"""Recovery codes, the lock after five wrong codes, and the per-account budget."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import select

from fairlx.auth.models import AuthEventKind, OneTimeToken, TokenPurpose
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain
from tests.twofactor.flows import (
    BASE,
    STEP,
    TIGHT_TWO_FACTOR,
    code_at,
    event_kinds,
    mailed_code,
    set_up_email,
    set_up_totp,
    start_sign_in,
    stored_settings,
    verify,
    wrong_code,
)


async def test_a_recovery_code_signs_in_once(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, infra: Infrastructure
) -> None:
    _, codes = await set_up_totp(api)
    signed_in = await verify(second_client, await start_sign_in(second_client, account), codes[0], method="recovery")
    assert signed_in.status_code == 200, signed_in.text
    assert (await second_client.get("/api/v1/auth/me")).status_code == 200
    assert (await api.get(BASE)).json()["recovery_codes_left"] == 9
    assert AuthEventKind.RECOVERY_CODE_USED in await event_kinds(infra, account.user_id)

    again = await verify(second_client, await start_sign_in(second_client, account), codes[0], method="recovery")
    assert again.status_code == 422
    assert again.json()["code"] == "code_invalid"


async def test_recovery_codes_are_read_back_forgivingly(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    _, codes = await set_up_totp(api)
    typed = f"  {codes[1].replace('-', '').lower()} "
    assert (
        await verify(second_client, await start_sign_in(second_client, account), typed, "recovery")
    ).status_code == 200


async def test_regenerating_needs_the_password_and_retires_the_old_codes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    infra: Infrastructure,
) -> None:
    _, old = await set_up_totp(api)
    wrong = await api.post(f"{BASE}/recovery-codes", json={"password": "not the password"})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wrong_password"
    assert wrong.json()["errors"][0]["field"] == "password"
    missing = await api.post(f"{BASE}/recovery-codes", json={})
    assert missing.status_code == 422
    assert missing.json()["code"] == "wrong_password"

    regenerated = await api.post(f"{BASE}/recovery-codes", json={"password": account.password})
    assert regenerated.status_code == 200, regenerated.text
    new = regenerated.json()["recovery_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert AuthEventKind.RECOVERY_CODES_REGENERATED in await event_kinds(infra, account.user_id)

    stale = await verify(second_client, await start_sign_in(second_client, account), old[0], method="recovery")
    assert stale.status_code == 422
    fresh = await verify(second_client, await start_sign_in(second_client, account), new[0], method="recovery")
    assert fresh.status_code == 200


async def test_regenerating_needs_a_second_factor(api: httpx.AsyncClient, account: Account) -> None:
    answer = await api.post(f"{BASE}/recovery-codes", json={"password": account.password})
    assert answer.status_code == 409
    assert answer.json()["code"] == "two_factor_not_enabled"


async def test_recovery_codes_are_kept_when_a_second_method_is_turned_on(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain
) -> None:
    _, codes = await set_up_totp(api)
    assert await set_up_email(api, settings, drain, account) is None
    assert (await api.get(BASE)).json() == {
        "methods": ["totp", "email"],
        "recovery_codes_left": len(codes),
        "totp_pending": False,
        "locked_until": None,
    }


async def test_five_wrong_codes_lock_the_second_factor_for_fifteen_minutes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    infra: Infrastructure,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    clock.shift(STEP)
    challenge = await start_sign_in(second_client, account)
    for _ in range(4):
        refused = await verify(second_client, challenge, wrong_code(secret))
        assert refused.status_code == 422
        assert refused.json()["code"] == "code_invalid"
    locked = await verify(second_client, challenge, wrong_code(secret))
    assert locked.status_code == 429
    assert locked.json()["code"] == "two_factor_locked"
    assert locked.headers["retry-after"] == "900"

    burnt = await verify(second_client, challenge, code_at(secret))
    assert burnt.status_code == 422
    assert burnt.json()["code"] == "token_used"
    async with infra.db.unit_of_work(read_only=True) as db:
        row = await db.scalar(
            select(OneTimeToken).where(
                OneTimeToken.user_id == uuid.UUID(account.user_id),
                OneTimeToken.purpose == TokenPurpose.TWO_FACTOR_CHALLENGE,
            )
        )
    assert row is not None
    assert row.failed_attempts == 5

    clock.shift(timedelta(minutes=5))
    still_locked = await verify(second_client, await start_sign_in(second_client, account), code_at(secret))
    assert still_locked.status_code == 429
    assert still_locked.json()["code"] == "two_factor_locked"
    assert still_locked.headers["retry-after"] == "600"
    assert (await api.get(BASE)).json()["locked_until"] is not None
    recovery_too = await verify(second_client, await start_sign_in(second_client, account), "AAAA-AAAA", "recovery")
    assert recovery_too.status_code == 429

    clock.shift(timedelta(minutes=10))
    unlocked = await verify(second_client, await start_sign_in(second_client, account), code_at(secret))
    assert unlocked.status_code == 200, unlocked.text

    kinds = await event_kinds(infra, account.user_id)
    assert kinds.count(AuthEventKind.TWO_FACTOR_FAILED) == 5
    assert kinds.count(AuthEventKind.TWO_FACTOR_LOCKED) == 1
    assert kinds[-1] == AuthEventKind.LOGIN


async def test_a_success_resets_the_count_of_wrong_codes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    infra: Infrastructure,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    clock.shift(STEP)
    challenge = await start_sign_in(second_client, account)
    for _ in range(4):
        assert (await verify(second_client, challenge, wrong_code(secret))).status_code == 422
    stored = await stored_settings(infra, account.user_id)
    assert stored is not None
    assert stored.failed_attempts == 4
    assert (await verify(second_client, challenge, code_at(secret))).status_code == 200
    stored = await stored_settings(infra, account.user_id)
    assert stored is not None
    assert stored.failed_attempts == 0

    clock.shift(STEP)
    challenge = await start_sign_in(second_client, account)
    for _ in range(4):
        assert (await verify(second_client, challenge, wrong_code(secret))).status_code == 422
    assert (await verify(second_client, challenge, code_at(secret))).status_code == 200


async def test_wrong_mailed_codes_count_toward_the_lock(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
) -> None:
    await set_up_email(api, settings, drain, account)
    challenge = await start_sign_in(second_client, account)
    await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    code = await mailed_code(settings, drain, account.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [(await verify(second_client, challenge, wrong, "email")).status_code for _ in range(5)]
    assert answers == [422, 422, 422, 422, 429]
    again = await second_client.post(
        f"{BASE}/email/send", json={"challenge_token": await start_sign_in(second_client, account)}
    )
    assert again.status_code == 429
    assert again.json()["code"] == "two_factor_locked"


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": TIGHT_TWO_FACTOR}])
async def test_codes_are_limited_per_account_across_addresses(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    secret, _ = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    for client in (second_client, second_client, api, api):
        assert (await verify(client, challenge, wrong_code(secret))).status_code == 422
    limited = await verify(second_client, challenge, wrong_code(secret))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0
