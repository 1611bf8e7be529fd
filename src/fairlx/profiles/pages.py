"""The profile section of account settings: avatar, name and professional details, and theme."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from fairlx.auth.models import User
from fairlx.core.errors import AppError
from fairlx.dependencies import Db, Infra
from fairlx.files import images
from fairlx.profiles import service
from fairlx.profiles.api import set_theme_cookie, uploaded_avatar
from fairlx.profiles.schemas import ProfileForm, ThemeIn
from fairlx.web.forms import FormErrors, handle_form
from fairlx.web.guards import PageActor, PageActorOutsideTransaction
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)

PROFILE_PATH = "/settings/profile"
AVATAR_PAGE_PATH = "/settings/profile/avatar"
THEME_LABELS = {"light": "Light", "dark": "Dark", "system": "System"}
PROFILE_FIELDS = ("name", "phone", "linkedin_url", "portfolio_url", "working_domain", "job_role", "designation")


def toast(title: str, message: str = "", events: dict[str, Any] | None = None) -> dict[str, str]:
    """An `HX-Trigger` header: a success toast, plus any other events for the page's scripts."""
    toasted = {"toast": {"kind": "success", "title": title, "message": message}}
    return {"HX-Trigger": json.dumps(toasted | (events or {}))}


def profile_values(user: User) -> dict[str, str]:
    values = {name: getattr(user, name) or "" for name in PROFILE_FIELDS}
    return values | {"tools": ", ".join(user.tools or [])}


def avatar_context(
    user_id: uuid.UUID, name: str, avatar_key: str | None, errors: FormErrors | None = None
) -> dict[str, Any]:
    return {
        "person": {"id": user_id, "name": name, "avatar_key": avatar_key},
        "errors": errors,
        "max_megabytes": images.MAX_UPLOAD_BYTES // (1024 * 1024),
    }


@router.get(PROFILE_PATH, response_class=HTMLResponse)
async def profile_page(request: Request, actor: PageActor, db: Db) -> Response:
    user = await service.get_profile(db, actor)
    context = {
        **avatar_context(user.id, user.name, user.avatar_key),
        "values": profile_values(user),
        "theme_choice": user.theme.value,
        "theme_labels": THEME_LABELS,
    }
    return render(request, "profiles/profile.html", context)


@router.post(PROFILE_PATH)
async def save_profile(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def act(body: ProfileForm) -> Response:
        changes = body.model_dump(exclude_unset=True, exclude={"theme"})
        user = await service.update_profile(db, infra.cache, actor, changes)
        context = {"values": profile_values(user), "errors": None}
        return render(request, "profiles/_profile_form.html", context, headers=toast("Profile saved"))

    return await handle_form(request, db, ProfileForm, act, template="profiles/_profile_form.html")


@router.post(f"{PROFILE_PATH}/theme")
async def save_theme(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    async def act(body: ThemeIn) -> Response:
        user = await service.update_profile(db, infra.cache, actor, {"theme": body.theme})
        label = THEME_LABELS[user.theme.value]
        headers = toast(f"{label} theme saved", events={"fairlx:theme-saved": {"preference": user.theme.value}})
        context = {"theme_choice": user.theme.value, "theme_labels": THEME_LABELS, "errors": None}
        response = render(request, "profiles/_theme_form.html", context, headers=headers)
        set_theme_cookie(response, infra, user)
        return response

    context = {"theme_choice": actor.user.theme, "theme_labels": THEME_LABELS}
    return await handle_form(request, db, ThemeIn, act, template="profiles/_theme_form.html", context=context)


@router.post(AVATAR_PAGE_PATH)
async def upload_avatar(request: Request, infra: Infra, actor: PageActorOutsideTransaction) -> Response:
    try:
        user = await uploaded_avatar(request, infra, actor)
    except AppError as error:
        errors = FormErrors.of(error)
        context = avatar_context(actor.user_id, actor.user.name, actor.user.avatar_key, errors)
        return render(request, "profiles/_avatar_card.html", context, status_code=422)
    context = avatar_context(user.id, user.name, user.avatar_key)
    return render(request, "profiles/_avatar_card.html", context, headers=toast("Avatar updated"))


@router.post(f"{AVATAR_PAGE_PATH}/remove")
async def remove_avatar(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    user = await service.remove_avatar(db, infra.cache, actor)
    context = avatar_context(user.id, user.name, user.avatar_key)
    return render(request, "profiles/_avatar_card.html", context, headers=toast("Avatar removed"))
