"""Outgoing mail: queued in the caller's transaction, sent by a job to a real SMTP server (aiosmtpd) or
written as .eml files, retried when the server is unreachable, and refused for bad addresses."""

from __future__ import annotations

import email
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fairlx.app import create_app
from fairlx.core.errors import Invalid
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.mail import MAIL_SEND, SmtpConfig, queue_mail
from fairlx.core.mail.backends import MailConfigError, parse_smtp_url
from fairlx.core.outbox import Job, JobStatus
from fairlx.settings import Settings
from tests.support.servers import SmtpServer, free_port

HTML = "<p>Hello <b>Ada</b>, your sprint starts today.</p>"
TEXT = "Hello Ada, your sprint starts today."


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, smtp: SmtpServer) -> dict[str, Any]:
    """SMTP to the capturing server unless a test asks for the file backend or an unreachable server."""
    mailer = getattr(request, "param", "smtp")
    if mailer == "file":
        return {}
    if mailer == "unreachable smtp":
        return {"smtp_url": f"smtp://127.0.0.1:{free_port()}?timeout=5"}
    return {"smtp_url": smtp.url, "mail_from": "Fairlx <no-reply@pm.example.com>"}


async def queue_welcome(infra: Infrastructure, **overrides: Any) -> bool:
    values: dict[str, Any] = {"to": "Ada Lovelace <ada@example.com>", "subject": "Sprint 12 starts", "text": TEXT}
    async with infra.db.unit_of_work() as session:
        return await queue_mail(session, **(values | {"html": HTML} | overrides))


async def mail_jobs(infra: Infrastructure) -> list[Job]:
    async with infra.db.unit_of_work(read_only=True) as session:
        return list(await session.scalars(select(Job).where(Job.kind == MAIL_SEND)))


def assert_text_and_html(message: EmailMessage) -> None:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert message.get_content_type() == "multipart/alternative"
    assert plain is not None
    assert html is not None
    assert plain.get_content().strip() == TEXT
    assert html.get_content().strip() == HTML


async def test_queued_mail_is_delivered_by_the_job_with_both_parts(
    infra: Infrastructure, drain: Callable[..., Any], smtp: SmtpServer
) -> None:
    assert await queue_welcome(infra)
    assert smtp.messages == []  # nothing leaves before the job runs

    assert await drain() == 1

    [job] = await mail_jobs(infra)
    [captured] = smtp.messages
    message = captured.message
    assert job.status == JobStatus.DONE
    assert captured.recipients == ["ada@example.com"]
    assert captured.mail_from == "no-reply@pm.example.com"
    assert message["From"] == "Fairlx <no-reply@pm.example.com>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Subject"] == "Sprint 12 starts"
    assert message["Message-ID"] == f"<{job.id}@pm.example.com>"
    assert message["Date"].datetime is not None
    assert_text_and_html(message)


async def test_mail_to_several_recipients_reaches_each(
    infra: Infrastructure, drain: Callable[..., Any], smtp: SmtpServer
) -> None:
    await queue_welcome(infra, to=["ada@example.com", "Grace Hopper <grace@example.org>"])
    await drain()
    [captured] = smtp.messages
    assert sorted(captured.recipients) == ["ada@example.com", "grace@example.org"]


async def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(
    infra: Infrastructure, drain: Callable[..., Any], smtp: SmtpServer
) -> None:
    async def change_that_fails() -> None:
        async with infra.db.unit_of_work() as session:
            await queue_mail(session, to="ada@example.com", subject="Invite", text=TEXT, html=HTML)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()

    assert await drain() == 0
    assert smtp.messages == []


