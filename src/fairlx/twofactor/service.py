"""Second factors: TOTP (RFC 6238), one-time codes by email, and recovery codes.

A second factor is asked for after the first one (password, magic link...) proved who someone is:
`auth.service.begin_sign_in` issues a challenge token, and `verify_challenge` turns it into a session.

- TOTP secrets are encrypted at rest; a time step is accepted once (`totp_last_step`), so a code
  cannot be replayed within its window.
- Email codes and recovery codes are stored as keyed digests; an email code lives 5 minutes and
  survives 5 wrong guesses.
- Five wrong codes in a row lock the account's second factor for 15 minutes and burn the challenge.
  Wrong codes must count even though the request fails, so a refusal commits its counters before it
  is raised (`commit_then_raise`; the request's unit of work would otherwise roll them back).
- Turning a factor off or regenerating recovery codes needs the password; an account without a
  password confirms with a current code instead: from the authenticator app, or a confirmation code
  mailed by `mail_confirmation_code` when email codes are on.
"""

from __future__ import annotations

import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
import segno
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth import onetime
from fairlx.auth import service as auth_service
from fairlx.auth.actor import Actor
from fairlx.auth.audit import record_event
from fairlx.auth.models import AuthEventKind, OneTimeToken, SignInMethod, TokenPurpose, User
from fairlx.auth.sessions import ClientInfo
from fairlx.core.clock import utcnow
from fairlx.core.db import commit_then_raise
from fairlx.core.errors import AppError, Conflict, Invalid, NotFound, TooManyRequests
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.security.encryption import DecryptionError, SecretBox
from fairlx.core.security.tokens import keyed_digest, numeric_code, same_secret
from fairlx.twofactor.models import EmailCode, EmailCodePurpose, RecoveryCode, TwoFactorMethod, TwoFactorSettings
from fairlx.web.mail import queue_templated_mail

ISSUER = "Fairlx"
TOTP_BOX_PURPOSE = "totp"
TOTP_VALID_WINDOW = 1  # steps either side of now: a code is good for about 90 seconds
EMAIL_CODE_LIFETIME = timedelta(minutes=5)
EMAIL_CODE_ATTEMPTS = 5
MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: easy to read back from paper
RECOVERY_HALF = 4

ChallengeMethod = Literal["totp", "email", "recovery"]


@dataclass(frozen=True)
class TotpSetup:
    """A pending authenticator-app secret, to be scanned (QR) or typed in (secret)."""

    secret: str
    otpauth_uri: str
    qr_svg: str

    @property
    def secret_groups(self) -> list[str]:
        return [self.secret[index : index + 4] for index in range(0, len(self.secret), 4)]


@dataclass(frozen=True)
class Overview:
    methods: list[TwoFactorMethod]
    recovery_codes_left: int
    pending_totp: TotpSetup | None
    email_code_pending: bool  # a live setup or confirmation code is in the user's mailbox
    locked_until: datetime | None


@dataclass(frozen=True)
class Enabled:
    methods: list[TwoFactorMethod]
    recovery_codes: list[str] | None  # only when this change created them; shown once


@dataclass(frozen=True)
class ChallengeView:
    methods: list[TwoFactorMethod]
    email_hint: str
    has_recovery_codes: bool


def _methods(settings: TwoFactorSettings | None) -> list[TwoFactorMethod]:
    if settings is None:
        return []
    methods = []
    if settings.totp_enabled_at is not None:
        methods.append(TwoFactorMethod.TOTP)
    if settings.email_enabled_at is not None:
        methods.append(TwoFactorMethod.EMAIL)
    return methods


async def enabled_methods(db: AsyncSession, user_id: uuid.UUID) -> list[TwoFactorMethod]:
    """The second factors a user has turned on, TOTP first (it is preferred at sign-in)."""
    return _methods(await db.get(TwoFactorSettings, user_id))


# --- status -----------------------------------------------------------------------------------


