"""Signing up, confirming the address, and the answers that must not reveal who has an account."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from fairlx.auth.models import User
from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import DEFAULT_PASSWORD, Drain, latest_mail, mails_to, text_of, token_in, use_session

REGISTER = "/api/v1/auth/register"


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "password": DEFAULT_PASSWORD,
        "accept_terms": True,
    } | changes


async def users_with_email(infra: Infrastructure, email: str) -> list[User]:
    async with infra.db.unit_of_work(read_only=True) as db:
        return list(await db.scalars(select(User).where(User.email == email)))


async def test_sign_up_mails_a_link_that_confirms_the_address_and_signs_in(
    api: httpx.AsyncClient, settings: Settings, infra: Infrastructure, drain: Drain
) -> None:
    answer = await api.post(REGISTER, json=registration(email="Grace@Example.com"))
    assert answer.status_code == 202
    assert answer.json()["status"] == "accepted"
    assert "fairlx-session" not in answer.cookies

    [user] = await users_with_email(infra, "grace@example.com")
    assert user.email_verified_at is None
    assert user.terms_version == settings.terms_version
    assert user.terms_accepted_at is not None
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")

    mail = await latest_mail(settings, drain, "grace@example.com")
    assert mail["Subject"] == "Confirm your email address"
    assert f"{settings.public_url}/verify-email?token=" in text_of(mail)

    verified = await api.post("/api/v1/auth/verify-email", json={"token": token_in(mail)})
    assert verified.status_code == 200
    assert verified.json()["state"] == "SIGNED_IN"
    assert verified.json()["lifecycle"] == "ONBOARDING"
    me = await api.get("/api/v1/auth/me")
    assert me.json()["user"]["email_verified"] is True


async def test_a_verification_link_works_once(api: httpx.AsyncClient, settings: Settings, drain: Drain) -> None:
    await api.post(REGISTER, json=registration())
    token = token_in(await latest_mail(settings, drain, "grace@example.com"))
    first = await api.post("/api/v1/auth/verify-email", json={"token": token})
    use_session(api, settings)  # the link signed this browser in
    again = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert first.status_code == 200
    assert again.status_code == 422
    assert again.json()["code"] == "token_used"
    assert again.json()["errors"][0]["field"] == "token"


async def test_a_verification_link_expires_after_a_day(
    api: httpx.AsyncClient, settings: Settings, drain: Drain
) -> None:
    await api.post(REGISTER, json=registration())
    token = token_in(await latest_mail(settings, drain, "grace@example.com"))
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1)):
        late = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert late.status_code == 422
    assert late.json()["code"] == "token_expired"


async def test_an_unknown_verification_token_is_refused(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/v1/auth/verify-email", json={"token": "not-a-real-token"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "token_invalid"


async def test_registering_a_taken_address_answers_the_same_and_mails_the_owner(
    api: httpx.AsyncClient, settings: Settings, infra: Infrastructure, drain: Drain
) -> None:
    first = await api.post(REGISTER, json=registration())
    await drain()
    second = await api.post(REGISTER, json=registration(name="Someone Else", password="another long password"))

    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert len(await users_with_email(infra, "grace@example.com")) == 1
    mail = await latest_mail(settings, drain, "grace@example.com")
    assert mail["Subject"] == "You already have an account"
    assert "/forgot-password" in text_of(mail)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1", "password_too_short"),
        ("password123", "password_too_common"),
        ("grace@example.com", "password_is_email"),
        ("x" * 257, "password_too_long"),
    ],
)
async def test_the_password_policy_names_the_field(
    api: httpx.AsyncClient, infra: Infrastructure, password: str, code: str
) -> None:
    answer = await api.post(REGISTER, json=registration(password=password))
    assert answer.status_code == 422
    assert answer.json()["code"] == code
    assert answer.json()["errors"][0]["field"] == "password"
    assert await users_with_email(infra, "grace@example.com") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"accept_terms": False}, "accept_terms"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"accept_terms": None}, "accept_terms"),
        ({"role": "admin"}, "role"),
    ],
)
async def test_bad_sign_up_input_names_the_field(api: httpx.AsyncClient, changes: dict[str, Any], field: str) -> None:
    answer = await api.post(REGISTER, json=registration(**changes))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in {error["field"].split(".")[-1] for error in answer.json()["errors"]}


async def test_resending_verification_answers_the_same_for_unknown_addresses(
    api: httpx.AsyncClient, settings: Settings, drain: Drain
) -> None:
    await api.post(REGISTER, json=registration())
    first_token = token_in(await latest_mail(settings, drain, "grace@example.com"))

    known = await api.post("/api/v1/auth/resend-verification", json={"email": "grace@example.com"})
    unknown = await api.post("/api/v1/auth/resend-verification", json={"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    await drain()
    assert mails_to(settings, "nobody@example.com") == []

    new_token = token_in(await latest_mail(settings, drain, "grace@example.com"))
    assert new_token != first_token
    stale = await api.post("/api/v1/auth/verify-email", json={"token": first_token})
    assert stale.json()["code"] == "token_used"
    fresh = await api.post("/api/v1/auth/verify-email", json={"token": new_token})
    assert fresh.status_code == 200


async def test_one_account_per_address_even_when_sign_ups_race(api: httpx.AsyncClient, infra: Infrastructure) -> None:
    answers = await asyncio.gather(*(api.post(REGISTER, json=registration()) for _ in range(3)))
    assert {answer.status_code for answer in answers} <= {202, 409}
    async with infra.db.unit_of_work(read_only=True) as db:
        count = await db.scalar(select(func.count()).select_from(User).where(User.email == "grace@example.com"))
    assert count == 1