async def test_same_dedupe_key_queues_one_mail(
    infra: Infrastructure, drain: Callable[..., Any], smtp: SmtpServer
) -> None:
    first = await queue_welcome(infra, dedupe_key="welcome:ada")
    again = await queue_welcome(infra, dedupe_key="welcome:ada")
    await drain()
    assert (first, again) == (True, False)
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("settings_overrides", ["file"], indirect=True)
async def test_file_backend_writes_an_eml_with_both_parts(
    infra: Infrastructure, drain: Callable[..., Any], settings: Settings, smtp: SmtpServer
) -> None:
    await queue_welcome(infra)
    await drain()

    [job] = await mail_jobs(infra)
    [saved] = list(settings.mail_dir.glob("*.eml"))
    message = email.message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert job.status == JobStatus.DONE
    assert str(job.id) in saved.name
    assert message["From"] == "Fairlx <no-reply@localhost>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Message-ID"] == f"<{job.id}@localhost>"
    assert_text_and_html(message)
    assert smtp.messages == []
    assert infra.backends()["mail"] == f"mail files in {settings.mail_dir}"


@pytest.mark.parametrize("settings_overrides", ["unreachable smtp"], indirect=True)
async def test_unreachable_smtp_server_leaves_the_mail_queued_for_a_retry(
    infra: Infrastructure, drain: Callable[..., Any]
) -> None:
    await queue_welcome(infra)

    assert await drain() == 1

    [job] = await mail_jobs(infra)
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 1
    assert job.last_error
    assert job.run_at > job.updated_at  # pushed back for a later attempt, not dropped


@pytest.mark.parametrize(
    "to",
    [
        "not-an-address",
        "ada@localhost",
        "ada@",
        "@example.com",
        "ada@exa mple.com",
        "ada@example..com",
        "ada@example.com, eve@example.com",
        "ada@example.com\r\nBcc: eve@example.com",
        "üser@example.com",
        ["ada@example.com", "broken"],
        [],
    ],
)
async def test_bad_recipient_is_refused_naming_the_field(infra: Infrastructure, to: str | list[str]) -> None:
    with pytest.raises(Invalid) as caught:
        await queue_welcome(infra, to=to)
    assert caught.value.status == 422
    assert caught.value.errors[0].field == "to"
    assert await mail_jobs(infra) == []


async def test_subject_spanning_lines_is_refused(infra: Infrastructure) -> None:
    with pytest.raises(Invalid) as caught:
        await queue_welcome(infra, subject="Hello\r\nBcc: eve@example.com")
    assert caught.value.errors[0].field == "subject"
    assert await mail_jobs(infra) == []


async def test_international_domain_is_accepted(infra: Infrastructure) -> None:
    assert await queue_welcome(infra, to="Jürgen <juergen@bücher.de>")
    async with infra.db.unit_of_work(read_only=True) as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:s%3Acret%40x@mail.example.com:2525",
            SmtpConfig("mail.example.com", 2525, "plain", "mailer", "s:cret@x"),
        ),
        (
            "smtp://u%40corp:pw@mail.example.com?starttls=true",
            SmtpConfig("mail.example.com", 587, "starttls", "u@corp", "pw"),
        ),
        ("smtps://u:pw@mail.example.com", SmtpConfig("mail.example.com", 465, "tls", "u", "pw")),
        ("smtp://relay:25?timeout=2.5", SmtpConfig("relay", 25, "plain", timeout=2.5)),
    ],
)
def test_smtp_url_forms(url: str, expected: SmtpConfig) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "unsupported scheme"),
        ("smtp://:25", "no host"),
        ("smtps://mail.example.com?starttls=true", "starttls applies to smtp:// only"),
        ("smtp://mail.example.com?starttls=maybe", "starttls is true or false"),
        ("smtp://mail.example.com?timeout=-1", "timeout"),
        ("smtp://mail.example.com?tls=1", "unknown parameter"),
        ("smtp://mail.example.com:99999", "port"),
    ],
)
def test_malformed_smtp_url_is_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(MailConfigError) as caught:
        parse_smtp_url(url)
    assert message in str(caught.value)
    assert str(caught.value).startswith("FAIRLX_SMTP_URL:")


def test_unusable_sender_stops_startup(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, mail_from="Fairlx", log_level="WARNING")
    with pytest.raises(MailConfigError, match=r"^FAIRLX_MAIL_FROM: 'Fairlx'"):
        create_app(settings)
