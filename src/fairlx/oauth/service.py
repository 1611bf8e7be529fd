"""Signing in with Google or GitHub (authorization code flow with PKCE), and linking such identities
to an account.

A flow is one row: its `state` (stored as a digest), the PKCE verifier (encrypted), the OpenID nonce,
and the digest of a random cookie that binds it to the browser that started it. The callback claims the
row with a conditional update (a state works once), then talks to the provider outside any
transaction, then applies the answer in a second unit of work. That is why `start_flow` and
`complete_flow` take the infrastructure and open their own units of work instead of the request's.

Who signs in: the account the identity is linked to; else, for a link flow, the signed-in user it was
started for; else the account with the same email, but only when both the provider and we have
verified that address; else a new account. Every sign-in goes through `begin_sign_in`, so a second
factor is still asked for.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import Actor
from fairlx.auth.audit import record_event
from fairlx.auth.models import AuthEventKind, SignInMethod, User
from fairlx.auth.service import SignInOutcome, begin_sign_in, link, normalize_email, user_by_email
from fairlx.auth.sessions import ClientInfo
from fairlx.core.clock import utcnow
from fairlx.core.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.security.encryption import DecryptionError, SecretBox
from fairlx.core.security.tokens import new_token, same_secret, token_digest
from fairlx.oauth.models import FlowIntent, OAuthFlow, OAuthIdentity, Provider
from fairlx.oauth.providers import LABELS, AuthorizationRequest, ProviderProfile, adapter_for, clip
from fairlx.settings import Settings
from fairlx.web.guards import HOME_PATH, safe_return_to
from fairlx.web.mail import queue_templated_mail

FLOW_LIFETIME = timedelta(minutes=10)
FLOW_RETENTION = timedelta(days=1)  # spent and expired flows older than this go at the next start
CONNECTIONS_PATH = "/settings/connections"
ENCRYPTION_PURPOSE = "oauth"
BROWSER_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
ICONS = {Provider.GOOGLE: "google", Provider.GITHUB: "github"}
NAME_LENGTH = 120


@dataclass(frozen=True)
class ProviderOption:
    """A configured provider, as the sign-in buttons and the settings page show it."""

    key: str
    label: str
    icon: str


def label_of(provider: Provider) -> str:
    return LABELS[provider]


def provider_enabled(settings: Settings, provider: Provider) -> bool:
    """A provider is offered only when both its client id and secret are set."""
    if provider is Provider.GOOGLE:
        return bool(settings.oauth_google_client_id and settings.oauth_google_client_secret)
    return bool(settings.oauth_github_client_id and settings.oauth_github_client_secret)


def enabled_providers(settings: Settings) -> list[ProviderOption]:
    """The providers to offer, for the `oauth/buttons.html` fragment (`oauth_providers`)."""
    return [
        ProviderOption(provider.value, label_of(provider), ICONS[provider])
        for provider in Provider
        if provider_enabled(settings, provider)
    ]


def enabled_provider(settings: Settings, name: str) -> Provider:
    """The provider named in a URL, refused when unknown or not configured."""
    try:
        provider = Provider(name)
    except ValueError:
        raise NotFound("oauth_provider_unknown", f"There is no sign-in provider called {name[:40]!r}.") from None
    if not provider_enabled(settings, provider):
        raise NotFound("oauth_provider_disabled", f"Signing in with {label_of(provider)} is not set up on this server.")
    return provider


def callback_url(settings: Settings, provider: Provider) -> str:
    return f"{settings.public_url.rstrip('/')}/oauth/{provider.value}/callback"


def code_challenge(verifier: str) -> str:
    """PKCE S256: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- starting a flow ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedFlow:
    authorize_url: str
    browser_token: str  # goes into the browser-binding cookie


