"""The authenticator app (TOTP): setting it up, signing in with it, and what it refuses."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pyotp
import time_machine

from fairlx.auth.models import AuthEventKind
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.security.encryption import SecretBox
from fairlx.settings import Settings
from fairlx.twofactor.models import TwoFactorSettings
from tests.support.accounts import Account
from tests.twofactor.flows import (
    BASE,
    RECOVERY_CODE,
    STEP,
    code_at,
    event_kinds,
    set_up_totp,
    start_sign_in,
    stored_settings,
    verify,
    wrong_code,
)


async def test_setup_offers_a_secret_an_otpauth_uri_and_a_qr_code(api: httpx.AsyncClient, account: Account) -> None:
    setup = await api.post(f"{BASE}/totp/setup")
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert re.fullmatch(r"[A-Z2-7]{32}", body["secret"])
    assert body["otpauth_uri"].startswith("otpauth://totp/Fairlx:ada%40example.com?")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=Fairlx" in body["otpauth_uri"]
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert isinstance(parsed, pyotp.TOTP)
    assert (parsed.digits, parsed.interval, parsed.digest().name) == (6, 30, "sha1")
    assert body["qr_svg"].startswith("<svg")
    assert "style" not in body["qr_svg"]
    assert "<script" not in body["qr_svg"]

    status = await api.get(BASE)
    assert status.json() == {"methods": [], "recovery_codes_left": 0, "totp_pending": True, "locked_until": None}


async def test_the_secret_is_stored_encrypted(
    api: httpx.AsyncClient, account: Account, infra: Infrastructure, settings: Settings
) -> None:
    setup = await api.post(f"{BASE}/totp/setup")
    secret = setup.json()["secret"]
    pending = await stored_settings(infra, account.user_id)
    assert pending is not None
    assert pending.totp_pending_secret_encrypted is not None
    assert secret not in pending.totp_pending_secret_encrypted
    assert SecretBox(settings.signing_key, "totp").decrypt(pending.totp_pending_secret_encrypted) == secret

    assert (await api.post(f"{BASE}/totp/enable", json={"code": code_at(secret)})).status_code == 200
    stored = await stored_settings(infra, account.user_id)
    assert stored is not None
    assert stored.totp_pending_secret_encrypted is None
    assert stored.totp_secret_encrypted is not None
    assert secret not in stored.totp_secret_encrypted
    assert SecretBox(settings.signing_key, "totp").decrypt(stored.totp_secret_encrypted) == secret
    assert stored.totp_enabled_at is not None


async def test_a_wrong_code_does_not_turn_it_on(api: httpx.AsyncClient, account: Account) -> None:
    secret = (await api.post(f"{BASE}/totp/setup")).json()["secret"]
    for code in (wrong_code(secret), "12345", "abcdef"):
        refused = await api.post(f"{BASE}/totp/enable", json={"code": code})
        assert refused.status_code == 422
        assert refused.json()["code"] == "code_invalid"
        assert refused.json()["errors"][0]["field"] == "code"
    empty = await api.post(f"{BASE}/totp/enable", json={"code": ""})
    assert empty.status_code == 422
    assert (await api.get(BASE)).json()["methods"] == []
    assert (await api.get("/api/v1/auth/me")).json()["two_factor_methods"] == []


async def test_enabling_needs_a_setup_first_and_happens_once(api: httpx.AsyncClient, account: Account) -> None:
    missing = await api.post(f"{BASE}/totp/enable", json={"code": "123456"})
    assert missing.status_code == 409
    assert missing.json()["code"] == "totp_setup_missing"
    await set_up_totp(api)
    again = await api.post(f"{BASE}/totp/setup")
    assert again.status_code == 409
    assert again.json()["code"] == "totp_enabled"


async def test_setup_needs_a_signed_in_user(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.post(f"{BASE}/totp/setup")
    assert answer.status_code == 401
    assert (await second_client.get(BASE)).status_code == 401


async def test_enabling_returns_ten_recovery_codes_once(
    api: httpx.AsyncClient, account: Account, infra: Infrastructure
) -> None:
    _, codes = await set_up_totp(api)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(RECOVERY_CODE.match(code) for code in codes)
    status = (await api.get(BASE)).json()
    assert status["methods"] == ["totp"]
    assert status["recovery_codes_left"] == 10
    assert status["totp_pending"] is False
    assert (await api.get("/api/v1/auth/me")).json()["two_factor_methods"] == ["totp"]
    assert AuthEventKind.TWO_FACTOR_ENABLED in await event_kinds(infra, account.user_id)


async def test_signing_in_asks_for_the_code_and_the_app_code_completes_it(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    infra: Infrastructure,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    assert second_client.cookies.get("fairlx-session") is None
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401

    used_to_enable = await verify(second_client, challenge, code_at(secret))
    assert used_to_enable.status_code == 422, "the step that confirmed the setup is used up"
    assert used_to_enable.json()["code"] == "code_invalid"

    clock.shift(STEP)
    signed_in = await verify(second_client, challenge, code_at(secret))
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["state"] == "SIGNED_IN"
    assert signed_in.json()["user"]["email"] == account.email
    me = await second_client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["id"] == account.user_id

    kinds = await event_kinds(infra, account.user_id)
    assert kinds[-1] == AuthEventKind.LOGIN
    assert AuthEventKind.TWO_FACTOR_FAILED in kinds


async def test_a_code_is_never_accepted_twice(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    clock.shift(STEP)
    code = code_at(secret)
    assert (await verify(second_client, await start_sign_in(second_client, account), code)).status_code == 200

    replayed = await verify(second_client, await start_sign_in(second_client, account), code)
    assert replayed.status_code == 422
    assert replayed.json()["code"] == "code_invalid"


async def test_one_step_either_side_is_accepted_but_no_further(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    clock.shift(4 * STEP)
    too_old = await verify(second_client, await start_sign_in(second_client, account), code_at(secret, -2 * STEP))
    assert too_old.status_code == 422
    too_new = await verify(second_client, await start_sign_in(second_client, account), code_at(secret, 2 * STEP))
    assert too_new.status_code == 422
    ahead = await verify(second_client, await start_sign_in(second_client, account), code_at(secret, STEP))
    assert ahead.status_code == 200, ahead.text
    # now's code is within the window, but its step comes before the one just accepted
    current = await verify(second_client, await start_sign_in(second_client, account), code_at(secret))
    assert current.status_code == 422
    assert current.json()["code"] == "code_invalid"
    clock.shift(2 * STEP)
    assert (
        await verify(second_client, await start_sign_in(second_client, account), code_at(secret))
    ).status_code == 200


async def test_a_method_that_is_off_cannot_answer_the_challenge(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    refused = await verify(second_client, challenge, "123456", method="email")
    assert refused.status_code == 422
    assert refused.json()["code"] == "method_not_enabled"
    mail = await second_client.post(f"{BASE}/email/send", json={"challenge_token": challenge})
    assert mail.status_code == 409
    assert mail.json()["code"] == "email_not_enabled"
    bad_method = await verify(second_client, challenge, "123456", method="sms")
    assert bad_method.status_code == 422
    assert bad_method.json()["errors"][0]["field"] == "method"


async def test_cancelling_a_setup_forgets_the_pending_secret(
    api: httpx.AsyncClient, account: Account, infra: Infrastructure
) -> None:
    secret = (await api.post(f"{BASE}/totp/setup")).json()["secret"]
    assert (await api.delete(f"{BASE}/totp/setup")).status_code == 204
    assert (await api.get(BASE)).json()["totp_pending"] is False
    refused = await api.post(f"{BASE}/totp/enable", json={"code": code_at(secret)})
    assert refused.status_code == 409
    stored = await stored_settings(infra, account.user_id)
    assert stored is not None
    assert stored.totp_pending_secret_encrypted is None


async def test_a_new_setup_replaces_the_pending_secret(api: httpx.AsyncClient, account: Account) -> None:
    first = (await api.post(f"{BASE}/totp/setup")).json()["secret"]
    second = (await api.post(f"{BASE}/totp/setup")).json()["secret"]
    assert first != second
    stale = await api.post(f"{BASE}/totp/enable", json={"code": code_at(first)})
    assert stale.status_code == 422
    assert (await api.post(f"{BASE}/totp/enable", json={"code": code_at(second)})).status_code == 200


async def test_the_challenge_expires_after_ten_minutes(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    clock.shift(timedelta(minutes=10, seconds=1))
    expired = await verify(second_client, challenge, code_at(secret))
    assert expired.status_code == 422
    assert expired.json()["code"] == "token_expired"
    assert expired.json()["errors"][0]["field"] == "challenge_token"


async def test_an_unknown_or_used_challenge_is_refused(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    unknown = await verify(second_client, "made-up-challenge", "123456")
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "token_invalid"
    assert unknown.json()["errors"][0]["field"] == "challenge_token"

    challenge = await start_sign_in(second_client, account)
    clock.shift(STEP)
    assert (await verify(second_client, challenge, code_at(secret))).status_code == 200
    clock.shift(STEP)
    second_client.cookies.clear()
    reused = await verify(second_client, challenge, code_at(secret))
    assert reused.status_code == 422
    assert reused.json()["code"] == "token_used"


async def test_a_new_password_sign_in_replaces_the_earlier_challenge(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    clock: time_machine.Traveller,
) -> None:
    secret, _ = await set_up_totp(api)
    first = await start_sign_in(second_client, account)
    second = await start_sign_in(second_client, account)
    clock.shift(STEP)
    assert (await verify(second_client, first, code_at(secret))).json()["code"] == "token_used"
    assert (await verify(second_client, second, code_at(secret))).status_code == 200


async def test_a_secret_sealed_with_another_key_is_refused_clearly(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, infra: Infrastructure, account: Account
) -> None:
    secret, _ = await set_up_totp(api)
    foreign = SecretBox(b"another instance's secret key", "totp").encrypt(secret)
    async with infra.db.unit_of_work() as db:
        row = await db.get(TwoFactorSettings, uuid.UUID(account.user_id))
        assert row is not None
        row.totp_secret_encrypted = foreign
    challenge = await start_sign_in(second_client, account)
    answer = await verify(second_client, challenge, code_at(secret, STEP))
    assert answer.status_code == 409
    assert answer.json()["code"] == "totp_secret_unreadable"
    assert "recovery code" in answer.json()["detail"]