async def overview(db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID) -> Overview:
    settings = await db.get(TwoFactorSettings, user_id)
    pending = None
    if settings is not None and settings.totp_pending_secret_encrypted and settings.totp_enabled_at is None:
        user = await _live_user(db, user_id)
        pending = _totp_setup(_reveal(infra, settings.totp_pending_secret_encrypted), user.email)
    live_code = await _live_email_code(db, user_id, EmailCodePurpose.ENABLE)
    locked_until = settings.locked_until if settings and _is_locked(settings) else None
    return Overview(
        methods=_methods(settings),
        recovery_codes_left=await _recovery_codes_left(db, user_id),
        pending_totp=pending,
        email_code_pending=live_code is not None,
        locked_until=locked_until,
    )


# --- TOTP -------------------------------------------------------------------------------------


async def begin_totp_setup(db: AsyncSession, infra: Infrastructure, actor: Actor) -> TotpSetup:
    """A fresh pending secret (replacing any earlier pending one), until `enable_totp` confirms it."""
    user = await _live_user(db, actor.user_id)
    settings = await _settings_row(db, user.id)
    if settings.totp_enabled_at is not None:
        raise Conflict("totp_enabled", "An authenticator app is already set up; turn it off first to replace it.")
    secret = pyotp.random_base32()
    settings.totp_pending_secret_encrypted = _box(infra).encrypt(secret)
    return _totp_setup(secret, user.email)


async def cancel_totp_setup(db: AsyncSession, actor: Actor) -> None:
    settings = await _settings_for_update(db, actor.user_id)
    if settings is not None:
        settings.totp_pending_secret_encrypted = None


async def enable_totp(db: AsyncSession, infra: Infrastructure, actor: Actor, code: str, client: ClientInfo) -> Enabled:
    user = await _live_user(db, actor.user_id)
    settings = await _settings_for_update(db, user.id)
    if settings is not None and settings.totp_enabled_at is not None:
        raise Conflict("totp_enabled", "An authenticator app is already set up.")
    if settings is None or not settings.totp_pending_secret_encrypted:
        raise Conflict("totp_setup_missing", "Start the authenticator app setup first.")
    secret = _reveal(infra, settings.totp_pending_secret_encrypted)
    step = _matching_step(secret, code, settings.totp_last_step)
    if step is None:
        raise _code_invalid()
    settings.totp_secret_encrypted = settings.totp_pending_secret_encrypted
    settings.totp_pending_secret_encrypted = None
    settings.totp_enabled_at = utcnow()
    settings.totp_last_step = step  # the code that confirmed the setup cannot also sign in
    record_event(db, AuthEventKind.TWO_FACTOR_ENABLED, user.id, client, method=TwoFactorMethod.TOTP.value)
    return Enabled(_methods(settings), await _recovery_codes_if_none(db, infra, user.id))


def _totp_setup(secret: str, email: str) -> TotpSetup:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return TotpSetup(secret=secret, otpauth_uri=uri, qr_svg=qr_svg(uri))


def qr_svg(text: str) -> str:
    """An SVG QR code of `text`: paths only, no style attributes or scripts (safe under our CSP)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, scale=4, border=2, svgclass="qr", lineclass=None
    )
    return buffer.getvalue().decode()


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to (now, or one either side), unless that step was used already."""
    candidate = _digits(code)
    if len(candidate) != 6:
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(candidate, for_time=utcnow(), valid_window=TOTP_VALID_WINDOW)
    except OTPVerificationError:
        return None
    if last_step is not None and step <= last_step:
        return None
    return step


# --- email codes ------------------------------------------------------------------------------


async def begin_email_setup(db: AsyncSession, infra: Infrastructure, actor: Actor) -> None:
    """Mail a code that proves the mailbox receives our codes; `enable_email` takes it."""
    user = await _live_user(db, actor.user_id)
    settings = await _settings_row(db, user.id)
    if settings.email_enabled_at is not None:
        raise Conflict("email_enabled", "Email codes are already turned on.")
    await _mail_code(db, infra, user, EmailCodePurpose.ENABLE, "to turn on email codes")


