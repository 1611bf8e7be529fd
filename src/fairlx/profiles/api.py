"""JSON routes of the signed-in user's profile and avatar, and of everyone's avatar pictures."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from fairlx.auth.actor import Actor
from fairlx.auth.models import User
from fairlx.auth.schemas import UserOut, avatar_url
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.ratelimit import Preset
from fairlx.dependencies import CurrentActor, Db, Infra, SignedInOutsideTransaction
from fairlx.files import images
from fairlx.middleware.rate_limit import spend_budget
from fairlx.profiles import service
from fairlx.profiles.schemas import ProfileUpdate
from fairlx.web.templating import THEME_COOKIE
from fairlx.web.uploads import UPLOAD_BODY_DOC, picture_response, uploaded_file

router = APIRouter(tags=["profile"])

AVATAR_UPLOAD_PATH = "/api/v1/me/avatar"
# The picture plus the multipart envelope around it (boundaries, part headers, a file name).
UPLOAD_BODY_LIMIT = images.MAX_UPLOAD_BYTES + 64 * 1024
THEME_COOKIE_SECONDS = 365 * 24 * 3600


def set_theme_cookie(response: Response, infra: Infrastructure, user: User) -> None:
    """The cookie the page shell renders its theme from (the header's switcher writes the same one),
    so every page follows a preference saved here. Scripts read it, so it is not HttpOnly."""
    response.set_cookie(
        THEME_COOKIE,
        user.theme.value,
        max_age=THEME_COOKIE_SECONDS,
        path="/",
        secure=infra.settings.is_https,
        httponly=False,
        samesite="lax",
    )


async def uploaded_avatar(request: Request, infra: Infrastructure, actor: Actor) -> User:
    """Read the multipart body's `file` and hand it to the service (shared with the settings page)."""
    await spend_budget(infra.rate_limiter, Preset.FILE_UPLOAD, f"user:{actor.user_id}")
    async with uploaded_file(request) as upload:
        return await service.replace_avatar(infra, actor, upload.file, upload.size or 0)


@router.get("/api/v1/me/profile")
async def get_profile(actor: CurrentActor, db: Db) -> UserOut:
    return UserOut.of(await service.get_profile(db, actor))


@router.patch("/api/v1/me/profile")
async def update_profile(body: ProfileUpdate, actor: CurrentActor, db: Db, infra: Infra, response: Response) -> UserOut:
    user = await service.update_profile(db, infra.cache, actor, body.model_dump(exclude_unset=True))
    if "theme" in body.model_fields_set:
        set_theme_cookie(response, infra, user)
    return UserOut.of(user)


@router.post(
    AVATAR_UPLOAD_PATH,
    openapi_extra=UPLOAD_BODY_DOC,
    responses={413: {"description": "The picture is over 10 MB"}, 422: {"description": "Not a picture we read"}},
)
async def upload_avatar(request: Request, actor: SignedInOutsideTransaction, infra: Infra) -> UserOut:
    """Upload a JPEG, PNG, WebP or GIF (up to 10 MB) as the `file` field; it is stored as a 256x256 WebP."""
    return UserOut.of(await uploaded_avatar(request, infra, actor))


@router.delete(AVATAR_UPLOAD_PATH, status_code=204)
async def remove_avatar(actor: CurrentActor, db: Db, infra: Infra) -> None:
    await service.remove_avatar(db, infra.cache, actor)


@router.get(
    "/api/v1/users/{user_id}/avatar",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/webp": {}}}, 404: {"description": "The user has no avatar"}},
)
async def get_avatar(
    user_id: uuid.UUID, actor: CurrentActor, db: Db, infra: Infra, v: str | None = None
) -> StreamingResponse:
    """A user's avatar. Linked with `?v=<version>` (see `avatar_url` in user answers), it never changes
    and may be cached for a year; under any other version it is revalidated."""
    avatar = await service.open_avatar(db, infra, user_id)
    return picture_response(avatar, avatar_url(user_id, avatar.key), requested=v)
