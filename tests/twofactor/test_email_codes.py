"""Codes by email: turning them on, signing in with one, and their 5-minute, 5-guess limits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import select

from fairlx.auth.models import AuthEventKind
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from fairlx.twofactor.models import EmailCode, EmailCodePurpose
from tests.support.accounts import Account, Drain, latest_mail, mails_to
from tests.twofactor.flows import (
    BASE,
    RECOVERY_CODE,
    TIGHT_TWO_FACTOR,
    event_kinds,
    mailed_code,
    set_up_email,
    start_sign_in,
    verify,
)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_turning_on_email_codes_takes_the_mailed_code(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain, infra: Infrastructure
) -> None:
    mailed = await api.post(f"{BASE}/email/setup")
    assert mailed.status_code == 202
    mail = await latest_mail(settings, drain, account.email)
    code = await mailed_code(settings, drain, account.email)
    assert str(mail["Subject"]) == f"{code} is your Fairlx confirmation code"
    assert mail.get_body(preferencelist=("html",)) is not None

    wrong = await api.post(f"{BASE}/email/enable", json={"code": other_code(code)})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "code_invalid"
    assert (await api.get(BASE)).json()["methods"] == []

    enabled = await api.post(f"{BASE}/email/enable", json={"code": code})
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["methods"] == ["email"]
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == 10
    assert all(RECOVERY_CODE.match(recovery) for recovery in codes)
    assert AuthEventKind.TWO_FACTOR_ENABLED in await event_kinds(infra, account.user_id)

    again = await api.post(f"{BASE}/email/setup")
    assert again.status_code == 409
    assert again.json()["code"] == "email_enabled"


async def test_codes_are_stored_as_digests(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain, infra: Infrastructure
) -> None:
    await api.post(f"{BASE}/email/setup")
    code = await mailed_code(settings, drain, account.email)
    async with infra.db.unit_of_work(read_only=True) as db:
        row = await db.scalar(select(EmailCode).where(EmailCode.user_id == uuid.UUID(account.user_id)))
    assert row is not None
    assert row.purpose == EmailCodePurpose.ENABLE
    assert code not in row.code_digest
    assert len(row.code_digest) == 64


async def test_signing_in_with_a_mailed_code(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
    *,
    infra: Infrastructure,
) -> None:
    await set_up_email(api, settings, drain, account)
    login = await second_client.post("/api/v1/auth/login", json={"email": account.email, "password": account.password})
    assert login.json()["state"] == "REQUIRE_2FA"
    assert login.json()["methods"] == ["email"]
    challenge = login.json()["challenge_token"]

    sent = await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    assert sent.status_code == 202
    assert "a***@example.com" in sent.json()["detail"]
    mail = await latest_mail(settings, drain, account.email)
    code = await mailed_code(settings, drain, account.email)
    assert str(mail["Subject"]) == f"{code} is your Fairlx sign-in code"

    wrong = await verify(second_client, challenge, other_code(code), method="email")
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "code_invalid"
    signed_in = await verify(second_client, challenge, code, method="email")
    assert signed_in.status_code == 200, signed_in.text
    assert (await second_client.get("/api/v1/auth/me")).json()["user"]["email"] == account.email
    assert AuthEventKind.LOGIN in await event_kinds(infra, account.user_id)


async def test_a_new_code_replaces_the_earlier_one(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
) -> None:
    await set_up_email(api, settings, drain, account)
    challenge = await start_sign_in(second_client, account)
    await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    first = await mailed_code(settings, drain, account.email)
    await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    second = await mailed_code(settings, drain, account.email)
    if first != second:
        replaced = await verify(second_client, challenge, first, method="email")
        assert replaced.status_code == 422
    assert (await verify(second_client, challenge, second, method="email")).status_code == 200


async def test_a_mailed_code_expires_after_five_minutes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
    *,
    clock: time_machine.Traveller,
) -> None:
    await set_up_email(api, settings, drain, account)
    challenge = await start_sign_in(second_client, account)
    await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    code = await mailed_code(settings, drain, account.email)
    clock.shift(timedelta(minutes=5, seconds=1))
    expired = await verify(second_client, challenge, code, method="email")
    assert expired.status_code == 422
    assert expired.json()["code"] == "code_expired"
    assert expired.json()["errors"][0]["field"] == "code"

    challenge = await start_sign_in(second_client, account)  # a new sign-in: the first one is 5 minutes old
    await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    fresh = await mailed_code(settings, drain, account.email)
    clock.shift(timedelta(minutes=4, seconds=59))
    assert (await verify(second_client, challenge, fresh, method="email")).status_code == 200


async def test_a_setup_code_survives_five_wrong_guesses_only(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain, infra: Infrastructure
) -> None:
    await api.post(f"{BASE}/email/setup")
    code = await mailed_code(settings, drain, account.email)
    for _ in range(5):
        wrong = await api.post(f"{BASE}/email/enable", json={"code": other_code(code)})
        assert wrong.status_code == 422
        assert wrong.json()["code"] == "code_invalid"
    burnt = await api.post(f"{BASE}/email/enable", json={"code": code})
    assert burnt.status_code == 422
    assert burnt.json()["code"] == "code_expired"
    assert (await api.get(BASE)).json()["methods"] == []
    async with infra.db.unit_of_work(read_only=True) as db:
        row = await db.scalar(select(EmailCode).where(EmailCode.user_id == uuid.UUID(account.user_id)))
    assert row is not None
    assert row.attempts == 5
    assert row.used_at is not None

    await api.post(f"{BASE}/email/setup")
    assert (
        await api.post(f"{BASE}/email/enable", json={"code": await mailed_code(settings, drain, account.email)})
    ).status_code == 200


async def test_a_setup_code_expires_after_five_minutes(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain, clock: time_machine.Traveller
) -> None:
    await api.post(f"{BASE}/email/setup")
    code = await mailed_code(settings, drain, account.email)
    clock.shift(timedelta(minutes=5, seconds=1))
    expired = await api.post(f"{BASE}/email/enable", json={"code": code})
    assert expired.status_code == 422
    assert expired.json()["code"] == "code_expired"


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": TIGHT_TWO_FACTOR}])
async def test_sending_codes_is_limited_per_account(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
) -> None:
    await set_up_email(api, settings, drain, account)
    challenge = await start_sign_in(second_client, account)
    answers = [
        (await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})).status_code
        for _ in range(4)
    ]
    assert answers == [202, 202, 202, 429]  # the setup mail spent one of the account's 4 a minute
    await drain()
    assert len(mails_to(settings, account.email)) == 5  # verification, setup, and 3 sign-in codes


async def test_a_code_cannot_be_sent_for_an_unknown_challenge(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.post(f"{BASE}/email/send", json={"challenge_token": "made-up"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "token_invalid"