async def enable_email(db: AsyncSession, infra: Infrastructure, actor: Actor, code: str, client: ClientInfo) -> Enabled:
    user = await _live_user(db, actor.user_id)
    settings = await _settings_row(db, user.id)
    if settings.email_enabled_at is not None:
        raise Conflict("email_enabled", "Email codes are already turned on.")
    if not await _check_email_code(db, infra, user.id, EmailCodePurpose.ENABLE, code):
        await commit_then_raise(db, _code_invalid())
    settings.email_enabled_at = utcnow()
    record_event(db, AuthEventKind.TWO_FACTOR_ENABLED, user.id, client, method=TwoFactorMethod.EMAIL.value)
    return Enabled(_methods(settings), await _recovery_codes_if_none(db, infra, user.id))


async def mail_confirmation_code(db: AsyncSession, infra: Infrastructure, actor: Actor) -> None:
    """For accounts without a password: a code by mail that confirms turning a factor off or
    regenerating recovery codes (only when email codes are on; otherwise the app's code does)."""
    user = await _live_user(db, actor.user_id)
    settings = await _settings_for_update(db, user.id)
    if settings is None or settings.email_enabled_at is None:
        raise Conflict("email_not_enabled", "Email codes are not turned on for this account.")
    _refuse_while_locked(settings)
    await _mail_code(db, infra, user, EmailCodePurpose.ENABLE, "to confirm a change to your two-factor settings")


async def _mail_code(
    db: AsyncSession, infra: Infrastructure, user: User, purpose: EmailCodePurpose, reason: str
) -> None:
    """A new 6-digit code for `purpose`; earlier unused ones stop working."""
    now = utcnow()
    await db.execute(
        update(EmailCode)
        .where(EmailCode.user_id == user.id, EmailCode.purpose == purpose, EmailCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = numeric_code(6)
    db.add(
        EmailCode(
            user_id=user.id,
            purpose=purpose,
            code_digest=_email_code_digest(infra, code),
            created_at=now,
            expires_at=now + EMAIL_CODE_LIFETIME,
            attempts=0,
        )
    )
    kind = "sign-in" if purpose == EmailCodePurpose.SIGN_IN else "confirmation"
    await queue_templated_mail(
        db,
        to=user.email,
        subject=f"{code} is your {ISSUER} {kind} code",
        template="twofactor/mail/email_code",
        context={
            "name": user.name,
            "code": code,
            "reason": reason,
            "minutes": int(EMAIL_CODE_LIFETIME.total_seconds() // 60),
        },
    )


async def _live_email_code(db: AsyncSession, user_id: uuid.UUID, purpose: EmailCodePurpose) -> EmailCode | None:
    return await db.scalar(
        select(EmailCode)
        .where(
            EmailCode.user_id == user_id,
            EmailCode.purpose == purpose,
            EmailCode.used_at.is_(None),
            EmailCode.expires_at > utcnow(),
        )
        .order_by(EmailCode.created_at.desc())
        .limit(1)
    )


async def _check_email_code(
    db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID, purpose: EmailCodePurpose, code: str
) -> bool:
    """Use the live code up when `code` is it. A wrong guess counts; the fifth burns the code. No live
    code at all is its own refusal: nothing was guessed, so nothing counts."""
    row = await _live_email_code(db, user_id, purpose)
    if row is None:
        raise Invalid("code_expired", field="code", detail="This code has expired or was replaced; ask for a new one.")
    if same_secret(_email_code_digest(infra, _digits(code)), row.code_digest):
        row.used_at = utcnow()
        return True
    row.attempts += 1
    if row.attempts >= EMAIL_CODE_ATTEMPTS:
        row.used_at = utcnow()
    return False


def _email_code_digest(infra: Infrastructure, code: str) -> str:
    return keyed_digest(infra.settings.signing_key, "two-factor-email-code", code)


# --- recovery codes ---------------------------------------------------------------------------


async def regenerate_recovery_codes(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    password: str | None,
    code: str | None,
    client: ClientInfo,
) -> list[str]:
    """A new set of recovery codes; every earlier one stops working."""
    user = await _live_user(db, actor.user_id)
    settings = await _settings_for_update(db, user.id)
    if not _methods(settings):
        raise Conflict("two_factor_not_enabled", "Turn on a second factor first.")
    assert settings is not None
    await _confirm_presence(db, infra, user, settings, password=password, code=code, client=client)
    codes = await _new_recovery_codes(db, infra, user.id)
    record_event(db, AuthEventKind.RECOVERY_CODES_REGENERATED, user.id, client, count=len(codes))
    return codes


async def _recovery_codes_if_none(db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID) -> list[str] | None:
    if await _recovery_codes_left(db, user_id) > 0:
        return None
    return await _new_recovery_codes(db, infra, user_id)


async def _new_recovery_codes(db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID) -> list[str]:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(RecoveryCode(user_id=user_id, code_digest=_recovery_digest(infra, code)) for code in codes)
    await db.flush()
    return codes


def _new_recovery_code() -> str:
    characters = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(2 * RECOVERY_HALF))
    return f"{characters[:RECOVERY_HALF]}-{characters[RECOVERY_HALF:]}"


def _recovery_digest(infra: Infrastructure, code: str) -> str:
    normalized = "".join(character for character in code.upper() if character.isalnum())
    return keyed_digest(infra.settings.signing_key, "two-factor-recovery-code", normalized)


async def _recovery_codes_left(db: AsyncSession, user_id: uuid.UUID) -> int:
    count = await db.scalar(select(func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))
    return int(count or 0)


async def _use_recovery_code(
    db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID, code: str, client: ClientInfo
) -> bool:
    digest = _recovery_digest(infra, code)
    rows = await db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))
    found = None
    for row in rows:  # compare every one, in constant time each
        if same_secret(digest, row.code_digest):
            found = row
    if found is None:
        return False
    used = await db.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == found.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record_event(
        db, AuthEventKind.RECOVERY_CODE_USED, user_id, client, remaining=await _recovery_codes_left(db, user_id)
    )
    return True