async def start_flow(
    infra: Infrastructure,
    provider_name: str,
    *,
    browser_token: str | None,
    return_to: str | None,
    link_for: Actor | None = None,
) -> StartedFlow:
    """Record a new authorization request and answer where to send the browser. With `link_for`, the
    identity the user brings back is linked to that account instead of signing anyone in.

    The browser keeps its binding token across flows (two tabs may sign in at once); a missing or
    malformed one is replaced."""
    settings = infra.settings
    provider = enabled_provider(settings, provider_name)
    if link_for is not None and link_for.session_id is None:
        raise Forbidden("session_required", "Connect accounts from a signed-in browser, not with an API token.")
    state, verifier, nonce = new_token(), new_token(), new_token()
    if browser_token is None or not BROWSER_TOKEN.fullmatch(browser_token):
        browser_token = new_token()
    adapter = adapter_for(provider, settings, infra.cache)
    request = AuthorizationRequest(callback_url(settings, provider), state, code_challenge(verifier), nonce)
    authorize_url = await adapter.authorize_url(request)  # may fetch discovery: before the transaction
    now = utcnow()
    async with infra.db.unit_of_work() as db:
        if link_for is not None:
            await _refuse_second_identity(db, link_for.user_id, provider)
        await db.execute(delete(OAuthFlow).where(OAuthFlow.expires_at < now - FLOW_RETENTION))
        db.add(
            OAuthFlow(
                state_digest=token_digest(state),
                provider=provider,
                intent=FlowIntent.SIGN_IN if link_for is None else FlowIntent.LINK,
                code_verifier_encrypted=_box(settings).encrypt(verifier),
                nonce=nonce,
                browser_digest=token_digest(browser_token),
                user_id=link_for.user_id if link_for else None,
                return_to=safe_return_to(return_to, HOME_PATH if link_for is None else CONNECTIONS_PATH),
                created_at=now,
                expires_at=now + FLOW_LIFETIME,
            )
        )
    return StartedFlow(authorize_url, browser_token)


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.signing_key, ENCRYPTION_PURPOSE)


async def _refuse_second_identity(db: AsyncSession, user_id: uuid.UUID, provider: Provider) -> None:
    linked = await db.scalar(
        select(OAuthIdentity.id).where(OAuthIdentity.user_id == user_id, OAuthIdentity.provider == provider)
    )
    if linked is not None:
        label = label_of(provider)
        raise Conflict(
            "provider_already_linked",
            f"A {label} account is already connected. Disconnect it first to connect a different one.",
        )


# --- the provider sends the browser back --------------------------------------------------------


@dataclass(frozen=True)
class ClaimedFlow:
    """What the callback needs from a flow it has claimed (a plain copy, usable outside the session)."""

    provider: Provider
    intent: FlowIntent
    code_verifier: str
    nonce: str
    user_id: uuid.UUID | None
    return_to: str


@dataclass(frozen=True)
class FlowCompleted:
    provider: Provider
    intent: FlowIntent
    return_to: str
    outcome: SignInOutcome | None  # None: an identity was linked to the signed-in user


@dataclass
class FlowRefused(Exception):
    """The callback failed; the page says why and where to go next (sign-in or settings)."""

    error: AppError
    provider: Provider | None
    intent: FlowIntent

    def __post_init__(self) -> None:
        super().__init__(self.error.detail)


async def complete_flow(
    infra: Infrastructure,
    provider_name: str,
    *,
    state: str | None,
    code: str | None,
    error: str | None,
    error_description: str | None,
    browser_token: str | None,
    client: ClientInfo,
) -> FlowCompleted:
    """Claim the flow, trade the code for the provider's profile, then sign in or link. Raises
    FlowRefused (wrapping the AppError) for anything that stops it."""
    provider: Provider | None = None
    intent = FlowIntent.SIGN_IN
    try:
        provider = enabled_provider(infra.settings, provider_name)
        async with infra.db.unit_of_work() as db:
            flow = await _claim_flow(db, infra.settings, provider, state, browser_token)
        intent = flow.intent
        if error is not None:
            raise _provider_error(provider, error, error_description)
        if not code:
            raise Invalid("oauth_code_missing", f"{label_of(provider)} sent you back without a sign-in code.")
        adapter = adapter_for(provider, infra.settings, infra.cache)
        redirect_uri = callback_url(infra.settings, provider)
        profile = await adapter.fetch_profile(
            code=code, code_verifier=flow.code_verifier, redirect_uri=redirect_uri, nonce=flow.nonce
        )
        async with infra.db.unit_of_work() as db:
            outcome = await _apply(db, infra, flow, profile, client)
    except AppError as refusal:
        raise FlowRefused(refusal, provider, intent) from refusal
    return FlowCompleted(provider, flow.intent, flow.return_to, outcome)


