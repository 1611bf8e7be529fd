"""Outgoing messages: address checks and the MIME shape every mail has (plain text with an HTML
alternative, a stable Message-ID, a Date)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from email.errors import MessageDefect
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol, cast

from fairlx.core.errors import Invalid

MAX_ADDRESS_LENGTH = 320
MAX_LOCAL_PART_LENGTH = 64
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HEADERS = HeaderRegistry()


class _ParsedAddressHeader(Protocol):
    defects: tuple[MessageDefect, ...]
    addresses: tuple[Address, ...]


def parse_address(value: str, *, require_dotted_domain: bool = True) -> Address:
    """One mailbox (`ada@example.com` or `Ada <ada@example.com>`), or ValueError saying why not."""
    if len(value) > MAX_ADDRESS_LENGTH or "\r" in value or "\n" in value:
        raise ValueError("is too long or spans lines")
    try:
        header = cast(_ParsedAddressHeader, _HEADERS("to", value))
    except (IndexError, ValueError) as error:  # the parser gives up on some truncated addresses
        raise ValueError("cannot be parsed") from error
    if header.defects or len(header.addresses) != 1:
        raise ValueError("is not exactly one well-formed address")
    address = header.addresses[0]
    if not address.username or len(address.username) > MAX_LOCAL_PART_LENGTH or not address.username.isascii():
        raise ValueError("has no usable local part")
    _check_domain(address.domain, require_dotted_domain)
    return address


def _check_domain(domain: str, require_dot: bool) -> None:
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError("has a domain that cannot be encoded") from error
    labels = ascii_domain.split(".")
    if not all(_DOMAIN_LABEL.fullmatch(label) for label in labels) or (require_dot and len(labels) < 2):
        raise ValueError("has no valid domain")


def normalize_recipients(to: str | Sequence[str], *, field: str = "to") -> list[str]:
    """The recipients in canonical form; `Invalid` naming `field` for the first bad one."""
    given = [to] if isinstance(to, str) else list(to)
    if not given:
        raise Invalid("recipient_required", field=field, detail="Give at least one recipient.")
    recipients: list[str] = []
    for value in given:
        try:
            recipients.append(str(parse_address(value)))
        except ValueError as error:
            raise Invalid("invalid_email", field=field, detail=f"{value!r} is not a valid email address.") from error
    return recipients


def message_id_for(job_id: uuid.UUID, mail_from: str) -> str:
    """The same id on every attempt of one job, so a receiver can drop a repeated delivery."""
    return f"<{job_id}@{parse_address(mail_from, require_dotted_domain=False).domain}>"


def compose(
    *,
    mail_from: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