# --- signing in -------------------------------------------------------------------------------


async def challenge_owner(db: AsyncSession, challenge_token: str) -> uuid.UUID:
    """Whose sign-in a live challenge belongs to (for the per-account rate limit)."""
    challenge = await _live_challenge(db, challenge_token)
    return challenge.user_id


async def challenge_view(db: AsyncSession, challenge_token: str) -> ChallengeView:
    """What the challenge page shows: the user's factors and a hint of the address codes go to."""
    challenge = await _live_challenge(db, challenge_token)
    user = await _live_user(db, challenge.user_id)
    return ChallengeView(
        methods=await enabled_methods(db, user.id),
        email_hint=mask_email(user.email),
        has_recovery_codes=await _recovery_codes_left(db, user.id) > 0,
    )


async def mail_sign_in_code(db: AsyncSession, infra: Infrastructure, challenge_token: str) -> str:
    """Mail a sign-in code to the owner of a live challenge; returns the masked address."""
    challenge = await _live_challenge(db, challenge_token)
    user = await _live_user(db, challenge.user_id)
    settings = await _settings_for_update(db, user.id)
    if settings is None or settings.email_enabled_at is None:
        raise Conflict("email_not_enabled", "Email codes are not turned on for this account.")
    _refuse_while_locked(settings)
    await _mail_code(db, infra, user, EmailCodePurpose.SIGN_IN, "to finish signing in")
    return mask_email(user.email)


