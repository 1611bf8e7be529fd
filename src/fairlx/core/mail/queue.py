"""`queue_mail`: the only way code sends mail. It becomes an outbox job in the caller's transaction,
so the mail exists exactly when the change that caused it does, and is sent (with retries) by a job."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.clock import utcnow
from fairlx.core.errors import Invalid
from fairlx.core.mail.message import normalize_recipients
from fairlx.core.outbox import emit

MAIL_SEND = "mail.send"
MAX_SUBJECT_LENGTH = 500
MAX_BODY_CHARS = 1_000_000


async def queue_mail(
    session: AsyncSession,
    *,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str,
    dedupe_key: str | None = None,
) -> bool:
    """Queue one message (plain text with an HTML alternative). With a `dedupe_key`, queuing the same
    mail again is ignored; returns whether it was queued."""
    recipients = normalize_recipients(to)
    _check_subject(subject)
    _check_body("text", text)
    _check_body("html", html)
    payload = {
        "to": recipients,
        "subject": subject,
        "text": text,
        "html": html,
        "queued_at": utcnow().isoformat(),
    }
    return await emit(session, MAIL_SEND, payload, dedupe_key=dedupe_key)


def _check_subject(subject: str) -> None:
    if not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH or "\r" in subject or "\n" in subject:
        raise Invalid(
            "invalid_subject",
            field="subject",
            detail=f"A subject is one line of 1 to {MAX_SUBJECT_LENGTH} characters.",
        )


def _check_body(field: str, body: str) -> None:
    if not body.strip() or len(body) > MAX_BODY_CHARS:
        raise Invalid("invalid_mail_body", field=field, detail=f"The body is 1 to {MAX_BODY_CHARS} characters.")
