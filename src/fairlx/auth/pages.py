"""Pages of accounts: sign up, sign in, email verification, password reset, magic links, onboarding,
home, and the password, sessions and deletion sections of account settings."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from fairlx.auth import service
from fairlx.auth.actor import Actor, Lifecycle
from fairlx.auth.api import spend_account_budget
from fairlx.auth.cookies import clear_session_cookie, set_session_cookie
from fairlx.auth.schemas import (
    AccountTypeIn,
    ChangePasswordIn,
    DeleteAccountIn,
    EmailIn,
    LoginIn,
    RegisterIn,
    ResetPasswordIn,
    TokenIn,
)
from fairlx.auth.service import SignedIn, SignInOutcome
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.dependencies import Client, Db, Infra, MaybeActor
from fairlx.oauth.service import enabled_providers
from fairlx.rbac.guard import Anyone
from fairlx.web.forms import handle_form
from fairlx.web.guards import HOME_PATH, PageActor, redirect, safe_return_to
from fairlx.web.templating import render
from fairlx.workspaces import service as workspaces_service
from fairlx.workspaces.pages import ONBOARDING_WORKSPACE_PATH

router = APIRouter(include_in_schema=False)

ONBOARDING_PATH = "/onboarding"
PASSWORD_SAVED_TOAST = json.dumps(
    {"toast": {"kind": "success", "title": "Password changed", "message": "Other sessions were signed out."}}
)


def destination(outcome: SignInOutcome, return_to: str | None) -> str:
    """Where a browser goes once the first factor is proven."""
    target = safe_return_to(return_to)
    if not isinstance(outcome, SignedIn):
        return f"/two-factor?challenge={outcome.challenge_token}&return_to={quote(target, safe='/')}"
    if outcome.user.onboarded_at is None:
        return ONBOARDING_PATH
    return target


def signed_in_redirect(
    request: Request, infra: Infrastructure, outcome: SignInOutcome, return_to: str | None
) -> Response:
    response = redirect(request, destination(outcome, return_to))
    if isinstance(outcome, SignedIn):
        set_session_cookie(response, infra.settings, outcome.session.token, outcome.session.expires_at)
    return response


def _signed_out_context(request: Request, infra: Infrastructure, **extra: Any) -> dict[str, Any]:
    return_to = safe_return_to(request.query_params.get("return_to"))
    return {
        "return_to": return_to,
        "oauth_providers": enabled_providers(infra.settings),
        "values": {},
        "errors": None,
        **extra,
    }


def _home_if_signed_in(actor: Actor | None) -> Response | None:
    return RedirectResponse(HOME_PATH, status_code=303) if actor is not None else None


# --- sign up and verification -------------------------------------------------------------------


@router.get("/sign-up", dependencies=[Anyone], response_class=HTMLResponse)
async def sign_up_page(request: Request, infra: Infra, actor: MaybeActor) -> Response:
    return _home_if_signed_in(actor) or render(request, "auth/sign_up.html", _signed_out_context(request, infra))


@router.post("/sign-up", dependencies=[Anyone])
async def sign_up(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: RegisterIn) -> Response:
        await spend_account_budget(infra, Preset.REGISTER, body.email)
        await service.register(db, infra, name=body.name, email=body.email, password=body.password, client=client)
        return render(request, "auth/check_inbox.html", {"email": body.email, "purpose": "verify"})

    context = _signed_out_context(request, infra)
    return await handle_form(
        request, db, RegisterIn, act, template="auth/sign_up_form.html", context=context, checkboxes=("accept_terms",)
    )


@router.get("/verify-email", dependencies=[Anyone], response_class=HTMLResponse)
async def verify_email_page(request: Request, token: str = "") -> Response:
    return render(request, "auth/verify_email.html", {"token": token, "values": {}, "errors": None})


@router.post("/verify-email", dependencies=[Anyone])
async def verify_email(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: TokenIn) -> Response:
        outcome = await service.verify_email(db, infra, body.token, client)
        return signed_in_redirect(request, infra, outcome, None)

    return await handle_form(request, db, TokenIn, act, template="auth/verify_email_form.html")


@router.post("/verify-email/resend", dependencies=[Anyone])
async def resend_verification(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: EmailIn) -> Response:
        await spend_account_budget(infra, Preset.PASSWORD_RESET, body.email)
        await service.resend_verification(db, infra, body.email, client)
        return render(request, "auth/check_inbox.html", {"email": body.email, "purpose": "verify"})

    return await handle_form(request, db, EmailIn, act, template="auth/check_inbox.html", context={"purpose": "verify"})


# --- sign in -----------------------------------------------------------------------------------


@router.get("/sign-in", dependencies=[Anyone], response_class=HTMLResponse)
async def sign_in_page(request: Request, infra: Infra, actor: MaybeActor) -> Response:
    notice = request.query_params.get("notice")
    context = _signed_out_context(request, infra, notice=notice)
    return _home_if_signed_in(actor) or render(request, "auth/sign_in.html", context)


@router.post("/sign-in", dependencies=[Anyone])
async def sign_in(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    posted = (await request.form()).get("return_to")
    return_to = safe_return_to(posted if isinstance(posted, str) else None)
    context = _signed_out_context(request, infra, return_to=return_to)

    async def act(body: LoginIn) -> Response:
        await spend_account_budget(infra, Preset.LOGIN, body.email)
        outcome = await service.login(db, infra, body.email, body.password, client)
        return signed_in_redirect(request, infra, outcome, return_to)

    return await handle_form(request, db, LoginIn, act, template="auth/sign_in_form.html", context=context)


@router.post("/sign-out", dependencies=[Anyone])
async def sign_out(request: Request, db: Db, infra: Infra, client: Client, actor: MaybeActor) -> Response:
    if actor is not None:
        await service.logout(db, infra, actor, client)
    response = redirect(request, "/sign-in?notice=signed_out")
    clear_session_cookie(response, infra.settings)
    return response


# --- passwords and magic links -----------------------------------------------------------------


@router.get("/forgot-password", dependencies=[Anyone], response_class=HTMLResponse)
async def forgot_password_page(request: Request, infra: Infra) -> Response:
    return render(request, "auth/forgot_password.html", _signed_out_context(request, infra))


@router.post("/forgot-password", dependencies=[Anyone])
async def forgot_password(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: EmailIn) -> Response:
        await spend_account_budget(infra, Preset.PASSWORD_RESET, body.email)
        await service.forgot_password(db, infra, body.email, client)
        return render(request, "auth/check_inbox.html", {"email": body.email, "purpose": "reset"})

    return await handle_form(request, db, EmailIn, act, template="auth/forgot_password_form.html")


@router.get("/reset-password", dependencies=[Anyone], response_class=HTMLResponse)
async def reset_password_page(request: Request, token: str = "") -> Response:
    return render(request, "auth/reset_password.html", {"token": token, "values": {}, "errors": None})


@router.post("/reset-password", dependencies=[Anyone])
async def reset_password(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: ResetPasswordIn) -> Response:
        outcome = await service.reset_password(db, infra, body.token, body.password, client)
        return signed_in_redirect(request, infra, outcome, None)

    token = (await request.form()).get("token", "")
    context = {"token": token if isinstance(token, str) else ""}
    return await handle_form(
        request, db, ResetPasswordIn, act, template="auth/reset_password_form.html", context=context
    )


@router.get("/magic-link", dependencies=[Anyone], response_class=HTMLResponse)
async def magic_link_page(request: Request, infra: Infra, token: str = "") -> Response:
    if token:
        return render(request, "auth/magic_link_confirm.html", {"token": token, "values": {}, "errors": None})
    return render(request, "auth/magic_link.html", _signed_out_context(request, infra))


@router.post("/magic-link", dependencies=[Anyone])
async def request_magic_link(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: EmailIn) -> Response:
        await spend_account_budget(infra, Preset.MAGIC_LINK, body.email)
        await service.request_magic_link(db, infra, body.email, client)
        return render(request, "auth/check_inbox.html", {"email": body.email, "purpose": "magic"})

    return await handle_form(request, db, EmailIn, act, template="auth/magic_link_form.html")


@router.post("/magic-link/sign-in", dependencies=[Anyone])
async def sign_in_with_magic_link(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: TokenIn) -> Response:
        outcome = await service.sign_in_with_magic_link(db, infra, body.token, client)
        return signed_in_redirect(request, infra, outcome, None)

    return await handle_form(request, db, TokenIn, act, template="auth/magic_link_confirm_form.html")


# --- onboarding and home -----------------------------------------------------------------------


@router.get("/onboarding", response_class=HTMLResponse)
async def onboarding_page(request: Request, actor: PageActor) -> Response:
    if actor.lifecycle is not Lifecycle.ONBOARDING:
        return RedirectResponse(HOME_PATH, status_code=303)
    return render(request, "auth/onboarding.html", {"values": {}, "errors": None})


@router.post("/onboarding")
async def choose_account_type(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def act(body: AccountTypeIn) -> Response:
        await service.choose_account_type(db, infra, actor, body.account_type)
        return redirect(request, HOME_PATH)

    return await handle_form(request, db, AccountTypeIn, act, template="auth/onboarding_form.html")


@router.get("/home", response_class=HTMLResponse)
async def home(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    if actor.lifecycle is Lifecycle.ONBOARDING:
        return RedirectResponse(ONBOARDING_PATH, status_code=303)
    if actor.lifecycle is Lifecycle.MUST_RESET_PASSWORD:
        return RedirectResponse("/settings/security?required=1", status_code=303)
    state = await workspaces_service.home_state(db, infra.cache, actor)
    if state.needs_onboarding:
        return RedirectResponse(ONBOARDING_WORKSPACE_PATH, status_code=303)
    return render(request, "auth/home.html", {"workspaces": state.workspaces})


# --- account settings --------------------------------------------------------------------------


@router.get("/settings")
async def settings_home(actor: PageActor) -> Response:
    del actor  # signed-in only: the guard sends others to sign in first
    return RedirectResponse("/settings/profile", status_code=303)


@router.get("/settings/security", response_class=HTMLResponse)
async def security_page(request: Request, actor: PageActor) -> Response:
    required = request.query_params.get("required") == "1"
    return render(request, "auth/settings_security.html", {"values": {}, "errors": None, "required": required})


@router.post("/settings/security/password")
async def change_password(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: ChangePasswordIn) -> Response:
        await service.change_password(
            db, infra, actor, current=body.current_password, new_password=body.new_password, client=client
        )
        context: dict[str, Any] = {"values": {}, "errors": None, "saved": True}
        return render(request, "auth/password_form.html", context, headers={"HX-Trigger": PASSWORD_SAVED_TOAST})

    return await handle_form(request, db, ChangePasswordIn, act, template="auth/password_form.html")


@router.get("/settings/sessions", response_class=HTMLResponse)
async def sessions_page(request: Request, actor: PageActor, db: Db) -> Response:
    rows = await service.list_sessions(db, actor)
    return render(request, "auth/settings_sessions.html", {"sessions": rows, "current_id": actor.session_id})


@router.post("/settings/sessions/{session_id}/revoke")
async def revoke_session(
    request: Request, session_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    await service.revoke_session(db, infra, actor, session_id, client)
    return redirect(request, "/settings/sessions")


@router.post("/settings/sessions/revoke-all")
async def sign_out_everywhere(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    await service.logout_everywhere(db, infra, actor, client)
    response = redirect(request, "/sign-in?notice=signed_out_everywhere")
    clear_session_cookie(response, infra.settings)
    return response


@router.get("/settings/account", response_class=HTMLResponse)
async def account_page(request: Request, actor: PageActor) -> Response:
    return render(request, "auth/settings_account.html", {"values": {}, "errors": None})


@router.post("/settings/account/delete")
async def delete_account(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    async def act(body: DeleteAccountIn) -> Response:
        await service.delete_account(
            db, infra, actor, password=body.password, confirm_email=body.confirm_email, client=client
        )
        response = redirect(request, "/sign-in?notice=account_deleted")
        clear_session_cookie(response, infra.settings)
        return response

    return await handle_form(request, db, DeleteAccountIn, act, template="auth/delete_account_form.html")
