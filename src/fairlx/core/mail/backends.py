"""Where outgoing mail goes: `.eml` files in the data folder (embedded) or an SMTP server.

`FAIRLX_SMTP_URL` forms (user and password URL-encoded):
- `smtp://user:pass@host:25`: plain SMTP, no TLS (a relay on a trusted network);
- `smtp://user:pass@host:587?starttls=true`: upgrade with STARTTLS, refusing to send if it fails;
- `smtps://user:pass@host:465`: TLS from the first byte.
`?timeout=SECONDS` (default 30) bounds each connection.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass
from email.headerregistry import DateHeader
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import structlog

from fairlx.core.clock import utcnow
from fairlx.core.mail.message import parse_address
from fairlx.settings import Settings

log = structlog.get_logger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
_SMTP_PARAMETERS = frozenset({"starttls", "timeout"})
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")

Security = Literal["plain", "starttls", "tls"]


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def ping(self) -> None:
        """Raise when mail cannot be handed over (`fairlx check`)."""

    def describe(self) -> str: ...


class MailConfigError(ValueError):
    pass


class FileMailer:
    """Writes each message as an `.eml` file named by its date and Message-ID (a retry overwrites it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> None:
        path = await asyncio.to_thread(self._write, message)
        log.info("mail_saved", path=str(path), to=message["To"], subject=message["Subject"])

    def _write(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / _file_name(message)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
        try:
            draft.write_bytes(message.as_bytes())
            os.replace(draft, path)
        finally:
            draft.unlink(missing_ok=True)
        return path

    async def ping(self) -> None:
        await asyncio.to_thread(self._check_writable)

    def _check_writable(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise PermissionError(f"{self.folder} is not writable")

    def describe(self) -> str:
        return f"mail files in {self.folder}"


def _file_name(message: EmailMessage) -> str:
    date_header = message["Date"]
    sent = date_header.datetime if isinstance(date_header, DateHeader) else utcnow()
    message_id = str(message["Message-ID"] or secrets.token_hex(8)).strip("<>").split("@")[0]
    return f"{sent:%Y%m%dT%H%M%SZ}-{_UNSAFE_FILE_CHARS.sub('_', message_id)}.eml"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _client(self) -> aiosmtplib.SMTP:
        """A client that connects (with TLS or STARTTLS as configured) and logs in on entering `async with`."""
        config = self.config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            timeout=config.timeout,
        )

    async def send(self, message: EmailMessage) -> None:
        async with self._client() as client:
            await client.send_message(message)

    async def ping(self) -> None:
        async with self._client() as client:
            await client.noop()

    def describe(self) -> str:
        return f"smtp {self.config.host}:{self.config.port} ({self.config.security})"


def build_mailer(settings: Settings) -> Mailer:
    try:
        parse_address(settings.mail_from, require_dotted_domain=False)
    except ValueError as error:
        raise MailConfigError(f"FAIRLX_MAIL_FROM: {settings.mail_from!r} {error}") from None
    if settings.smtp_url:
        return SmtpMailer(parse_smtp_url(settings.smtp_url))
    return FileMailer(settings.mail_dir)


def parse_smtp_url(url: str) -> SmtpConfig:
    parsed = urlsplit(url)
    if parsed.scheme not in {"smtp", "smtps"}:
        raise _smtp_url_error(f"unsupported scheme {parsed.scheme!r}")
    if not parsed.hostname:
        raise _smtp_url_error("no host")
    parameters = _single_values(parsed.query)
    security = _security(parsed.scheme, parameters.get("starttls"))
    try:
        port = parsed.port or _DEFAULT_PORTS[security]
    except ValueError:
        raise _smtp_url_error("the port is not a number between 0 and 65535") from None
    return SmtpConfig(
        host=parsed.hostname,
        port=port,
        security=security,
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password is not None else None,
        timeout=_timeout(parameters.get("timeout")),
    )


def _security(scheme: str, starttls: str | None) -> Security:
    if starttls is None:
        return "tls" if scheme == "smtps" else "plain"
    if scheme == "smtps":
        raise _smtp_url_error("smtps:// is TLS from the start; starttls applies to smtp:// only")
    if starttls.lower() in _TRUE:
        return "starttls"
    if starttls.lower() in _FALSE:
        return "plain"
    raise _smtp_url_error("starttls is true or false")


def _timeout(value: str | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise _smtp_url_error("timeout is a number of seconds between 0 and 600")
    return seconds


def _single_values(query: str) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True)
    unknown = set(values) - _SMTP_PARAMETERS
    if unknown:
        raise _smtp_url_error(f"unknown parameter(s) {', '.join(sorted(unknown))}")
    if any(len(given) > 1 for given in values.values()):
        raise _smtp_url_error("a parameter is given twice")
    return {name: given[0] for name, given in values.items()}


def _smtp_url_error(problem: str) -> MailConfigError:
    return MailConfigError(
        f"FAIRLX_SMTP_URL: {problem} (expected smtp://user:pass@host:587?starttls=true or smtps://user:pass@host:465)"
    )
