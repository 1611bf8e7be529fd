"""Accounts without a password (signed up with Google against the loopback provider) confirm turning a
factor off, or regenerating recovery codes, with a current code instead of a password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import time_machine

from fairlx.auth.models import AuthEventKind
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, use_session
from tests.support.oauth_provider import LoopbackProvider, loopback_provider, sign_in_with
from tests.twofactor.flows import (
    BASE,
    STEP,
    code_at,
    event_kinds,
    mailed_code,
    set_up_email,
    set_up_totp,
    stored_settings,
    wrong_code,
)

EMAIL = "grace@example.com"
CARD = "/settings/security/two-factor"
HTMX = {"HX-Request": "true"}


@pytest_asyncio.fixture(scope="module")
async def provider_server() -> AsyncIterator[LoopbackProvider]:
    async with loopback_provider() as provider:
        yield provider


@pytest.fixture
def settings_overrides(provider_server: LoopbackProvider) -> dict[str, Any]:
    provider_server.reset()
    return provider_server.settings(github=False)


@pytest_asyncio.fixture
async def passwordless(api: httpx.AsyncClient, settings: Settings) -> Account:
    """Grace, signed up with Google on `api`: she has no password."""
    back = await sign_in_with(api, "google")
    assert back.status_code == 303, back.text
    use_session(api, settings)
    me = (await api.get("/api/v1/auth/me")).json()
    assert me["user"]["has_password"] is False
    return Account(EMAIL, "", me["user"]["name"], me["user"]["id"])


async def test_the_app_code_stands_in_for_the_password(
    api: httpx.AsyncClient, passwordless: Account, infra: Infrastructure, clock: time_machine.Traveller
) -> None:
    secret, _ = await set_up_totp(api)
    missing = await api.post(f"{BASE}/disable", json={"password": "anything"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "code_required"
    assert missing.json()["errors"][0]["field"] == "code"

    wrong = await api.post(f"{BASE}/disable", json={"code": wrong_code(secret)})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "code_invalid"
    stored = await stored_settings(infra, passwordless.user_id)
    assert stored is not None
    assert stored.failed_attempts == 1, "wrong codes count toward the lock here too"

    used = await api.post(f"{BASE}/disable", json={"code": code_at(secret)})
    assert used.status_code == 422, "the code that turned the app on is used up"

    clock.shift(STEP)
    disabled = await api.post(f"{BASE}/disable", json={"code": code_at(secret)})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json() == {"methods": []}
    assert AuthEventKind.TWO_FACTOR_DISABLED in await event_kinds(infra, passwordless.user_id)


async def test_a_mailed_confirmation_code_stands_in_for_the_password(
    api: httpx.AsyncClient, passwordless: Account, settings: Settings, drain: Drain
) -> None:
    old = await set_up_email(api, settings, drain, passwordless)
    assert old is not None
    expired = await api.post(f"{BASE}/recovery-codes", json={"code": "123456"})
    assert expired.status_code == 422
    assert expired.json()["code"] == "code_expired"

    mailed = await api.post(f"{BASE}/email/confirmation-code")
    assert mailed.status_code == 202
    code = await mailed_code(settings, drain, EMAIL)
    regenerated = await api.post(f"{BASE}/recovery-codes", json={"code": code})
    assert regenerated.status_code == 200, regenerated.text
    assert not set(regenerated.json()["recovery_codes"]) & set(old)
    reused = await api.post(f"{BASE}/recovery-codes", json={"code": code})
    assert reused.status_code == 422


async def test_confirmation_codes_need_email_codes_on(api: httpx.AsyncClient, passwordless: Account) -> None:
    await set_up_totp(api)
    answer = await api.post(f"{BASE}/email/confirmation-code")
    assert answer.status_code == 409
    assert answer.json()["code"] == "email_not_enabled"


async def test_the_card_asks_for_a_code_instead_of_a_password(
    api: httpx.AsyncClient, passwordless: Account, settings: Settings, drain: Drain
) -> None:
    await set_up_email(api, settings, drain, passwordless)
    card = await api.get(CARD, headers=HTMX)
    assert card.status_code == 200
    assert 'name="password"' not in card.text
    assert 'id="two-factor-disable-email-form-code"' in card.text
    assert f'hx-post="{CARD}/confirmation-code"' in card.text

    mailed = await api.post(f"{CARD}/confirmation-code", data={"dialog": "disable", "method": "email"}, headers=HTMX)
    assert mailed.status_code == 200
    assert mailed.text.lstrip().startswith('<form id="two-factor-disable-email-form"')
    assert "We mailed a code to grace@example.com" in mailed.text
    code = await mailed_code(settings, drain, EMAIL)

    missing = await api.post(f"{CARD}/disable", data={"dialog": "disable", "method": "email", "code": ""}, headers=HTMX)
    assert missing.status_code == 422
    assert "Enter a code" in missing.text
    disabled = await api.post(
        f"{CARD}/disable", data={"dialog": "disable", "method": "email", "code": code}, headers=HTMX
    )
    assert disabled.status_code == 200
    assert disabled.headers["hx-retarget"] == "#two-factor-card"
    assert (await api.get(BASE)).json()["methods"] == []
