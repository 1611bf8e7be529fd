"""The signed-out pages and the account pages, driven as htmx drives them."""

from __future__ import annotations

import httpx
import pytest

from fairlx.settings import Settings
from tests.support.accounts import Account, Drain, latest_mail, token_in, use_session

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", ["/sign-up", "/sign-in", "/forgot-password", "/magic-link"])
async def test_signed_out_pages_render_their_form(second_client: httpx.AsyncClient, path: str) -> None:
    page = await second_client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'hx-post="{path}"' in page.text
    assert 'name="email"' in page.text


async def test_a_signed_in_visitor_skips_the_sign_in_page(api: httpx.AsyncClient, account: Account) -> None:
    page = await api.get("/sign-in")
    assert page.status_code == 303
    assert page.headers["location"] == "/home"


async def test_guarded_pages_send_strangers_to_sign_in_and_back(second_client: httpx.AsyncClient) -> None:
    page = await second_client.get("/settings/sessions?tab=all")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?return_to=/settings/sessions%3Ftab%3Dall"
    htmx = await second_client.get("/settings/sessions", headers=HTMX)
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == "/sign-in?return_to=/settings/sessions"


async def test_the_sign_up_form_shows_each_problem_beside_its_field(second_client: httpx.AsyncClient) -> None:
    answer = await second_client.post("/sign-up", data={"name": "", "email": "nope", "password": "short"}, headers=HTMX)
    assert answer.status_code == 422
    assert answer.text.count('aria-invalid="true"') == 3  # the password policy runs once the form parses
    assert "Enter a valid email address." in answer.text
    assert "Accept the terms of service" in answer.text
    assert 'value="nope"' in answer.text


