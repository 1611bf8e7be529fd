"""Second-factor pages: the sign-in challenge (`/two-factor`) and the two-factor card of the security
settings (`/settings/security/two-factor`, a fragment the security page loads), whose forms post
with htmx and get the card back.

A refused form is rolled back before its answer is rendered (the service already committed whatever a
wrong code must count), so a page answers exactly like the API would have.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import Actor
from fairlx.auth.pages import signed_in_redirect
from fairlx.core.errors import AppError
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.dependencies import Client, Db, Infra
from fairlx.middleware.rate_limit import spend_budget
from fairlx.rbac.guard import Anyone
from fairlx.twofactor import service
from fairlx.twofactor.models import TwoFactorMethod
from fairlx.twofactor.schemas import ChallengeIn, CodeIn, ConfirmIn, DisableIn, VerifyIn
from fairlx.web.forms import FormErrors, form_values, parse_form, refused
from fairlx.web.guards import PageActor, safe_return_to
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)

CHALLENGE_PATH = "/two-factor"
CARD_PATH = "/settings/security/two-factor"
CARD_ID = "two-factor-card"
CHALLENGE_METHODS = ("totp", "email", "recovery")
EXPIRED_CHALLENGE = frozenset({"token_invalid", "token_used", "token_expired", "two_factor_not_enabled"})


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def spend_account_budget(infra: Infrastructure, user_id: uuid.UUID) -> None:
    await spend_budget(infra.rate_limiter, Preset.TWO_FACTOR, f"account:{user_id}")


async def _errors(db: AsyncSession, error: AppError | FormErrors) -> FormErrors:
    """What to say beside the form; a service's refusal first undoes its unfinished writes (what a
    wrong code must count, the service committed already)."""
    return await refused(db, error) if isinstance(error, AppError) else error


def _filled(values: Mapping[str, str]) -> dict[str, str]:
    """Form values without the empty ones (an empty optional field means "not given")."""
    return {key: value for key, value in values.items() if value != ""}


# --- the sign-in challenge --------------------------------------------------------------------


def challenge_link(challenge_token: str, return_to: str | None, method: str | None = None) -> str:
    query = {"challenge": challenge_token}
    if method:
        query["method"] = method
    if return_to and safe_return_to(return_to, default="") == return_to:
        query["return_to"] = return_to
    return f"{CHALLENGE_PATH}?{urlencode(query)}"


async def _challenge_page(
    request: Request,
    db: AsyncSession,
    *,
    challenge_token: str,
    return_to: str | None,
    method: str | None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The challenge form (the whole page, or only the form for htmx), or the expired-attempt notice."""
    try:
        view = await service.challenge_view(db, challenge_token) if challenge_token else None
    except AppError:
        view = None
    if view is None or not view.methods:
        context = {"expired": True, "errors": errors or FormErrors()}
        template = "twofactor/challenge_expired.html" if is_htmx(request) else "twofactor/challenge.html"
        return render(request, template, context, status_code=status_code)
    chosen = method if method in CHALLENGE_METHODS else view.methods[0].value
    if chosen != "recovery" and TwoFactorMethod(chosen) not in view.methods:
        chosen = view.methods[0].value
    context = {
        "expired": False,
        "view": view,
        "method": chosen,
        "challenge_token": challenge_token,
        "return_to": return_to or "",
        "links": {name: challenge_link(challenge_token, return_to, name) for name in ("totp", "email", "recovery")},
        "errors": errors or FormErrors(),
        "notice": notice,
    }
    template = "twofactor/challenge_form.html" if is_htmx(request) else "twofactor/challenge.html"
    return render(request, template, context, status_code=status_code)


@router.get(CHALLENGE_PATH, response_class=HTMLResponse, dependencies=[Anyone])
async def challenge_page(
    request: Request, db: Db, challenge: str = "", method: str | None = None, return_to: str | None = None
) -> HTMLResponse:
    return await _challenge_page(request, db, challenge_token=challenge, return_to=return_to, method=method)


