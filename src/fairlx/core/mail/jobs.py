"""Sends queued mail. Every attempt of one job carries the same Message-ID and Date, so a message a
server accepted just before a crash (and that is sent again) can be recognised as a repeat."""

from __future__ import annotations

from datetime import datetime

from fairlx.core.mail.message import compose, message_id_for
from fairlx.core.mail.queue import MAIL_SEND
from fairlx.core.outbox.registry import JobContext, registry


@registry.handler(MAIL_SEND, retry_base_seconds=30.0, timeout_seconds=120.0)
async def send_mail(job: JobContext) -> None:
    settings = job.infra.settings
    payload = job.payload
    message = compose(
        mail_from=settings.mail_from,
        to=payload["to"],
        subject=payload["subject"],
        text=payload["text"],
        html=payload["html"],
        message_id=message_id_for(job.job_id, settings.mail_from),
        date=datetime.fromisoformat(payload["queued_at"]),
    )
    await job.infra.mailer.send(message)
