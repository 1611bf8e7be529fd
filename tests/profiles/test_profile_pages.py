"""The profile settings page over HTTP, as htmx drives it: the forms it shows, messages beside the
fields a save refused, toasts for saves, the theme switching the page, and the avatar card."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from tests.profiles import pictures
from tests.support.accounts import Account

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTMX = {"HX-Request": "true"}
PAGE = "/settings/profile"


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def named(self, name: str) -> dict[str, str | None]:
        matches = [attrs for tag, attrs in self.found if attrs.get("name") == name and tag in {"input", "select"}]
        assert len(matches) >= 1, f"no control named {name}"
        return matches[0]


@pytest_asyncio.fixture
async def signed_out(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.5", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def toast_of(response: httpx.Response) -> dict[str, str]:
    trigger: dict[str, dict[str, str]] = json.loads(response.headers["hx-trigger"])
    return trigger["toast"]


async def test_the_page_shows_the_profile_forms_filled_in(api: httpx.AsyncClient, account: Account) -> None:
    await api.patch("/api/v1/me/profile", json={"job_role": "Mathematician", "tools": ["Jira", "Figma"]})

    page = await api.get(PAGE, headers={"accept": BROWSER_ACCEPT})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    tags = Tags(page.text)
    assert tags.named("name")["value"] == account.name
    assert tags.named("job_role")["value"] == "Mathematician"
    assert tags.named("tools")["value"] == "Jira, Figma"
    assert tags.named("file")["type"] == "file"
    assert tags.named("file")["accept"] == "image/jpeg,image/png,image/webp,image/gif"
    forms = {attrs.get("id"): attrs for tag, attrs in tags.found if tag == "form"}
    assert forms["avatar-form"]["hx-encoding"] == "multipart/form-data"
    assert forms["avatar-form"]["hx-post"] == "/settings/profile/avatar"
    assert forms["profile-form"]["hx-post"] == "/settings/profile"
    system = [attrs for tag, attrs in tags.found if attrs.get("name") == "theme" and attrs.get("value") == "system"]
    assert "checked" in system[0]
    current = [attrs["href"] for tag, attrs in tags.found if tag == "a" and attrs.get("aria-current") == "page"]
    assert current == ["/settings/profile"]
    assert "<style" not in page.text
    scripts = [attrs for tag, attrs in tags.found if tag == "script"]
    assert all((attrs.get("src") or "").startswith("/static/") for attrs in scripts)
    assert not [name for _, attrs in tags.found for name in attrs if name == "style" or name.startswith("on")]


@pytest.mark.parametrize("path", [PAGE, "/settings/tokens"])
async def test_signed_out_visitors_are_sent_to_sign_in(signed_out: httpx.AsyncClient, path: str) -> None:
    page = await signed_out.get(path, headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?return_to={path}"

    on_page = {"HX-Current-URL": f"http://testserver{path}"}
    from_htmx = await signed_out.post(path, data={"name": "Eve"}, headers=HTMX | on_page)
    assert from_htmx.status_code == 204
    assert from_htmx.headers["hx-redirect"] == f"/sign-in?return_to={path}"


async def test_saving_the_form_shows_a_toast_and_the_saved_values(api: httpx.AsyncClient, account: Account) -> None:
    form = {
        "name": " Ada King ",
        "phone": "+44 20 7946 0958",
        "linkedin_url": "https://www.linkedin.com/in/ada",
        "portfolio_url": "",
        "working_domain": "Computing",
        "job_role": "Analyst",
        "designation": "",
        "tools": "Jira,  Figma , , jira",
    }

    saved = await api.post(PAGE, data=form, headers=HTMX)

    assert saved.status_code == 200, saved.text
    assert toast_of(saved) == {"kind": "success", "title": "Profile saved", "message": ""}
    assert Tags(saved.text).named("tools")["value"] == "Jira, Figma"
    profile = (await api.get("/api/v1/me/profile")).json()
    assert profile["name"] == "Ada King"
    assert profile["tools"] == ["Jira", "Figma"]
    assert profile["portfolio_url"] is None
    assert profile["phone"] == "+44 20 7946 0958"


async def test_refused_fields_get_their_message_beside_them_and_keep_what_was_typed(
    api: httpx.AsyncClient, account: Account
) -> None:
    form = {"name": "Ada", "linkedin_url": "linkedin.com/in/ada", "phone": "call me", "tools": ""}

    refused = await api.post(PAGE, data=form, headers=HTMX)

    assert refused.status_code == 422
    assert "hx-trigger" not in refused.headers
    tags = Tags(refused.text)
    assert tags.named("linkedin_url")["aria-invalid"] == "true"
    assert tags.named("linkedin_url")["value"] == "linkedin.com/in/ada"
    assert tags.named("phone")["aria-invalid"] == "true"
    assert "aria-invalid" not in tags.named("name")
    assert 'id="field-linkedin_url-error"' in refused.text
    assert "Enter a web address starting with https:// or http://." in refused.text
    assert "Enter a phone number of 6 to 15 digits" in refused.text
    assert (await api.get("/api/v1/me/profile")).json()["linkedin_url"] is None


async def test_choosing_a_theme_saves_it_and_switches_the_page(api: httpx.AsyncClient, account: Account) -> None:
    chosen = await api.post(f"{PAGE}/theme", data={"theme": "dark"}, headers=HTMX)

    assert chosen.status_code == 200, chosen.text
    assert chosen.headers["set-cookie"].startswith("fairlx-theme=dark;")
    trigger = json.loads(chosen.headers["hx-trigger"])
    assert trigger["fairlx:theme-saved"] == {"preference": "dark"}
    assert trigger["toast"]["title"] == "Dark theme saved"
    dark = [attrs for tag, attrs in Tags(chosen.text).found if attrs.get("value") == "dark"]
    assert "checked" in dark[0]
    assert (await api.get("/api/v1/auth/me")).json()["user"]["theme"] == "dark"

    refused = await api.post(f"{PAGE}/theme", data={"theme": "sepia"}, headers=HTMX)
    assert refused.status_code == 422
    assert "set-cookie" not in refused.headers


async def test_the_avatar_card_uploads_refuses_and_removes(api: httpx.AsyncClient, account: Account) -> None:
    not_a_picture = await api.post(
        f"{PAGE}/avatar", files={"file": ("me.png", b"plain text", "image/png")}, headers=HTMX
    )
    assert not_a_picture.status_code == 422
    assert 'id="avatar-file-error"' in not_a_picture.text
    assert "not a picture we can read" in not_a_picture.text
    assert "<img" not in not_a_picture.text

    uploaded = await api.post(
        f"{PAGE}/avatar", files={"file": ("me.jpg", pictures.rotated_jpeg(), "image/jpeg")}, headers=HTMX
    )
    assert uploaded.status_code == 200, uploaded.text
    assert toast_of(uploaded)["title"] == "Avatar updated"
    avatar_url = (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"]
    images = [attrs for tag, attrs in Tags(uploaded.text).found if tag == "img"]
    assert images[0]["src"] == avatar_url
    assert (await api.get(avatar_url)).headers["content-type"] == "image/webp"
    assert f'src="{avatar_url}"' in (await api.get(PAGE)).text  # the header's account menu too

    nothing_chosen = await api.post(
        f"{PAGE}/avatar", files={"file": ("", b"", "application/octet-stream")}, headers=HTMX
    )
    assert nothing_chosen.status_code == 422
    assert "Choose a picture to upload." in nothing_chosen.text

    removed = await api.post(f"{PAGE}/avatar/remove", headers=HTMX)
    assert removed.status_code == 200
    assert toast_of(removed)["title"] == "Avatar removed"
    assert "<img" not in removed.text
    assert (await api.get("/api/v1/auth/me")).json()["user"]["avatar_url"] is None


async def test_the_avatar_page_route_needs_a_signed_in_user(signed_out: httpx.AsyncClient) -> None:
    refused = await signed_out.post(
        f"{PAGE}/avatar",
        files={"file": ("me.png", pictures.striped_png(), "image/png")},
        headers=HTMX | {"HX-Current-URL": "http://testserver/settings/profile"},
    )
    assert refused.status_code == 204
    assert refused.headers["hx-redirect"] == "/sign-in?return_to=/settings/profile"
