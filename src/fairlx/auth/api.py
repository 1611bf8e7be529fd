"""JSON routes of accounts and sessions under /api/v1/auth."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from fairlx.auth import service
from fairlx.auth.actor import lifecycle_of
from fairlx.auth.cookies import clear_session_cookie, set_session_cookie
from fairlx.auth.schemas import (
    Accepted,
    AccountTypeIn,
    ChangePasswordIn,
    DeleteAccountIn,
    EmailIn,
    LoginIn,
    MeOut,
    RegisterIn,
    ResetPasswordIn,
    SessionList,
    SessionOut,
    SessionsEnded,
    SignedInOut,
    TokenIn,
    TwoFactorChallengeOut,
    UserOut,
)
from fairlx.auth.service import SignedIn, SignInOutcome
from fairlx.auth.sessions import UserSnapshot
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.dependencies import Client, CurrentActor, Db, Infra
from fairlx.middleware.rate_limit import spend_budget
from fairlx.rbac.guard import Anyone
from fairlx.twofactor.service import enabled_methods

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

MAILED = "If the address can receive mail from us, a message is on its way."


def sign_in_answer(
    infra: Infrastructure, response: Response, outcome: SignInOutcome
) -> SignedInOut | TwoFactorChallengeOut:
    """The answer to a proven first factor: a session cookie, or the second-factor challenge."""
    if isinstance(outcome, SignedIn):
        set_session_cookie(response, infra.settings, outcome.session.token, outcome.session.expires_at)
        return SignedInOut(user=UserOut.of(outcome.user), lifecycle=lifecycle_of(UserSnapshot.of(outcome.user)))
    return TwoFactorChallengeOut(challenge_token=outcome.challenge_token, methods=outcome.methods)


async def spend_account_budget(infra: Infrastructure, preset: Preset, email: str) -> None:
    await spend_budget(infra.rate_limiter, preset, f"account:{service.normalize_email(email)}")


@router.post("/register", dependencies=[Anyone], status_code=202)
async def register(body: RegisterIn, db: Db, infra: Infra, client: Client) -> Accepted:
    await spend_account_budget(infra, Preset.REGISTER, body.email)
    await service.register(db, infra, name=body.name, email=body.email, password=body.password, client=client)
    return Accepted(detail=f"{MAILED} Open the link in it to confirm your address.")


@router.post("/verify-email", dependencies=[Anyone])
async def verify_email(
    body: TokenIn, db: Db, infra: Infra, client: Client, response: Response
) -> SignedInOut | TwoFactorChallengeOut:
    return sign_in_answer(infra, response, await service.verify_email(db, infra, body.token, client))


@router.post("/resend-verification", dependencies=[Anyone], status_code=202)
async def resend_verification(body: EmailIn, db: Db, infra: Infra, client: Client) -> Accepted:
    await spend_account_budget(infra, Preset.PASSWORD_RESET, body.email)
    await service.resend_verification(db, infra, body.email, client)
    return Accepted(detail=MAILED)


@router.post("/forgot-password", dependencies=[Anyone], status_code=202)
async def forgot_password(body: EmailIn, db: Db, infra: Infra, client: Client) -> Accepted:
    await spend_account_budget(infra, Preset.PASSWORD_RESET, body.email)
    await service.forgot_password(db, infra, body.email, client)
    return Accepted(detail=MAILED)


@router.post("/reset-password", dependencies=[Anyone])
async def reset_password(
    body: ResetPasswordIn, db: Db, infra: Infra, client: Client, response: Response
) -> SignedInOut | TwoFactorChallengeOut:
    outcome = await service.reset_password(db, infra, body.token, body.password, client)
    return sign_in_answer(infra, response, outcome)


@router.post("/change-password", status_code=204)
async def change_password(body: ChangePasswordIn, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> None:
    await service.change_password(
        db, infra, actor, current=body.current_password, new_password=body.new_password, client=client
    )


@router.post("/login", dependencies=[Anyone])
async def login(
    body: LoginIn, db: Db, infra: Infra, client: Client, response: Response
) -> SignedInOut | TwoFactorChallengeOut:
    await spend_account_budget(infra, Preset.LOGIN, body.email)
    return sign_in_answer(infra, response, await service.login(db, infra, body.email, body.password, client))


@router.post("/magic-link", dependencies=[Anyone], status_code=202)
async def request_magic_link(body: EmailIn, db: Db, infra: Infra, client: Client) -> Accepted:
    await spend_account_budget(infra, Preset.MAGIC_LINK, body.email)
    await service.request_magic_link(db, infra, body.email, client)
    return Accepted(detail=f"{MAILED} The sign-in link in it works once, for 15 minutes.")


@router.post("/magic-link/verify", dependencies=[Anyone])
async def sign_in_with_magic_link(
    body: TokenIn, db: Db, infra: Infra, client: Client, response: Response
) -> SignedInOut | TwoFactorChallengeOut:
    return sign_in_answer(infra, response, await service.sign_in_with_magic_link(db, infra, body.token, client))


@router.post("/logout", status_code=204)
async def logout(actor: CurrentActor, db: Db, infra: Infra, client: Client, response: Response) -> None:
    await service.logout(db, infra, actor, client)
    clear_session_cookie(response, infra.settings)


@router.get("/me")
async def me(actor: CurrentActor, db: Db) -> MeOut:
    user = await service.current_user(db, actor)
    methods = await enabled_methods(db, actor.user_id)
    return MeOut(user=UserOut.of(user), lifecycle=actor.lifecycle, two_factor_methods=[m.value for m in methods])


@router.post("/onboarding")
async def choose_account_type(body: AccountTypeIn, actor: CurrentActor, db: Db, infra: Infra) -> UserOut:
    return UserOut.of(await service.choose_account_type(db, infra, actor, body.account_type))


@router.get("/sessions")
async def list_sessions(actor: CurrentActor, db: Db) -> SessionList:
    rows = await service.list_sessions(db, actor)
    items = [
        SessionOut(
            id=row.id,
            method=row.method,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == actor.session_id,
        )
        for row in rows
    ]
    return SessionList(items=items)


@router.delete("/sessions/{session_id}", status_code=204)
async def revoke_session(session_id: uuid.UUID, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> None:
    await service.revoke_session(db, infra, actor, session_id, client)


@router.delete("/sessions")
async def logout_everywhere(
    actor: CurrentActor, db: Db, infra: Infra, client: Client, response: Response
) -> SessionsEnded:
    ended = await service.logout_everywhere(db, infra, actor, client)
    clear_session_cookie(response, infra.settings)
    return SessionsEnded(ended=ended)


@router.delete("/account", status_code=204)
async def delete_account(
    body: DeleteAccountIn, actor: CurrentActor, *, db: Db, infra: Infra, client: Client, response: Response
) -> None:
    await service.delete_account(
        db, infra, actor, password=body.password, confirm_email=body.confirm_email, client=client
    )
    clear_session_cookie(response, infra.settings)
