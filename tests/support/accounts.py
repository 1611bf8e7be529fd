"""Accounts for tests, made the way people make them: sign up through the API, open the link from the
mail, sign in. Mail is read from the files the embedded mail backend writes."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from fairlx.auth.sessions import SESSION_COOKIE
from fairlx.core.security.csrf import CSRF_HEADER, csrf_token
from fairlx.settings import Settings

DEFAULT_PASSWORD = "correct horse battery staple"
LINK_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")

Drain = Callable[..., Awaitable[Any]]
Mailbox = Callable[[str], Awaitable[EmailMessage]]


@dataclass
class Account:
    email: str
    password: str
    name: str
    user_id: str


def mails_to(settings: Settings, address: str) -> list[EmailMessage]:
    """Every mail the file backend wrote to `address`, oldest first."""
    folder = settings.mail_dir
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml"), key=lambda file: file.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address.lower() in str(message["To"]).lower():
            assert isinstance(message, EmailMessage)
            messages.append(message)
    return messages


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def token_in(message: EmailMessage) -> str:
    found = LINK_TOKEN.search(text_of(message))
    assert found, f"no link with a token in: {text_of(message)!r}"
    return found.group(1)


async def latest_mail(settings: Settings, drain: Drain, address: str) -> EmailMessage:
    await drain()
    messages = mails_to(settings, address)
    assert messages, f"no mail to {address}"
    return messages[-1]


def use_session(client: httpx.AsyncClient, settings: Settings) -> None:
    """Send the page's CSRF token with the session cookie the client holds, as htmx does."""
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie, "the client holds no session cookie"
    client.headers[CSRF_HEADER] = csrf_token(settings.signing_key, cookie)


async def sign_up(
    api: httpx.AsyncClient,
    settings: Settings,
    drain: Drain,
    email_address: str = "ada@example.com",
    *,
    name: str = "Ada Lovelace",
    password: str = DEFAULT_PASSWORD,
    mailbox: Mailbox | None = None,
) -> Account:
    """Register and confirm the address; the client ends up signed in. `mailbox` reads the newest mail
    to an address (default: the files the embedded mail backend writes)."""
    registered = await api.post(
        "/api/v1/auth/register",
        json={"name": name, "email": email_address, "password": password, "accept_terms": True},
    )
    assert registered.status_code == 202, registered.text
    read = mailbox or (lambda address: latest_mail(settings, drain, address))
    token = token_in(await read(email_address))
    verified = await api.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    use_session(api, settings)
    return Account(email_address, password, name, verified.json()["user"]["id"])


async def sign_in(api: httpx.AsyncClient, settings: Settings, account: Account) -> httpx.Response:
    answer = await api.post("/api/v1/auth/login", json={"email": account.email, "password": account.password})
    if answer.status_code == 200 and answer.json()["state"] == "SIGNED_IN":
        use_session(api, settings)
    return answer
