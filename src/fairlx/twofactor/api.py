"""JSON routes of second factors under /api/v1/auth/2fa: setting them up and off while signed in, and
the second step of a sign-in (`/verify`, with `/email/send` for a code by mail)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from fairlx.auth.api import sign_in_answer
from fairlx.auth.schemas import SignedInOut
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.dependencies import Client, CurrentActor, Db, Infra
from fairlx.middleware.rate_limit import spend_budget
from fairlx.rbac.guard import Anyone
from fairlx.twofactor import service
from fairlx.twofactor.schemas import (
    ChallengeIn,
    CodeIn,
    CodeMailed,
    ConfirmIn,
    DisabledOut,
    DisableIn,
    EnabledOut,
    RecoveryCodesOut,
    StatusOut,
    TotpSetupOut,
    VerifyIn,
)

router = APIRouter(prefix="/api/v1/auth/2fa", tags=["two-factor"])


async def spend_account_budget(infra: Infrastructure, user_id: uuid.UUID) -> None:
    """Codes guessed or mailed for one account share one budget, whichever addresses they come from."""
    await spend_budget(infra.rate_limiter, Preset.TWO_FACTOR, f"account:{user_id}")


@router.get("")
async def status(actor: CurrentActor, db: Db, infra: Infra) -> StatusOut:
    return StatusOut.of(await service.overview(db, infra, actor.user_id))


@router.post("/totp/setup")
async def begin_totp_setup(actor: CurrentActor, db: Db, infra: Infra) -> TotpSetupOut:
    setup = await service.begin_totp_setup(db, infra, actor)
    return TotpSetupOut(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_svg=setup.qr_svg)


@router.delete("/totp/setup", status_code=204)
async def cancel_totp_setup(actor: CurrentActor, db: Db) -> None:
    await service.cancel_totp_setup(db, actor)


@router.post("/totp/enable")
async def enable_totp(body: CodeIn, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> EnabledOut:
    return EnabledOut.of(await service.enable_totp(db, infra, actor, body.code, client))


@router.post("/email/setup", status_code=202)
async def begin_email_setup(actor: CurrentActor, db: Db, infra: Infra) -> CodeMailed:
    await spend_account_budget(infra, actor.user_id)
    await service.begin_email_setup(db, infra, actor)
    return CodeMailed(detail="We mailed you a code; it works for 5 minutes.")


@router.post("/email/enable")
async def enable_email(body: CodeIn, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> EnabledOut:
    return EnabledOut.of(await service.enable_email(db, infra, actor, body.code, client))


@router.post("/email/confirmation-code", status_code=202)
async def mail_confirmation_code(actor: CurrentActor, db: Db, infra: Infra) -> CodeMailed:
    await spend_account_budget(infra, actor.user_id)
    await service.mail_confirmation_code(db, infra, actor)
    return CodeMailed(detail="We mailed you a code; it works for 5 minutes.")


@router.post("/email/send", status_code=202, dependencies=[Anyone])
async def mail_sign_in_code(body: ChallengeIn, db: Db, infra: Infra) -> CodeMailed:
    await spend_account_budget(infra, await service.challenge_owner(db, body.challenge_token))
    address = await service.mail_sign_in_code(db, infra, body.challenge_token)
    return CodeMailed(detail=f"We mailed a code to {address}; it works for 5 minutes.")


@router.post("/verify", dependencies=[Anyone])
async def verify(body: VerifyIn, db: Db, infra: Infra, client: Client, response: Response) -> SignedInOut:
    await spend_account_budget(infra, await service.challenge_owner(db, body.challenge_token))
    outcome = await service.verify_challenge(
        db, infra, body.challenge_token, code=body.code, method=body.method, client=client
    )
    answer = sign_in_answer(infra, response, outcome)
    assert isinstance(answer, SignedInOut)
    return answer


@router.post("/recovery-codes")
async def regenerate_recovery_codes(
    body: ConfirmIn, actor: CurrentActor, db: Db, infra: Infra, client: Client
) -> RecoveryCodesOut:
    codes = await service.regenerate_recovery_codes(
        db, infra, actor, password=body.password, code=body.code, client=client
    )
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/disable")
async def disable(body: DisableIn, actor: CurrentActor, db: Db, infra: Infra, client: Client) -> DisabledOut:
    remaining = await service.disable(
        db, infra, actor, password=body.password, code=body.code, method=body.method, client=client
    )
    return DisabledOut(methods=remaining)
