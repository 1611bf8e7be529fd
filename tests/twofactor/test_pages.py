"""The challenge page and the two-factor card of the security settings, driven as htmx drives them."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
import pytest
import time_machine

from fairlx.core.security.csrf import CSRF_HEADER
from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, mails_to
from tests.support.assets import require_built_assets
from tests.twofactor.flows import (
    BASE,
    STEP,
    code_at,
    mailed_code,
    set_up_email,
    set_up_totp,
    start_sign_in,
    wrong_code,
)

HTMX = {"HX-Request": "true"}
CARD = "/settings/security/two-factor"


@pytest.fixture(scope="module", autouse=True)
def asset_manifest() -> dict[str, str]:
    return require_built_assets()


def assert_no_inline_code(html: str) -> None:
    """Our CSP allows no inline scripts, styles or event handlers."""
    assert "<script>" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


# --- the challenge page -----------------------------------------------------------------------


async def test_the_challenge_page_asks_for_the_app_code(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    page = await second_client.get("/two-factor", params={"challenge": challenge, "return_to": "/projects"})
    assert page.status_code == 200
    html = page.text
    assert 'hx-post="/two-factor"' in html
    assert hidden(html, "challenge_token") == challenge
    assert hidden(html, "method") == "totp"
    assert hidden(html, "return_to") == "/projects"
    code_input = re.search(r'<input id="two-factor-code"[^>]*>', html)
    assert code_input
    assert 'autocomplete="one-time-code"' in code_input.group(0)
    assert 'inputmode="numeric"' in code_input.group(0)
    assert "autofocus" in code_input.group(0)
    assert "Use a recovery code" in html
    assert "Use an email code instead" not in html  # email codes are off
    assert_no_inline_code(html)


async def test_an_unknown_challenge_page_says_to_sign_in_again(second_client: httpx.AsyncClient) -> None:
    page = await second_client.get("/two-factor", params={"challenge": "made-up"})
    assert page.status_code == 200
    assert "Sign in again" in page.text
    assert 'name="code"' not in page.text


async def test_a_wrong_code_on_the_page_is_said_beside_the_field(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    secret, _ = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    answer = await second_client.post(
        "/two-factor",
        data={"challenge_token": challenge, "code": wrong_code(secret), "method": "totp", "return_to": "/home"},
        headers=HTMX,
    )
    assert answer.status_code == 422
    assert "The code is not correct." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert answer.text.lstrip().startswith("<form")  # the form alone, for htmx to swap
    assert hidden(answer.text, "challenge_token") == challenge
    assert second_client.cookies.get("fairlx-session") is None


async def test_the_right_code_on_the_page_signs_in_and_goes_back(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, clock: time_machine.Traveller
) -> None:
    assert (await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})).status_code == 200
    secret, _ = await set_up_totp(api)
    clock.shift(STEP)
    challenge = await start_sign_in(second_client, account)
    answer = await second_client.post(
        "/two-factor",
        data={"challenge_token": challenge, "code": code_at(secret), "method": "totp", "return_to": "/projects?x=1"},
        headers=HTMX,
    )
    assert answer.status_code == 204, answer.text
    assert answer.headers["hx-redirect"] == "/projects?x=1"
    assert second_client.cookies.get("fairlx-session")
    assert (await second_client.get("/api/v1/auth/me")).status_code == 200


async def test_the_page_never_sends_anyone_to_another_site(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    assert (await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})).status_code == 200
    _, codes = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    answer = await second_client.post(
        "/two-factor",
        data={"challenge_token": challenge, "code": codes[0], "method": "recovery", "return_to": "//evil.example"},
    )
    assert answer.status_code == 303  # a plain form post (no htmx) is redirected
    assert answer.headers["location"] == "/home"


async def test_the_page_mails_a_code_and_takes_it(
    api: httpx.AsyncClient,
    second_client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    drain: Drain,
) -> None:
    await set_up_email(api, settings, drain, account)
    challenge = await start_sign_in(second_client, account)
    page = await second_client.get("/two-factor", params={"challenge": challenge})
    assert hidden(page.text, "method") == "email"
    assert 'hx-post="/two-factor/email"' in page.text
    before = len(mails_to(settings, account.email))

    sent = await second_client.post("/two-factor/email", data={"challenge_token": challenge}, headers=HTMX)
    assert sent.status_code == 200
    assert "We mailed a code to a***@example.com" in sent.text
    assert hidden(sent.text, "method") == "email"
    code = await mailed_code(settings, drain, account.email)
    assert len(mails_to(settings, account.email)) == before + 1

    signed_in = await second_client.post(
        "/two-factor", data={"challenge_token": challenge, "code": code, "method": "email"}, headers=HTMX
    )
    assert signed_in.status_code == 204
    assert signed_in.headers["hx-redirect"] == "/onboarding"  # a new account chooses its type first


async def test_the_page_after_the_lock_says_so(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account
) -> None:
    secret, _ = await set_up_totp(api)
    challenge = await start_sign_in(second_client, account)
    form = {"challenge_token": challenge, "code": wrong_code(secret), "method": "totp"}
    for _ in range(4):
        assert (await second_client.post("/two-factor", data=form, headers=HTMX)).status_code == 422
    locked = await second_client.post("/two-factor", data=form, headers=HTMX)
    assert locked.status_code == 422
    assert "Too many wrong codes" in locked.text
    assert "<html" not in locked.text  # in place of the form
    assert 'href="/sign-in"' in locked.text
    assert 'name="code"' not in locked.text


# --- the settings card ------------------------------------------------------------------------


async def test_the_card_needs_a_signed_in_user(second_client: httpx.AsyncClient) -> None:
    page = await second_client.get(CARD)
    assert page.status_code == 303
    assert unquote(page.headers["location"]) == f"/sign-in?return_to={CARD}"
    htmx = await second_client.get(CARD, headers=HTMX)
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"].startswith("/sign-in")
    assert (await second_client.post(f"{CARD}/totp/setup", headers=HTMX)).status_code == 204


async def test_the_card_is_a_fragment_that_shows_the_status(api: httpx.AsyncClient, account: Account) -> None:
    card = await api.get(CARD, headers=HTMX)
    assert card.status_code == 200
    html = card.text
    assert html.lstrip().startswith("<section")
    assert 'id="two-factor-card"' in html
    assert "<html" not in html
    assert "Two-factor authentication" in html
    assert f'hx-post="{CARD}/totp/setup"' in html
    assert f'hx-post="{CARD}/email/setup"' in html
    assert "Off" in html
    assert_no_inline_code(html)


async def test_setting_up_the_app_from_the_card(
    api: httpx.AsyncClient, account: Account, clock: time_machine.Traveller
) -> None:
    setup = await api.post(f"{CARD}/totp/setup", headers=HTMX)
    assert setup.status_code == 200
    html = setup.text
    assert "<svg" in html
    assert_no_inline_code(html)
    secret_match = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html)
    assert secret_match
    groups = secret_match.group(1).split()
    assert all(len(group) == 4 for group in groups)
    secret = "".join(groups)
    assert (await api.get(BASE)).json()["totp_pending"] is True

    wrong = await api.post(f"{CARD}/totp/enable", data={"code": wrong_code(secret)}, headers=HTMX)
    assert wrong.status_code == 422
    assert "The code is not correct." in wrong.text
    assert "data-totp-secret" in wrong.text  # the setup stays on screen

    enabled = await api.post(f"{CARD}/totp/enable", data={"code": code_at(secret)}, headers=HTMX)
    assert enabled.status_code == 200
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4})</li>", enabled.text)
    assert len(codes) == 10
    assert 'download="fairlx-recovery-codes.txt"' in enabled.text
    assert "data:text/plain" in enabled.text
    assert "Authenticator app turned on." in enabled.text
    assert (await api.get(BASE)).json()["methods"] == ["totp"]

    again = await api.get(CARD, headers=HTMX)
    assert "data-recovery-codes" not in again.text  # shown once
    assert "10</span> of 10 left" in again.text


async def test_turning_on_email_codes_from_the_card(
    api: httpx.AsyncClient, account: Account, settings: Settings, drain: Drain
) -> None:
    mailed = await api.post(f"{CARD}/email/setup", headers=HTMX)
    assert mailed.status_code == 200
    assert f'hx-post="{CARD}/email/enable"' in mailed.text
    code = await mailed_code(settings, drain, account.email)
    refused = await api.post(f"{CARD}/email/enable", data={"code": ""}, headers=HTMX)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    enabled = await api.post(f"{CARD}/email/enable", data={"code": code}, headers=HTMX)
    assert enabled.status_code == 200
    assert "Email codes turned on." in enabled.text
    assert (await api.get(BASE)).json()["methods"] == ["email"]


async def test_turning_off_from_the_card_needs_the_password(api: httpx.AsyncClient, account: Account) -> None:
    await set_up_totp(api)
    card = await api.get(CARD, headers=HTMX)
    assert 'id="two-factor-disable-totp"' in card.text
    assert f'hx-post="{CARD}/disable"' in card.text

    wrong = await api.post(f"{CARD}/disable", data={"password": "nope", "method": "totp"}, headers=HTMX)
    assert wrong.status_code == 422
    assert wrong.text.lstrip().startswith('<form id="two-factor-disable-totp-form"')
    assert "The password is not correct." in wrong.text
    assert "hx-retarget" not in wrong.headers

    disabled = await api.post(
        f"{CARD}/disable", data={"password": account.password, "method": "totp", "dialog": "disable"}, headers=HTMX
    )
    assert disabled.status_code == 200
    assert disabled.headers["hx-retarget"] == "#two-factor-card"
    assert disabled.headers["hx-reswap"] == "outerHTML"
    assert "Two-factor authentication is off." in disabled.text
    assert (await api.get(BASE)).json()["methods"] == []


async def test_new_recovery_codes_from_the_card(api: httpx.AsyncClient, account: Account) -> None:
    _, old = await set_up_totp(api)
    wrong = await api.post(f"{CARD}/recovery-codes", data={"password": "nope", "dialog": "regenerate"}, headers=HTMX)
    assert wrong.status_code == 422
    assert wrong.text.lstrip().startswith('<form id="two-factor-regenerate-form"')
    made = await api.post(
        f"{CARD}/recovery-codes", data={"password": account.password, "dialog": "regenerate"}, headers=HTMX
    )
    assert made.status_code == 200
    assert made.headers["hx-retarget"] == "#two-factor-card"
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4})</li>", made.text)
    assert len(codes) == 10
    assert not set(codes) & set(old)


async def test_card_forms_need_the_page_token(api: httpx.AsyncClient, account: Account) -> None:
    del api.headers[CSRF_HEADER]
    answer = await api.post(f"{CARD}/totp/setup", headers=HTMX)
    assert answer.status_code == 403
    assert (await api.get(BASE)).json()["totp_pending"] is False