async def _claim_flow(
    db: AsyncSession, settings: Settings, provider: Provider, state: str | None, browser_token: str | None
) -> ClaimedFlow:
    """The flow behind `state`, marked used. Refused when unknown, used, expired or started in
    another browser; a state that loses a race with a second callback is 'used'."""
    start_again = "Start again from the sign-in page."
    row = await db.scalar(select(OAuthFlow).where(OAuthFlow.state_digest == token_digest(state))) if state else None
    if row is None or row.provider is not provider:
        raise Invalid("oauth_state_invalid", f"This sign-in link is not valid. {start_again}")
    if row.used_at is not None:
        raise Invalid("oauth_state_used", f"This sign-in link has already been used. {start_again}")
    now = utcnow()
    if row.expires_at <= now:
        raise Invalid("oauth_state_expired", f"This sign-in took too long and expired. {start_again}")
    if not browser_token or not same_secret(token_digest(browser_token), row.browser_digest):
        raise Forbidden(
            "oauth_browser_mismatch",
            f"This sign-in was started in another browser, or your browser did not keep our cookie. {start_again}",
        )
    claimed = await db.execute(
        update(OAuthFlow)
        .where(OAuthFlow.id == row.id, OAuthFlow.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Invalid("oauth_state_used", f"This sign-in link has already been used. {start_again}")
    try:
        verifier = _box(settings).decrypt(row.code_verifier_encrypted)
    except DecryptionError:
        raise Invalid("oauth_state_invalid", f"This sign-in link is not valid. {start_again}") from None
    return ClaimedFlow(
        provider=row.provider,
        intent=row.intent,
        code_verifier=verifier,
        nonce=row.nonce,
        user_id=row.user_id,
        return_to=safe_return_to(row.return_to, HOME_PATH if row.intent is FlowIntent.SIGN_IN else CONNECTIONS_PATH),
    )


PROVIDER_ERRORS = {
    "access_denied": "You cancelled, or {label} did not allow the sign-in.",
    "consent_required": "{label} needs your consent before it can sign you in.",
    "login_required": "Sign in at {label} first.",
    "temporarily_unavailable": "{label} is busy right now; try again in a moment.",
    "server_error": "{label} ran into a problem; try again in a moment.",
}


def _provider_error(provider: Provider, error: str, description: str | None) -> Forbidden:
    """The provider sent the browser back with `error` instead of a code: say so in its own words."""
    label = label_of(provider)
    known = PROVIDER_ERRORS.get(error)
    what = known.format(label=label) if known else f"{label} did not sign you in."
    message = description or (None if known else error)
    said = f" {label} said: {clip(message)}" if message else ""
    return Forbidden("oauth_provider_error", f"{what}{said}")


# --- applying the provider's answer -------------------------------------------------------------


async def _apply(
    db: AsyncSession, infra: Infrastructure, flow: ClaimedFlow, profile: ProviderProfile, client: ClientInfo
) -> SignInOutcome | None:
    label = label_of(flow.provider)
    identity = await db.scalar(
        select(OAuthIdentity).where(OAuthIdentity.provider == flow.provider, OAuthIdentity.subject == profile.subject)
    )
    if flow.intent is FlowIntent.LINK:
        assert flow.user_id is not None
        owner = await _live_user(db, flow.user_id)
        if identity is not None:
            if identity.user_id != owner.id:
                raise Conflict(
                    "identity_taken",
                    f"This {label} account is already connected to another account here. Sign in with it, "
                    "or disconnect it there first.",
                )
            identity.email = profile.email or identity.email  # already linked to this user: nothing to add
            return None
        await _link(db, infra, owner, provider=flow.provider, profile=profile, client=client, via="settings")
        return None
    if identity is not None:
        user = await _live_user(db, identity.user_id)
        identity.email = profile.email or identity.email
        identity.last_used_at = utcnow()
        return await begin_sign_in(db, infra, user, SignInMethod.OAUTH, client)
    email = _verified_email(flow.provider, profile)
    existing = await user_by_email(db, email)
    if existing is not None:
        if existing.email_verified_at is None:
            raise Conflict(
                "oauth_email_taken",
                f"An account with {email} already exists. Sign in with your password (or reset it), then "
                f"connect {label} from Settings → Connected accounts.",
            )
        # Both the provider and we have proven the address belongs to this person: link and sign in.
        linked = await _link(
            db, infra, existing, provider=flow.provider, profile=profile, client=client, via="verified_email"
        )
        linked.last_used_at = utcnow()
        return await begin_sign_in(db, infra, existing, SignInMethod.OAUTH, client)
    user = await _create_user(db, infra, email=email, profile=profile, provider=flow.provider, client=client)
    linked = await _link(
        db, infra, user, provider=flow.provider, profile=profile, client=client, via="sign_up", notify=False
    )
    linked.last_used_at = utcnow()
    return await begin_sign_in(db, infra, user, SignInMethod.OAUTH, client)


def _verified_email(provider: Provider, profile: ProviderProfile) -> str:
    """The address to match or create an account with: only one the provider has verified."""
    label = label_of(provider)
    if profile.email is None:
        raise Forbidden(
            "oauth_email_missing",
            f"{label} did not share an email address with us. Add one to your {label} account, or sign up "
            "with email and a password.",
        )
    if not profile.email_verified:
        raise Forbidden(
            "oauth_email_unverified",
            f"{label} has not verified {profile.email}. Verify it with {label}, or sign up with email and a password.",
        )
    return normalize_email(profile.email)


async def _link(
    db: AsyncSession,
    infra: Infrastructure,
    user: User,
    *,
    provider: Provider,
    profile: ProviderProfile,
    client: ClientInfo,
    via: str,
    notify: bool = True,
) -> OAuthIdentity:
    await _refuse_second_identity(db, user.id, provider)
    identity = OAuthIdentity(user_id=user.id, provider=provider, subject=profile.subject, email=profile.email)
    db.add(identity)
    await db.flush()
    record_event(db, AuthEventKind.IDENTITY_LINKED, user.id, client, provider=provider.value, via=via)
    if notify:
        label = label_of(provider)
        await queue_templated_mail(
            db,
            to=user.email,
            subject=f"{label} was connected to your account",
            template="oauth/mail/identity_linked",
            context={
                "name": user.name,
                "provider": label,
                "provider_email": profile.email,
                "link": link(infra, CONNECTIONS_PATH),
            },
        )
    return identity


async def _create_user(
    db: AsyncSession,
    infra: Infrastructure,
    *,
    email: str,
    profile: ProviderProfile,
    provider: Provider,
    client: ClientInfo,
) -> User:
    """A new account from the provider's profile: its address is verified, it has no password, and
    the terms shown beside the sign-in buttons are accepted."""
    now = utcnow()
    name = " ".join((profile.name or "").split())[:NAME_LENGTH] or email.split("@", 1)[0][:NAME_LENGTH]
    user = User(
        email=email,
        name=name,
        password_hash=None,
        email_verified_at=now,
        terms_version=infra.settings.terms_version,
        terms_accepted_at=now,
    )
    db.add(user)
    await db.flush()
    record_event(
        db, AuthEventKind.REGISTERED, user.id, client, terms_version=user.terms_version, provider=provider.value
    )
    return user


async def _live_user(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    return user


# --- linked identities --------------------------------------------------------------------------


async def list_identities(db: AsyncSession, user_id: uuid.UUID) -> list[OAuthIdentity]:
    query = select(OAuthIdentity).where(OAuthIdentity.user_id == user_id).order_by(OAuthIdentity.created_at)
    return list(await db.scalars(query))


async def unlink_identity(db: AsyncSession, actor: Actor, identity_id: uuid.UUID, client: ClientInfo) -> str:
    """Disconnect an identity and answer its provider's name; refused when it is the account's last
    way to sign in (no password, no other identity). The user row is locked so that two disconnects
    cannot both pass that check."""
    user = await db.scalar(select(User).where(User.id == actor.user_id).with_for_update())
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    identity = await db.scalar(
        select(OAuthIdentity).where(OAuthIdentity.id == identity_id, OAuthIdentity.user_id == user.id)
    )
    if identity is None:
        raise NotFound("identity_not_found", "No such connected account.")
    others = await db.scalar(
        select(func.count())
        .select_from(OAuthIdentity)
        .where(OAuthIdentity.user_id == user.id, OAuthIdentity.id != identity.id)
    )
    label = label_of(identity.provider)
    if not user.has_password and not others:
        raise Conflict(
            "last_sign_in_method",
            f"{label} is the only way you can sign in. Set a password (Settings → Password and 2FA) or connect "
            "another account before you disconnect it.",
        )
    await db.delete(identity)
    await db.flush()
    record_event(db, AuthEventKind.IDENTITY_UNLINKED, user.id, client, provider=identity.provider.value)
    return label


@dataclass(frozen=True)
class LinkedIdentity:
    id: uuid.UUID
    provider: str
    label: str
    icon: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Connections:
    """The settings page: linked identities, the providers that could still be connected, and
    whether disconnecting the only identity would lock the user out."""

    identities: list[LinkedIdentity]
    available: list[ProviderOption]
    configured: bool
    has_password: bool

    @property
    def only_method(self) -> bool:
        return not self.has_password and len(self.identities) == 1


async def connections(db: AsyncSession, settings: Settings, actor: Actor) -> Connections:
    rows = await list_identities(db, actor.user_id)
    linked = {row.provider.value for row in rows}
    identities = [
        LinkedIdentity(
            row.id,
            row.provider.value,
            label_of(row.provider),
            ICONS[row.provider],
            row.email,
            row.created_at,
            row.last_used_at,
        )
        for row in rows
    ]
    options = enabled_providers(settings)
    available = [option for option in options if option.key not in linked]
    return Connections(identities, available, bool(options), actor.user.has_password)