async def verify_challenge(
    db: AsyncSession,
    infra: Infrastructure,
    challenge_token: str,
    *,
    code: str,
    method: ChallengeMethod,
    client: ClientInfo,
) -> auth_service.SignedIn:
    """The second factor of a sign-in: a good code uses up the challenge and opens the session."""
    challenge = await _live_challenge(db, challenge_token)
    user = await _live_user(db, challenge.user_id)
    settings = await _settings_for_update(db, user.id)
    methods = _methods(settings)
    if settings is None or not methods:
        raise Conflict("two_factor_not_enabled", "Two-factor authentication is off for this account; sign in again.")
    _refuse_while_locked(settings)
    if method != "recovery" and TwoFactorMethod(method) not in methods:
        raise Invalid("method_not_enabled", field="method", detail="This method is not turned on for this account.")
    if not await _check_code(db, infra, user, settings, method=method, code=code, client=client):
        await commit_then_raise(
            db, _count_failure(db, settings, user.id, method=method, client=client, challenge=challenge)
        )
    settings.failed_attempts = 0
    settings.locked_until = None
    await onetime.consume(db, challenge_token, TokenPurpose.TWO_FACTOR_CHALLENGE, field="challenge_token")
    return await auth_service.complete_sign_in(db, user, SignInMethod.TWO_FACTOR, client)


async def _live_challenge(db: AsyncSession, challenge_token: str) -> OneTimeToken:
    return await onetime.find_live(db, challenge_token, TokenPurpose.TWO_FACTOR_CHALLENGE, field="challenge_token")


async def _check_code(
    db: AsyncSession,
    infra: Infrastructure,
    user: User,
    settings: TwoFactorSettings,
    *,
    method: ChallengeMethod,
    code: str,
    client: ClientInfo,
) -> bool:
    if method == "totp":
        assert settings.totp_secret_encrypted is not None
        step = _matching_step(_reveal(infra, settings.totp_secret_encrypted), code, settings.totp_last_step)
        if step is None:
            return False
        settings.totp_last_step = step
        return True
    if method == "email":
        return await _check_email_code(db, infra, user.id, EmailCodePurpose.SIGN_IN, code)
    return await _use_recovery_code(db, infra, user.id, code, client)


def _count_failure(
    db: AsyncSession,
    settings: TwoFactorSettings,
    user_id: uuid.UUID,
    *,
    method: str,
    client: ClientInfo,
    challenge: OneTimeToken | None,
) -> AppError:
    """Count a wrong code; the fifth in a row locks the second factor (and burns the challenge)."""
    settings.failed_attempts += 1
    if challenge is not None:
        challenge.failed_attempts += 1
    record_event(db, AuthEventKind.TWO_FACTOR_FAILED, user_id, client, method=method)
    if settings.failed_attempts < MAX_FAILURES:
        return _code_invalid()
    now = utcnow()
    until = now + LOCK_DURATION
    settings.failed_attempts = 0
    settings.locked_until = until
    if challenge is not None:
        challenge.used_at = now
    record_event(db, AuthEventKind.TWO_FACTOR_LOCKED, user_id, client, until=until.isoformat())
    return _locked(until)


def _is_locked(settings: TwoFactorSettings) -> bool:
    return settings.locked_until is not None and settings.locked_until > utcnow()


def _refuse_while_locked(settings: TwoFactorSettings) -> None:
    if settings.locked_until is not None and _is_locked(settings):
        raise _locked(settings.locked_until)


def _locked(until: datetime) -> TooManyRequests:
    seconds = max(1, int((until - utcnow()).total_seconds() + 0.999))
    minutes = (seconds + 59) // 60
    return TooManyRequests(
        "two_factor_locked",
        f"Too many wrong codes. Two-factor sign-in is locked for {minutes} more minute{'s' if minutes != 1 else ''}.",
        headers={"Retry-After": str(seconds)},
        extra={"retry_after_seconds": seconds},
    )


def _code_invalid() -> Invalid:
    return Invalid("code_invalid", field="code", detail="The code is not correct.")


# --- turning off ------------------------------------------------------------------------------


