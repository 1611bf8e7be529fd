"""Accounts: registration, email verification, passwords, sign-in (with the hand-off to a second
factor), sessions, magic links, onboarding and account deletion.

Answers that could reveal whether an email has an account (register, resend, forgot, magic link) are
the same either way; the difference goes to the mailbox owner only.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.apitokens.models import ApiToken
from fairlx.apitokens.service import revoke_all_tokens
from fairlx.auth import onetime, sessions
from fairlx.auth.actor import Actor
from fairlx.auth.audit import record_event
from fairlx.auth.models import (
    AccountType,
    AuthEventKind,
    OneTimeToken,
    SignInMethod,
    TokenPurpose,
    User,
    UserSession,
)
from fairlx.auth.policy import check_password
from fairlx.auth.sessions import ClientInfo, IssuedSession
from fairlx.core.clock import utcnow
from fairlx.core.db import commit_then_raise
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.outbox import emit
from fairlx.core.storage.jobs import DELETE_STORED_FILE
from fairlx.oauth.models import OAuthIdentity
from fairlx.twofactor import service as twofactor
from fairlx.twofactor.models import EmailCode, RecoveryCode, TwoFactorSettings
from fairlx.web.mail import queue_templated_mail

DELETED_NAME = "Deleted user"


@dataclass(frozen=True)
class SignedIn:
    user: User
    session: IssuedSession


@dataclass(frozen=True)
class SecondFactorRequired:
    user: User
    challenge_token: str
    methods: list[str]


SignInOutcome = SignedIn | SecondFactorRequired

# Checks that can refuse an account deletion (the last owner of an organization or workspace, say):
# each returns the reason, or None. Domains that own such resources register one at import time.
DeletionGuard = Callable[[AsyncSession, uuid.UUID], Awaitable[str | None]]
DELETION_GUARDS: list[DeletionGuard] = []


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    return await db.scalar(select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None)))


def link(infra: Infrastructure, path: str) -> str:
    return f"{infra.settings.public_url.rstrip('/')}{path}"


# --- registration and verification -------------------------------------------------------------


async def register(
    db: AsyncSession, infra: Infrastructure, *, name: str, email: str, password: str, client: ClientInfo
) -> None:
    """Create an unverified account and mail its verification link. An address that already has an
    account gets a mail saying so instead, and the caller sees exactly the same answer."""
    email = normalize_email(email)
    check_password(password, email)
    existing = await db.scalar(select(User).where(User.email == email))
    if existing is not None:
        if existing.deleted_at is None:
            await _mail_account_exists(db, infra, existing)
        return
    user = User(
        email=email,
        name=name.strip(),
        password_hash=infra.passwords.hash(password),
        password_changed_at=utcnow(),
        terms_version=infra.settings.terms_version,
        terms_accepted_at=utcnow(),
    )
    db.add(user)
    await db.flush()
    record_event(db, AuthEventKind.REGISTERED, user.id, client, terms_version=user.terms_version)
    await _mail_verification(db, infra, user, client)


async def _mail_verification(db: AsyncSession, infra: Infrastructure, user: User, client: ClientInfo | None) -> None:
    token = await onetime.issue(db, user.id, TokenPurpose.VERIFY_EMAIL, client)
    await queue_templated_mail(
        db,
        to=user.email,
        subject="Confirm your email address",
        template="auth/mail/verify_email",
        context={"name": user.name, "link": link(infra, f"/verify-email?token={token}")},
    )


async def _mail_account_exists(db: AsyncSession, infra: Infrastructure, user: User) -> None:
    await queue_templated_mail(
        db,
        to=user.email,
        subject="You already have an account",
        template="auth/mail/account_exists",
        context={"name": user.name, "link": link(infra, "/forgot-password")},
    )


async def verify_email(db: AsyncSession, infra: Infrastructure, token: str, client: ClientInfo) -> SignInOutcome:
    """Mark the address verified and sign the user in (the link proved they own the mailbox)."""
    used = await onetime.consume(db, token, TokenPurpose.VERIFY_EMAIL)
    user = await _live_user(db, used.user_id)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record_event(db, AuthEventKind.EMAIL_VERIFIED, user.id, client)
        sessions.forget_user(db, infra.cache, user.id)
    return await begin_sign_in(db, infra, user, SignInMethod.EMAIL_VERIFICATION, client)


async def resend_verification(db: AsyncSession, infra: Infrastructure, email: str, client: ClientInfo) -> None:
    user = await user_by_email(db, email)
    if user is not None and user.email_verified_at is None:
        await _mail_verification(db, infra, user, client)


# --- passwords --------------------------------------------------------------------------------


async def forgot_password(db: AsyncSession, infra: Infrastructure, email: str, client: ClientInfo) -> None:
    user = await user_by_email(db, email)
    if user is None:
        return
    token = await onetime.issue(db, user.id, TokenPurpose.RESET_PASSWORD, client)
    await queue_templated_mail(
        db,
        to=user.email,
        subject="Reset your password",
        template="auth/mail/reset_password",
        context={"name": user.name, "link": link(infra, f"/reset-password?token={token}")},
    )


async def reset_password(
    db: AsyncSession, infra: Infrastructure, token: str, new_password: str, client: ClientInfo
) -> SignInOutcome:
    """Set a new password from a reset link: every existing session ends, and this browser signs in."""
    row = await onetime.find_live(db, token, TokenPurpose.RESET_PASSWORD)
    user = await _live_user(db, row.user_id)
    check_password(new_password, user.email)
    await onetime.consume(db, token, TokenPurpose.RESET_PASSWORD)
    _set_password(db, infra, user, new_password)
    user.must_reset_password = False
    user.email_verified_at = user.email_verified_at or utcnow()  # the link proved the mailbox
    await sessions.end_sessions(db, infra.cache, user.id)
    record_event(db, AuthEventKind.PASSWORD_RESET, user.id, client)
    return await begin_sign_in(db, infra, user, SignInMethod.PASSWORD_RESET, client)


async def change_password(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    current: str | None,
    new_password: str,
    client: ClientInfo,
) -> None:
    """Change the password (the current one is required when there is one); other sessions end."""
    user = await _live_user(db, actor.user_id)
    if user.has_password and not infra.passwords.verify(user.password_hash, current or "").matches:
        raise Invalid("wrong_password", field="current_password", detail="The current password is not correct.")
    check_password(new_password, user.email, field="new_password")
    if user.has_password and current == new_password:
        raise Invalid("password_unchanged", field="new_password", detail="Choose a password you have not used here.")
    _set_password(db, infra, user, new_password)
    user.must_reset_password = False
    await sessions.end_sessions(db, infra.cache, user.id, keep=actor.session_id)
    record_event(db, AuthEventKind.PASSWORD_CHANGED, user.id, client)


def _set_password(db: AsyncSession, infra: Infrastructure, user: User, password: str) -> None:
    user.password_hash = infra.passwords.hash(password)
    user.password_changed_at = utcnow()
    sessions.forget_user(db, infra.cache, user.id)


# --- signing in -------------------------------------------------------------------------------


async def login(
    db: AsyncSession, infra: Infrastructure, email: str, password: str, client: ClientInfo
) -> SignInOutcome:
    user = await user_by_email(db, email)
    check = infra.passwords.verify(user.password_hash if user else None, password)
    if user is None or not check.matches:
        record_event(db, AuthEventKind.LOGIN_FAILED, user.id if user else None, client, email=normalize_email(email))
        await commit_then_raise(db, Unauthorized("invalid_credentials", "The email or password is not correct."))
    if check.needs_rehash:
        user.password_hash = infra.passwords.hash(password)
    if user.email_verified_at is None:
        raise Forbidden(
            "email_unverified",
            "Confirm your email address first: open the link we mailed you, or ask for a new one.",
            extra={"resend": "/api/v1/auth/resend-verification"},
        )
    return await begin_sign_in(db, infra, user, SignInMethod.PASSWORD, client)


async def begin_sign_in(
    db: AsyncSession, infra: Infrastructure, user: User, method: SignInMethod, client: ClientInfo
) -> SignInOutcome:
    """The first factor is proven: open a session, or a challenge when the user has a second factor."""
    if user.suspended_at is not None:
        raise Forbidden("account_suspended", "This account is suspended; contact your organization's administrator.")
    methods = await twofactor.enabled_methods(db, user.id)
    if methods:
        challenge = await onetime.issue(db, user.id, TokenPurpose.TWO_FACTOR_CHALLENGE, client)
        return SecondFactorRequired(user, challenge, [method.value for method in methods])
    return await complete_sign_in(db, user, method, client)


async def complete_sign_in(db: AsyncSession, user: User, method: SignInMethod, client: ClientInfo) -> SignedIn:
    issued = await sessions.start_session(db, user, method, client)
    record_event(db, AuthEventKind.LOGIN, user.id, client, method=method.value)
    return SignedIn(user, issued)


async def request_magic_link(db: AsyncSession, infra: Infrastructure, email: str, client: ClientInfo) -> None:
    user = await user_by_email(db, email)
    if user is None or user.suspended_at is not None:
        return
    token = await onetime.issue(db, user.id, TokenPurpose.MAGIC_LINK, client)
    await queue_templated_mail(
        db,
        to=user.email,
        subject=f"Your sign-in link for {infra.settings.public_url.split('://', 1)[-1]}",
        template="auth/mail/magic_link",
        context={"name": user.name, "link": link(infra, f"/magic-link?token={token}")},
    )


async def sign_in_with_magic_link(
    db: AsyncSession, infra: Infrastructure, token: str, client: ClientInfo
) -> SignInOutcome:
    used = await onetime.consume(db, token, TokenPurpose.MAGIC_LINK)
    user = await _live_user(db, used.user_id)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        sessions.forget_user(db, infra.cache, user.id)
    record_event(db, AuthEventKind.MAGIC_LINK_USED, user.id, client)
    return await begin_sign_in(db, infra, user, SignInMethod.MAGIC_LINK, client)


# --- sessions ---------------------------------------------------------------------------------


async def logout(db: AsyncSession, infra: Infrastructure, actor: Actor, client: ClientInfo) -> None:
    if actor.session_id is not None:
        await sessions.end_sessions(db, infra.cache, actor.user_id, only=actor.session_id)
    record_event(db, AuthEventKind.LOGOUT, actor.user_id, client)


async def list_sessions(db: AsyncSession, actor: Actor) -> list[UserSession]:
    query = (
        select(UserSession)
        .where(UserSession.user_id == actor.user_id, UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())
        .limit(200)
    )
    return list(await db.scalars(query))


async def revoke_session(
    db: AsyncSession, infra: Infrastructure, actor: Actor, session_id: uuid.UUID, client: ClientInfo
) -> None:
    if not await sessions.end_sessions(db, infra.cache, actor.user_id, only=session_id):
        raise NotFound("session_not_found", "No such session.")
    record_event(db, AuthEventKind.SESSIONS_REVOKED, actor.user_id, client, count=1)


async def logout_everywhere(db: AsyncSession, infra: Infrastructure, actor: Actor, client: ClientInfo) -> int:
    ended = await sessions.end_sessions(db, infra.cache, actor.user_id)
    record_event(db, AuthEventKind.SESSIONS_REVOKED, actor.user_id, client, count=ended)
    return ended


# --- the account ------------------------------------------------------------------------------


async def current_user(db: AsyncSession, actor: Actor) -> User:
    return await _live_user(db, actor.user_id)


async def choose_account_type(db: AsyncSession, infra: Infrastructure, actor: Actor, account_type: AccountType) -> User:
    """Onboarding's first step. The choice is final; workspace creation follows (tenancy)."""
    user = await _live_user(db, actor.user_id)
    if user.account_type is not None and user.account_type != account_type:
        raise Conflict("account_type_chosen", field="account_type", detail="The account type cannot be changed.")
    user.account_type = account_type
    user.onboarded_at = user.onboarded_at or utcnow()
    sessions.forget_user(db, infra.cache, user.id)
    return user


