"""Avatars over the API: what any picture becomes (an upright, square 256x256 WebP with no metadata),
which uploads are refused and why, who may see an avatar, and the old file going once replaced."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from fairlx.auth.models import User
from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.profiles import pictures
from tests.profiles.pictures import BLUE, GREEN, RED, is_close, opened, pixel
from tests.support.accounts import Account, sign_up

AVATAR = "/api/v1/me/avatar"
TEN_MB = 10 * 1024 * 1024


async def upload(
    client: httpx.AsyncClient, data: bytes, name: str = "me.jpg", kind: str = "image/jpeg"
) -> httpx.Response:
    return await client.post(AVATAR, files={"file": (name, data, kind)})


async def fetch(client: httpx.AsyncClient, avatar_url: str) -> httpx.Response:
    return await client.get(avatar_url)


async def stored_key(infra: Infrastructure, user_id: str) -> str | None:
    async with infra.db.unit_of_work(read_only=True) as db:
        user = await db.get(User, uuid.UUID(user_id))
        assert user is not None
        return user.avatar_key


def assert_problem(response: httpx.Response, status: int, code: str, field: str | None = "file") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    if field is not None:
        assert [error["field"] for error in body["errors"]] == [field]


@pytest_asyncio.fixture
async def stranger(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_sideways_photo_becomes_an_upright_square_webp_without_metadata(
    api: httpx.AsyncClient, account: Account
) -> None:
    original = pictures.rotated_jpeg()
    assert pictures.CAMERA.encode() in original

    uploaded = await upload(api, original)

    assert uploaded.status_code == 200, uploaded.text
    avatar_url = uploaded.json()["avatar_url"]
    assert avatar_url.startswith(f"/api/v1/users/{account.user_id}/avatar?v=")
    served = await fetch(api, avatar_url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert int(served.headers["content-length"]) == len(served.content)
    assert served.content[:4] == b"RIFF"
    assert served.content[8:12] == b"WEBP"
    image = opened(served.content)
    assert image.format == "WEBP"
    assert image.size == (256, 256)
    assert not image.getexif()
    assert not {"exif", "xmp", "icc_profile"} & set(image.info)
    assert pictures.CAMERA.encode() not in served.content
    assert b"EXIF" not in served.content
    assert b"XMP " not in served.content
    rgb = image.convert("RGB")
    # Turned upright, the red half is on top and the blue half below, across the whole width.
    for x in (20, 128, 236):
        assert is_close(pixel(rgb, (x, 20)), RED), pixel(rgb, (x, 20))
        assert is_close(pixel(rgb, (x, 236)), BLUE), pixel(rgb, (x, 236))


async def test_a_wide_png_is_cropped_to_its_centre(api: httpx.AsyncClient, account: Account) -> None:
    uploaded = await upload(api, pictures.striped_png(), "banner.png", "image/png")

    assert uploaded.status_code == 200, uploaded.text
    image = opened((await fetch(api, uploaded.json()["avatar_url"])).content).convert("RGB")
    assert image.size == (256, 256)
    for point in ((3, 3), (252, 3), (3, 252), (252, 252), (128, 128)):
        assert is_close(pixel(image, point), RED), (point, pixel(image, point))


async def test_gif_uses_its_first_frame_webp_is_accepted_and_transparency_is_kept(
    api: httpx.AsyncClient, account: Account
) -> None:
    from_gif = await upload(api, pictures.two_frame_gif(), "wave.gif", "image/gif")
    assert from_gif.status_code == 200, from_gif.text
    frame = opened((await fetch(api, from_gif.json()["avatar_url"])).content)
    assert getattr(frame, "n_frames", 1) == 1
    assert is_close(pixel(frame.convert("RGB"), (128, 128)), RED)

    from_webp = await upload(api, pictures.webp(GREEN), "me.webp", "image/webp")
    assert from_webp.status_code == 200, from_webp.text
    green = opened((await fetch(api, from_webp.json()["avatar_url"])).content).convert("RGB")
    assert is_close(pixel(green, (5, 5)), GREEN)

    from_png = await upload(api, pictures.transparent_png(), "logo.png", "image/png")
    assert from_png.status_code == 200, from_png.text
    logo = opened((await fetch(api, from_png.json()["avatar_url"])).content).convert("RGBA")
    assert pixel(logo, (2, 2))[3] == 0  # the transparent corner stays transparent
    assert pixel(logo, (128, 128))[3] == 255


async def test_the_format_is_sniffed_not_taken_from_the_name_or_content_type(
    api: httpx.AsyncClient, account: Account
) -> None:
    text_as_png = await upload(api, b"this is not a picture\n" * 10, "avatar.png", "image/png")
    assert_problem(text_as_png, 422, "not_an_image")

    html_as_gif = await upload(
        api, b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.gif", "image/gif"
    )
    assert_problem(html_as_gif, 422, "not_an_image")

    truncated = await upload(api, pictures.rotated_jpeg()[:300], "cut.jpg")
    assert_problem(truncated, 422, "not_an_image")

    empty = await upload(api, b"", "empty.png", "image/png")
    assert_problem(empty, 422, "file_required")

    # A real picture under a misleading name and type is still read as what it is.
    png_named_text = await upload(api, pictures.striped_png(), "notes.txt", "text/plain")
    assert png_named_text.status_code == 200, png_named_text.text
    me = (await api.get("/api/v1/auth/me")).json()["user"]
    assert me["avatar_url"] == png_named_text.json()["avatar_url"]


async def test_a_missing_file_field_is_refused(api: httpx.AsyncClient, account: Account) -> None:
    no_file = await api.post(AVATAR, files={"picture": ("me.jpg", pictures.rotated_jpeg(), "image/jpeg")})
    assert_problem(no_file, 422, "file_required")

    not_multipart = await api.post(AVATAR, json={"file": "data:image/png;base64,AAAA"})
    assert_problem(not_multipart, 422, "file_required")
    assert (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"] is None


async def test_pictures_over_ten_megabytes_are_refused(api: httpx.AsyncClient, account: Account) -> None:
    just_over = await upload(api, b"\xff" * (TEN_MB + 1), "huge.jpg")
    assert_problem(just_over, 413, "file_too_large")

    far_over = await upload(api, b"\xff" * (TEN_MB + 512 * 1024), "huger.jpg")
    assert_problem(far_over, 413, "body_too_large", field=None)
    assert (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"] is None


@pytest.mark.parametrize(
    ("width", "height"),
    [(60_000, 60_000), (8_000, 6_000), (20_000, 10)],
    ids=["gigapixels", "just-over-40-megapixels", "absurd-strip"],
)
async def test_decompression_bombs_are_refused_before_decoding(
    api: httpx.AsyncClient, account: Account, width: int, height: int
) -> None:
    bomb = pictures.png_declaring(width, height)
    assert len(bomb) < 1000

    refused = await upload(api, bomb, "bomb.png", "image/png")

    assert_problem(refused, 422, "image_too_large")


async def test_avatars_need_a_signed_in_user_and_any_signed_in_user_may_see_them(
    *,
    api: httpx.AsyncClient,
    account: Account,
    second_client: httpx.AsyncClient,
    stranger: httpx.AsyncClient,
    settings: Settings,
    drain: Callable[..., Any],
) -> None:
    refused = await upload(stranger, pictures.striped_png(), "me.png", "image/png")
    assert_problem(refused, 401, "not_authenticated", field=None)
    assert_problem(await stranger.delete(AVATAR), 401, "not_authenticated", field=None)

    no_avatar_yet = await api.get(f"/api/v1/users/{account.user_id}/avatar")
    assert_problem(no_avatar_yet, 404, "avatar_not_found", field=None)
    avatar_url = (await upload(api, pictures.striped_png(), "me.png", "image/png")).json()["avatar_url"]

    assert_problem(await stranger.get(avatar_url), 401, "not_authenticated", field=None)
    await sign_up(second_client, settings, drain, "grace@example.com", name="Grace Hopper")
    seen_by_colleague = await second_client.get(avatar_url)
    assert seen_by_colleague.status_code == 200
    assert seen_by_colleague.content == (await api.get(avatar_url)).content
    unknown = await second_client.get(f"/api/v1/users/{uuid.uuid4()}/avatar")
    assert_problem(unknown, 404, "avatar_not_found", field=None)
    # Under an outdated version the picture is revalidated rather than cached for a year.
    stale = await second_client.get(f"/api/v1/users/{account.user_id}/avatar?v=000000000000")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "private, no-cache"


async def test_replacing_an_avatar_deletes_the_old_file_once_jobs_run(
    api: httpx.AsyncClient, account: Account, infra: Infrastructure, drain: Callable[..., Any]
) -> None:
    first = await upload(api, pictures.striped_png(), "first.png", "image/png")
    first_key = await stored_key(infra, account.user_id)
    assert first_key is not None
    assert first_key.startswith(f"avatars/{account.user_id}/")

    second = await upload(api, pictures.rotated_jpeg())

    second_key = await stored_key(infra, account.user_id)
    assert second_key is not None
    assert second_key != first_key
    assert second.json()["avatar_url"] != first.json()["avatar_url"]
    assert (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"] == second.json()["avatar_url"]
    assert await infra.storage.exists(first_key)  # until the job runs, after the change committed
    await drain()
    assert not await infra.storage.exists(first_key)
    assert await infra.storage.exists(second_key)
    assert (await api.get(first.json()["avatar_url"])).content == (await api.get(second.json()["avatar_url"])).content

    removed = await api.delete(AVATAR)

    assert removed.status_code == 204
    assert (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"] is None
    assert_problem(await api.get(second.json()["avatar_url"]), 404, "avatar_not_found", field=None)
    await drain()
    assert not await infra.storage.exists(second_key)
    assert (await api.delete(AVATAR)).status_code == 204  # nothing left to remove is no error


UPLOAD_BUDGET = {"default": "100000/minute", "write": "100000/minute", "file_upload": "2/minute"}


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_overrides": UPLOAD_BUDGET}])
async def test_uploads_spend_the_file_upload_budget_of_the_user(api: httpx.AsyncClient, account: Account) -> None:
    for _ in range(2):
        assert (await upload(api, pictures.striped_png(), "me.png", "image/png")).status_code == 200

    third = await upload(api, pictures.striped_png(), "me.png", "image/png")

    assert_problem(third, 429, "rate_limited", field=None)
    assert int(third.headers["retry-after"]) > 0