@router.post(CHALLENGE_PATH, dependencies=[Anyone])
async def verify_challenge(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    values = await form_values(request)
    return_to = values.get("return_to")
    method = values.get("method")
    try:
        form = parse_form(VerifyIn, values)
        method = form.method
        await spend_account_budget(infra, await service.challenge_owner(db, form.challenge_token))
        outcome = await service.verify_challenge(
            db, infra, form.challenge_token, code=form.code, method=form.method, client=client
        )
    except (AppError, FormErrors) as error:
        errors = await _errors(db, error)
        return await _challenge_page(
            request,
            db,
            challenge_token=values.get("challenge_token", ""),
            return_to=return_to,
            method=method,
            errors=_challenge_errors(errors),
            status_code=422,
        )
    return signed_in_redirect(request, infra, outcome, return_to)


@router.post(f"{CHALLENGE_PATH}/email", dependencies=[Anyone])
async def mail_sign_in_code(request: Request, db: Db, infra: Infra) -> HTMLResponse:
    values = await form_values(request)
    challenge_token = values.get("challenge_token", "")
    return_to = values.get("return_to")
    try:
        form = parse_form(ChallengeIn, values)
        await spend_account_budget(infra, await service.challenge_owner(db, form.challenge_token))
        address = await service.mail_sign_in_code(db, infra, form.challenge_token)
    except (AppError, FormErrors) as error:
        errors = await _errors(db, error)
        return await _challenge_page(
            request,
            db,
            challenge_token=challenge_token,
            return_to=return_to,
            method="email",
            errors=_challenge_errors(errors),
            status_code=422,
        )
    return await _challenge_page(
        request,
        db,
        challenge_token=challenge_token,
        return_to=return_to,
        method="email",
        notice=f"We mailed a code to {address}. It works for 5 minutes.",
    )


def _challenge_errors(errors: FormErrors) -> FormErrors:
    """Only the code is a field on the page; anything else is said above the form."""
    if set(errors.fields) <= {"code"}:
        return errors
    message = errors.summary or next(iter(errors.fields.values()))
    return FormErrors(fields={key: value for key, value in errors.fields.items() if key == "code"}, summary=message)


# --- the settings card ------------------------------------------------------------------------


async def _card(
    request: Request,
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    status_code: int = 200,
    form: str | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
    recovery_codes: list[str] | None = None,
    replace_card: bool = False,
) -> HTMLResponse:
    overview = await service.overview(db, infra, actor.user_id)
    context = _card_context(actor, overview, form=form, errors=errors, notice=notice)
    context["recovery_codes"] = recovery_codes
    # A form inside a dialog targets itself; its success replaces the whole card instead.
    headers = {"HX-Retarget": f"#{CARD_ID}", "HX-Reswap": "outerHTML"} if replace_card else None
    return render(request, "twofactor/card.html", context, status_code=status_code, headers=headers)


def _card_context(
    actor: Actor,
    overview: service.Overview,
    *,
    form: str | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    return {
        "card_id": CARD_ID,
        "overview": overview,
        "has_password": actor.user.has_password,
        "form": form,
        "errors": errors or FormErrors(),
        "notice": notice,
        "recovery_codes": None,
    }


async def _refused(
    request: Request,
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    error: AppError | FormErrors,
    *,
    form: str,
) -> HTMLResponse:
    errors = await _errors(db, error)
    return await _card(request, db, infra, actor, status_code=422, form=form, errors=errors)


@router.get(CARD_PATH, response_class=HTMLResponse)
async def card(request: Request, actor: PageActor, db: Db, infra: Infra) -> HTMLResponse:
    return await _card(request, db, infra, actor)


@router.post(f"{CARD_PATH}/totp/setup", response_class=HTMLResponse)
async def begin_totp_setup(request: Request, actor: PageActor, db: Db, infra: Infra) -> HTMLResponse:
    try:
        await service.begin_totp_setup(db, infra, actor)
    except AppError as error:
        return await _refused(request, db, infra, actor, error, form="totp")
    return await _card(request, db, infra, actor, form="totp")


@router.post(f"{CARD_PATH}/totp/cancel", response_class=HTMLResponse)
async def cancel_totp_setup(request: Request, actor: PageActor, db: Db, infra: Infra) -> HTMLResponse:
    await service.cancel_totp_setup(db, actor)
    return await _card(request, db, infra, actor)


@router.post(f"{CARD_PATH}/totp/enable", response_class=HTMLResponse)
async def enable_totp(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> HTMLResponse:
    try:
        form = parse_form(CodeIn, await form_values(request))
        enabled = await service.enable_totp(db, infra, actor, form.code, client)
    except (AppError, FormErrors) as error:
        return await _refused(request, db, infra, actor, error, form="totp")
    return await _card(
        request, db, infra, actor, notice="Authenticator app turned on.", recovery_codes=enabled.recovery_codes
    )


@router.post(f"{CARD_PATH}/email/setup", response_class=HTMLResponse)
async def begin_email_setup(request: Request, actor: PageActor, db: Db, infra: Infra) -> HTMLResponse:
    try:
        await spend_account_budget(infra, actor.user_id)
        await service.begin_email_setup(db, infra, actor)
    except AppError as error:
        return await _refused(request, db, infra, actor, error, form="email")
    notice = f"We mailed a code to {actor.user.email}. It works for 5 minutes."
    return await _card(request, db, infra, actor, form="email", notice=notice)


@router.post(f"{CARD_PATH}/email/enable", response_class=HTMLResponse)
async def enable_email(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> HTMLResponse:
    try:
        form = parse_form(CodeIn, await form_values(request))
        enabled = await service.enable_email(db, infra, actor, form.code, client)
    except (AppError, FormErrors) as error:
        return await _refused(request, db, infra, actor, error, form="email")
    return await _card(
        request, db, infra, actor, notice="Email codes turned on.", recovery_codes=enabled.recovery_codes
    )


# The confirmation dialogs (turn off a method, regenerate recovery codes): a refusal re-renders the
# dialog's form only, so the dialog stays open with the message beside the field.


async def _dialog_form(
    request: Request,
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    values: Mapping[str, str],
    *,
    errors: FormErrors | None = None,
    notice: str | None = None,
    status_code: int = 422,
) -> HTMLResponse:
    overview = await service.overview(db, infra, actor.user_id)
    method = values.get("method") or None
    context = _card_context(actor, overview, errors=errors, notice=notice) | {
        "dialog": "regenerate" if values.get("dialog") == "regenerate" else "disable",
        "method": method if method in {m.value for m in TwoFactorMethod} else None,
    }
    return render(request, "twofactor/confirm_form.html", context, status_code=status_code)


@router.post(f"{CARD_PATH}/recovery-codes", response_class=HTMLResponse)
async def regenerate_recovery_codes(
    request: Request, actor: PageActor, db: Db, infra: Infra, client: Client
) -> HTMLResponse:
    values = await form_values(request)
    try:
        form = parse_form(ConfirmIn, _filled(values))
        codes = await service.regenerate_recovery_codes(
            db, infra, actor, password=form.password, code=form.code, client=client
        )
    except (AppError, FormErrors) as error:
        errors = await _errors(db, error)
        return await _dialog_form(request, db, infra, actor, values, errors=errors)
    notice = "New recovery codes made; the old ones no longer work."
    return await _card(request, db, infra, actor, notice=notice, recovery_codes=codes, replace_card=True)


@router.post(f"{CARD_PATH}/disable", response_class=HTMLResponse)
async def disable(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> HTMLResponse:
    values = await form_values(request)
    try:
        form = parse_form(DisableIn, _filled(values))
        remaining = await service.disable(
            db, infra, actor, password=form.password, code=form.code, method=form.method, client=client
        )
    except (AppError, FormErrors) as error:
        errors = await _errors(db, error)
        return await _dialog_form(request, db, infra, actor, values, errors=errors)
    notice = "Two-factor method turned off." if remaining else "Two-factor authentication is off."
    return await _card(request, db, infra, actor, notice=notice, replace_card=True)


@router.post(f"{CARD_PATH}/confirmation-code", response_class=HTMLResponse)
async def mail_confirmation_code(request: Request, actor: PageActor, db: Db, infra: Infra) -> HTMLResponse:
    values = await form_values(request)
    try:
        await spend_account_budget(infra, actor.user_id)
        await service.mail_confirmation_code(db, infra, actor)
    except AppError as error:
        return await _dialog_form(request, db, infra, actor, values, errors=await refused(db, error))
    notice = f"We mailed a code to {actor.user.email}. It works for 5 minutes."
    return await _dialog_form(request, db, infra, actor, values, notice=notice, status_code=200)