async def delete_account(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    password: str | None,
    confirm_email: str,
    client: ClientInfo,
) -> None:
    """Erase the account in one transaction: sessions, tokens, identities and second factors go;
    the user row stays as an anonymous tombstone so work it authored keeps a (nameless) author."""
    user = await _live_user(db, actor.user_id)
    if normalize_email(confirm_email) != user.email:
        raise Invalid("confirmation_mismatch", field="confirm_email", detail="Type your email address to confirm.")
    if user.has_password and not infra.passwords.verify(user.password_hash, password or "").matches:
        raise Invalid("wrong_password", field="password", detail="The password is not correct.")
    for guard in DELETION_GUARDS:
        reason = await guard(db, user.id)
        if reason is not None:
            raise Conflict("last_owner", detail=reason)
    await sessions.end_sessions(db, infra.cache, user.id)
    await revoke_all_tokens(db, infra.cache, user.id)
    for model in (ApiToken, OAuthIdentity, TwoFactorSettings, EmailCode, RecoveryCode, OneTimeToken):
        await db.execute(delete(model).where(model.user_id == user.id))
    if user.avatar_key:
        await emit(db, DELETE_STORED_FILE, {"key": user.avatar_key})
    _anonymise(user)
    record_event(db, AuthEventKind.ACCOUNT_DELETED, None, client, deleted_user=str(user.id))
    sessions.forget_user(db, infra.cache, user.id)


def _anonymise(user: User) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = DELETED_NAME
    user.password_hash = None
    user.avatar_key = None
    user.phone = user.linkedin_url = user.portfolio_url = None
    user.working_domain = user.job_role = user.designation = None
    user.tools = []
    user.deleted_at = utcnow()


async def _live_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    return user
