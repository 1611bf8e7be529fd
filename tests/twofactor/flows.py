"""Second factors the way people use them: set up through the API, sign in on another browser, read
codes from the authenticator (pyotp, as the app computes them) or from the mail."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pyotp
from sqlalchemy import select

from fairlx.auth.models import AuthEvent, AuthEventKind
from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from fairlx.twofactor.models import TwoFactorSettings
from tests.support.accounts import Account, Drain, latest_mail, text_of

BASE = "/api/v1/auth/2fa"
LOGIN = "/api/v1/auth/login"
STEP = timedelta(seconds=30)
# Budgets as in production for second factors (4 a minute), generous for the rest.
TIGHT_TWO_FACTOR = {"default": "100000/minute", "write": "100000/minute", "two_factor": "4/minute"}
RECOVERY_CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def code_at(secret: str, offset: timedelta = timedelta()) -> str:
    """The code the authenticator app shows `offset` from now."""
    return pyotp.TOTP(secret).at(utcnow() + offset)


def wrong_code(secret: str | None = None) -> str:
    """A 6-digit code that is not valid now (nor a step either side)."""
    valid = {code_at(secret, step * STEP) for step in range(-2, 3)} if secret else set()
    return next(code for code in ("123456", "654321", "111111", "222222", "333333", "444444") if code not in valid)


async def set_up_totp(api: httpx.AsyncClient) -> tuple[str, list[str]]:
    """Turn on the authenticator app for the signed-in `api`; returns the secret and the recovery codes."""
    setup = await api.post(f"{BASE}/totp/setup")
    assert setup.status_code == 200, setup.text
    secret: str = setup.json()["secret"]
    enabled = await api.post(f"{BASE}/totp/enable", json={"code": code_at(secret)})
    assert enabled.status_code == 200, enabled.text
    return secret, enabled.json()["recovery_codes"]


async def mailed_code(settings: Settings, drain: Drain, address: str) -> str:
    """The code in the latest mail to `address` (its subject starts with it, like the original's)."""
    mail = await latest_mail(settings, drain, address)
    code = str(mail["Subject"]).split()[0]
    assert re.fullmatch(r"\d{6}", code), mail["Subject"]
    assert code in text_of(mail)
    return code


async def set_up_email(api: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account) -> list[str] | None:
    mailed = await api.post(f"{BASE}/email/setup")
    assert mailed.status_code == 202, mailed.text
    code = await mailed_code(settings, drain, account.email)
    enabled = await api.post(f"{BASE}/email/enable", json={"code": code})
    assert enabled.status_code == 200, enabled.text
    codes: list[str] | None = enabled.json()["recovery_codes"]
    return codes


async def start_sign_in(client: httpx.AsyncClient, account: Account) -> str:
    """Prove the password on `client` (a browser with no session yet: earlier cookies are dropped); the
    answer asks for the second factor. Returns the challenge."""
    client.cookies.clear()
    answer = await client.post(LOGIN, json={"email": account.email, "password": account.password})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "REQUIRE_2FA"
    token: str = answer.json()["challenge_token"]
    return token


async def verify(client: httpx.AsyncClient, challenge: str, code: str, method: str = "totp") -> httpx.Response:
    return await client.post(f"{BASE}/verify", json={"challenge_token": challenge, "code": code, "method": method})


async def event_kinds(infra: Infrastructure, user_id: str) -> list[AuthEventKind]:
    async with infra.db.unit_of_work(read_only=True) as db:
        query = (
            select(AuthEvent.kind)
            .where(AuthEvent.user_id == uuid.UUID(user_id))
            .order_by(AuthEvent.created_at, AuthEvent.id)
        )
        return list(await db.scalars(query))


async def stored_settings(infra: Infrastructure, user_id: str) -> TwoFactorSettings | None:
    async with infra.db.unit_of_work(read_only=True) as db:
        return await db.get(TwoFactorSettings, uuid.UUID(user_id))
