"""Every knob of Fairlx, read from `FAIRLX_*` environment variables (or a `.env` file).

Each part of the system is picked by a URL; an unset URL selects the embedded backend, so
`fairlx serve` with no settings at all is a complete system under the data folder.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRLX_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Folder for the embedded database, local files, outgoing mail and the generated secret key.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (`postgresql+asyncpg://...`); unset: SQLite file `fairlx.db` in the data folder.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for cache, rate limits, locks and job wake-ups; unset: in-process memory.",
    )
    redis_prefix: str = Field(default="fairlx:", description="Prefix of every Redis key Fairlx writes.")
    storage_url: str | None = Field(
        default=None,
        description="`file:///path` or `s3://bucket?endpoint=https://...`; unset: `files/` in the data folder.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="`smtp://user:pass@host:587?starttls=true` or `smtps://...:465`; unset: mail saved as .eml files.",
    )
    mail_from: str = Field(default="Fairlx <no-reply@localhost>", description="Sender of outgoing mail.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key for signing and encryption; unset: generated once into `secret_key` in the data folder.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Address users reach Fairlx at (links in mail, cookies)."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted for `X-Forwarded-For`/`-Proto` (comma-separated, `*` for any): the client "
        "address behind them is what rate limits and audit logs see.",
    )
    log_format: Literal["auto", "console", "json"] = Field(
        default="auto", description="`json` for log collectors, `console` for people; `auto` picks by terminal."
    )
    log_level: str = Field(default="INFO", description="Lowest level logged.")
    dispatcher: Literal["embedded", "off"] = Field(
        default="embedded",
        description="`embedded` runs background jobs inside `fairlx serve`; `off` leaves them to `fairlx worker`.",
    )
    job_concurrency: int = Field(default=4, ge=1, le=64, description="Jobs one dispatcher runs at the same time.")
    job_poll_seconds: float = Field(
        default=5.0, gt=0, description="Fallback polling interval of the dispatcher when no wake-up arrives."
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body outside upload routes.")
    rate_limits_enabled: bool = Field(default=True, description="Apply the rate-limit presets.")
    rate_limit_overrides: dict[str, str] = Field(
        default_factory=dict,
        description=(
            'Resize rate-limit presets, as JSON: `{"default": "300/minute", "login": "20/minute"}`. Presets: '
            "default (every API request, 100/minute), login (10/minute), register (5/minute), org_create "
            "(5/minute), file_upload (30/minute), write (API writes, 60/minute), magic_link (5/minute), "
            "password_reset (5/minute), two_factor (10/minute). Budgets are per client address, and the sign-in "
            "presets also per account."
        ),
    )
    password_hash_time_cost: int = Field(default=3, ge=1, le=20, description="Argon2id passes per password hash.")
    password_hash_memory_kib: int = Field(
        default=65536, ge=8, description="Argon2id memory per password hash, in KiB (64 MiB by default)."
    )
    terms_version: str = Field(default="2026-01", description="Version of the terms people accept when they sign up.")
    oauth_google_client_id: str | None = Field(
        default=None, description="Google OAuth client id; unset: no Google sign-in button."
    )
    oauth_google_client_secret: SecretStr | None = Field(default=None, description="Google OAuth client secret.")
    oauth_google_issuer: str = Field(
        default="https://accounts.google.com",
        description="OpenID Connect issuer for Google sign-in; its endpoints come from its discovery document.",
    )
    oauth_github_client_id: str | None = Field(
        default=None, description="GitHub OAuth app client id; unset: no GitHub sign-in button."
    )
    oauth_github_client_secret: SecretStr | None = Field(default=None, description="GitHub OAuth app client secret.")
    oauth_github_url: str = Field(default="https://github.com", description="GitHub's web address (authorize, token).")
    oauth_github_api_url: str = Field(default="https://api.github.com", description="GitHub's REST API address.")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS; empty: CORS off.")
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for `/metrics`; unset: metrics are served to loopback clients only."
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Shared folder for Prometheus metrics of several processes; unset: `metrics/` in the data folder.",
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'fairlx.db').resolve()}"

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or (self.data_dir / "files").resolve().as_uri()

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def effective_metrics_dir(self) -> Path:
        return self.metrics_dir or self.data_dir / "metrics"

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @cached_property
    def signing_key(self) -> bytes:
        """The secret key as bytes; generated on first use into the data folder when not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return _load_or_create_secret(self.data_dir / SECRET_KEY_FILE).encode()


def _load_or_create_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    draft.write_text(secrets.token_urlsafe(48))
    draft.chmod(0o600)
    try:
        os.link(draft, path)  # atomic: when two processes start at once, both keep the first key written
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()
