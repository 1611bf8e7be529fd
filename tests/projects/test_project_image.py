"""A project's image: uploaded by whoever may edit its settings, converted to a 256x256 WebP, served to
whoever may see the project, replaced or removed without leaving files behind."""

from __future__ import annotations

from fairlx.files.images import AVATAR_SIZE
from tests.profiles import pictures
from tests.projects.helpers import add_member, create_project, problem
from tests.spaces.people import Crew


def picture(data: bytes, name: str = "cover.png") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "image/png")}


async def test_an_owner_uploads_an_image_that_members_see_as_webp(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.viewer, "VIEWER")
    url = f"/api/v1/projects/{project['id']}/image"

    uploaded = await crew.owner.client.post(url, files=picture(pictures.striped_png()))
    assert uploaded.status_code == 200, uploaded.text
    image_url = uploaded.json()["image_url"]
    assert image_url.startswith(f"{url}?v=")

    served = await crew.viewer.client.get(image_url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["cache-control"] == "private, max-age=31536000, immutable"
    with pictures.opened(served.content) as image:
        assert image.format == "WEBP"
        assert image.size == (AVATAR_SIZE, AVATAR_SIZE)


async def test_uploading_needs_the_settings_permission(crew: Crew) -> None:
    project = await create_project(crew)
    await add_member(crew.owner, project, crew.viewer, "VIEWER")
    url = f"/api/v1/projects/{project['id']}/image"
    problem(await crew.viewer.client.post(url, files=picture(pictures.striped_png())), 403, "permission_denied")
    problem(await crew.outsider.client.post(url, files=picture(pictures.striped_png())), 404, "project_not_found")
    anonymous = await crew.town.anonymous.post(url, files=picture(pictures.striped_png()))
    assert anonymous.status_code == 401


async def test_only_pictures_are_accepted(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}/image"
    problem(
        await crew.owner.client.post(url, files=picture(b"just some text", "notes.png")), 422, "not_an_image", "file"
    )
    problem(await crew.owner.client.post(url, data={"other": "x"}), 422, "file_required", "file")
    huge = await crew.owner.client.post(url, files=picture(b"\0" * (11 * 1024 * 1024)))
    assert huge.status_code == 413


async def test_replacing_and_removing_leave_no_file_behind(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}/image"
    first = (await crew.owner.client.post(url, files=picture(pictures.striped_png()))).json()["image_url"]
    second = (await crew.owner.client.post(url, files=picture(pictures.webp()))).json()["image_url"]
    assert first != second
    await crew.town.drain()
    old = await crew.owner.client.get(first)
    assert old.headers["cache-control"] == "private, no-cache"  # an old link is revalidated, not cached

    removed = await crew.owner.client.delete(url)
    assert removed.status_code == 204
    gone = await crew.owner.client.get(url)
    problem(gone, 404, "image_not_found")
    project_now = (await crew.owner.client.get(f"/api/v1/projects/{project['id']}")).json()
    assert project_now["image_url"] is None
    assert await crew.town.drain() >= 1  # the stored file is deleted by a job


async def test_the_anonymous_client_cannot_read_images(crew: Crew) -> None:
    project = await create_project(crew)
    url = f"/api/v1/projects/{project['id']}/image"
    await crew.owner.client.post(url, files=picture(pictures.striped_png()))
    assert (await crew.town.anonymous.get(url)).status_code == 401


async def test_the_settings_page_uploads_and_removes_the_image(crew: Crew) -> None:
    project = await create_project(crew)
    page = f"/projects/{project['id']}/settings"
    htmx = {"HX-Request": "true"}
    general = await crew.owner.client.get(page)
    assert 'id="project-image-card"' in general.text
    assert f'hx-post="{page}/image"' in general.text

    refused = await crew.owner.client.post(f"{page}/image", files=picture(b"not a picture"), headers=htmx)
    assert refused.status_code == 422
    assert "not a picture we can read" in refused.text
    uploaded = await crew.owner.client.post(f"{page}/image", files=picture(pictures.striped_png()), headers=htmx)
    assert uploaded.status_code == 200
    assert f'src="/api/v1/projects/{project["id"]}/image?v=' in uploaded.text
    assert "Image updated" in uploaded.headers["hx-trigger"]
    removed = await crew.owner.client.post(f"{page}/image/remove", headers=htmx)
    assert "(no image yet)" in removed.text