async def test_signing_up_from_the_page_tells_the_visitor_to_check_their_inbox(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain
) -> None:
    answer = await second_client.post(
        "/sign-up",
        data={
            "name": "Grace",
            "email": "grace@example.com",
            "password": "a fine long passphrase",
            "accept_terms": "on",
        },
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert "Check your inbox" in answer.text
    token = token_in(await latest_mail(settings, drain, "grace@example.com"))

    confirm_page = await second_client.get(f"/verify-email?token={token}")
    assert confirm_page.status_code == 200
    assert f'value="{token}"' in confirm_page.text
    confirmed = await second_client.post("/verify-email", data={"token": token}, headers=HTMX)
    assert confirmed.status_code == 204
    assert confirmed.headers["hx-redirect"] == "/onboarding"
    assert second_client.cookies.get("fairlx-session")


async def test_a_used_link_page_says_so(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    refused = await second_client.post("/verify-email", data={"token": "made-up"}, headers=HTMX)
    assert refused.status_code == 422
    assert "This link cannot be used" in refused.text


async def test_wrong_credentials_on_the_page_keep_the_address(
    second_client: httpx.AsyncClient, account: Account
) -> None:
    answer = await second_client.post(
        "/sign-in", data={"email": account.email, "password": "wrong one", "return_to": "/home"}, headers=HTMX
    )
    assert answer.status_code == 422
    assert "The email or password is not correct." in answer.text
    assert f'value="{account.email}"' in answer.text


@pytest.mark.parametrize(
    ("return_to", "destination"),
    [
        ("/settings/tokens", "/settings/tokens"),
        ("https://evil.example/phish", "/home"),
        ("//evil.example", "/home"),
        ("/\\evil.example", "/home"),
    ],
)
async def test_signing_in_returns_only_to_pages_of_this_site(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, account: Account, return_to: str, destination: str
) -> None:
    await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    answer = await second_client.post(
        "/sign-in", data={"email": account.email, "password": account.password, "return_to": return_to}, headers=HTMX
    )
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == destination


async def test_onboarding_routes_to_home(api: httpx.AsyncClient, account: Account) -> None:
    home = await api.get("/home")
    assert home.status_code == 303
    assert home.headers["location"] == "/onboarding"
    page = await api.get("/onboarding")
    assert "How will you use" in page.text
    chosen = await api.post("/onboarding", data={"account_type": "PERSONAL"}, headers=HTMX)
    assert chosen.headers["hx-redirect"] == "/home"
    without_workspace = await api.get("/home")
    assert without_workspace.headers["location"] == "/onboarding/workspace"
    created = await api.post("/onboarding/workspace", data={"workspace_name": "Ada's lab"}, headers=HTMX)
    assert created.status_code == 204, created.text
    home = await api.get("/home")
    assert home.status_code == 200
    assert "Ada&#39;s lab" in home.text
    assert "Welcome, Ada" in home.text
    assert 'hx-post="/sign-out"' in home.text  # the account menu


async def test_pages_give_htmx_the_session_token(api: httpx.AsyncClient, settings: Settings, account: Account) -> None:
    page = await api.get("/settings/security")
    assert page.status_code == 200
    assert f'"X-CSRF-Token": "{api.headers["x-csrf-token"]}"' in page.text


async def test_changing_the_password_from_the_page(api: httpx.AsyncClient, account: Account) -> None:
    wrong = await api.post(
        "/settings/security/password",
        data={"current_password": "nope", "new_password": "another long secret"},
        headers=HTMX,
    )
    assert wrong.status_code == 422
    assert "The current password is not correct." in wrong.text
    done = await api.post(
        "/settings/security/password",
        data={"current_password": account.password, "new_password": "another long secret"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert "Password changed" in done.headers["hx-trigger"]


async def test_the_sessions_page_lists_and_ends_sessions(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, settings: Settings, account: Account
) -> None:
    await second_client.post("/api/v1/auth/login", json={"email": account.email, "password": account.password})
    use_session(second_client, settings)
    page = await api.get("/settings/sessions")
    assert page.status_code == 200
    assert "This device" in page.text
    assert page.text.count('/revoke"') == 1  # only the other device has a sign-out button
    everywhere = await api.post("/settings/sessions/revoke-all", headers=HTMX)
    assert everywhere.headers["hx-redirect"] == "/sign-in?notice=signed_out_everywhere"
    assert (await second_client.get("/api/v1/auth/me")).status_code == 401


async def test_signing_out_from_the_menu(api: httpx.AsyncClient, account: Account) -> None:
    answer = await api.post("/sign-out", headers=HTMX)
    assert answer.headers["hx-redirect"] == "/sign-in?notice=signed_out"
    assert (await api.get("/api/v1/auth/me")).status_code == 401
    page = await api.get("/sign-in?notice=signed_out")
    assert "You are signed out." in page.text


async def test_deleting_the_account_from_the_page(api: httpx.AsyncClient, account: Account) -> None:
    refused = await api.post(
        "/settings/account/delete", data={"confirm_email": "x@example.com", "password": account.password}, headers=HTMX
    )
    assert refused.status_code == 422
    assert "Type your email address to confirm." in refused.text
    deleted = await api.post(
        "/settings/account/delete", data={"confirm_email": account.email, "password": account.password}, headers=HTMX
    )
    assert deleted.headers["hx-redirect"] == "/sign-in?notice=account_deleted"


async def test_reset_and_magic_link_pages_carry_the_token(
    second_client: httpx.AsyncClient, settings: Settings, drain: Drain, account: Account
) -> None:
    await second_client.post("/forgot-password", data={"email": account.email}, headers=HTMX)
    token = token_in(await latest_mail(settings, drain, account.email))
    page = await second_client.get(f"/reset-password?token={token}")
    assert f'value="{token}"' in page.text
    weak = await second_client.post("/reset-password", data={"token": token, "password": "123"}, headers=HTMX)
    assert weak.status_code == 422
    assert f'value="{token}"' in weak.text

    await second_client.post("/magic-link", data={"email": account.email}, headers=HTMX)
    magic = token_in(await latest_mail(settings, drain, account.email))
    confirm = await second_client.get(f"/magic-link?token={magic}")
    assert "Confirm that you want to sign in" in confirm.text
    signed_in = await second_client.post("/magic-link/sign-in", data={"token": magic}, headers=HTMX)
    assert signed_in.headers["hx-redirect"] == "/onboarding"