async def disable(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    password: str | None,
    code: str | None,
    method: TwoFactorMethod | None,
    client: ClientInfo,
) -> list[TwoFactorMethod]:
    """Turn off one factor (or all of them); with the last one go the recovery codes. Returns the
    factors still on."""
    user = await _live_user(db, actor.user_id)
    settings = await _settings_for_update(db, user.id)
    methods = _methods(settings)
    if settings is None or not methods:
        raise Conflict("two_factor_not_enabled", "Two-factor authentication is already off.")
    if method is not None and method not in methods:
        raise Invalid("method_not_enabled", field="method", detail="This method is not turned on.")
    await _confirm_presence(db, infra, user, settings, password=password, code=code, client=client)
    for target in [method] if method is not None else methods:
        if target == TwoFactorMethod.TOTP:
            settings.totp_secret_encrypted = None
            settings.totp_enabled_at = None
            settings.totp_last_step = None
        else:
            settings.email_enabled_at = None
        record_event(db, AuthEventKind.TWO_FACTOR_DISABLED, user.id, client, method=target.value)
    remaining = _methods(settings)
    if not remaining:
        await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        await db.execute(delete(EmailCode).where(EmailCode.user_id == user.id))
        settings.failed_attempts = 0
        settings.locked_until = None
    return remaining


async def _confirm_presence(
    db: AsyncSession,
    infra: Infrastructure,
    user: User,
    settings: TwoFactorSettings,
    *,
    password: str | None,
    code: str | None,
    client: ClientInfo,
) -> None:
    """The password, or (for an account without one) a current code from a factor that is on: the
    app's code, or a confirmation code from `mail_confirmation_code`. Wrong codes count toward the lock."""
    if user.has_password:
        if not infra.passwords.verify(user.password_hash, password or "").matches:
            raise Invalid("wrong_password", field="password", detail="The password is not correct.")
        return
    if not code:
        raise Invalid("code_required", field="code", detail="Enter a code from your authenticator app or email.")
    _refuse_while_locked(settings)
    app_on = settings.totp_secret_encrypted is not None
    if settings.totp_secret_encrypted is not None:
        secret = _reveal(infra, settings.totp_secret_encrypted)
        step = _matching_step(secret, code, settings.totp_last_step)
        if step is not None:
            settings.totp_last_step = step
            settings.failed_attempts = 0
            return
    mailed = settings.email_enabled_at is not None and (
        not app_on or await _live_email_code(db, user.id, EmailCodePurpose.ENABLE) is not None
    )
    if mailed and await _check_email_code(db, infra, user.id, EmailCodePurpose.ENABLE, code):
        settings.failed_attempts = 0
        return
    await commit_then_raise(db, _count_failure(db, settings, user.id, method="confirm", client=client, challenge=None))


# --- helpers ----------------------------------------------------------------------------------


def mask_email(email: str) -> str:
    """ "ada.lovelace@example.com" -> "a***@example.com" """
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _digits(code: str) -> str:
    return "".join(character for character in code if not character.isspace() and character != "-")


def _box(infra: Infrastructure) -> SecretBox:
    return SecretBox(infra.settings.signing_key, TOTP_BOX_PURPOSE)


def _reveal(infra: Infrastructure, stored: str) -> str:
    """The authenticator secret; a clear refusal (not a crash) when it was sealed with another key."""
    try:
        return _box(infra).decrypt(stored)
    except DecryptionError as error:
        raise Conflict(
            "totp_secret_unreadable",
            field="code",
            detail="Codes from your authenticator app cannot be checked on this server (its secret key changed). "
            "Use a recovery code or an email code, then set the app up again.",
        ) from error


async def _settings_for_update(db: AsyncSession, user_id: uuid.UUID) -> TwoFactorSettings | None:
    """The user's row, locked until the transaction ends (PostgreSQL; SQLite writers are serialized
    anyway), so two codes checked at once cannot both use the same time step."""
    return await db.scalar(
        select(TwoFactorSettings)
        .where(TwoFactorSettings.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _settings_row(db: AsyncSession, user_id: uuid.UUID) -> TwoFactorSettings:
    """The user's row (locked), created on first use."""
    settings = await _settings_for_update(db, user_id)
    if settings is None:
        settings = TwoFactorSettings(user_id=user_id, failed_attempts=0)
        db.add(settings)
        await db.flush()
    return settings


async def _live_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    return user
