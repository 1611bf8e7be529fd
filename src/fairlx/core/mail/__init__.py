"""Outgoing mail: queued as outbox jobs, sent by `mail.send` to SMTP or written to `.eml` files."""

from fairlx.core.mail.backends import FileMailer, MailConfigError, Mailer, SmtpConfig, SmtpMailer, build_mailer
from fairlx.core.mail.queue import MAIL_SEND, queue_mail

__all__ = [
    "MAIL_SEND",
    "FileMailer",
    "MailConfigError",
    "Mailer",
    "SmtpConfig",
    "SmtpMailer",
    "build_mailer",
    "queue_mail",
]
