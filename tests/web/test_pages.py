"""The web shell over HTTP: pages, static assets and their caching, the theme cookie, and error pages
for browsers next to problem+json for everyone else."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import httpx
import pytest

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PROBLEM = "application/problem+json"
PAGES = ["/", "/style", "/api/docs"]


class TagCollector(HTMLParser):
    """Every start tag with its attributes, to check what a page would make a browser do."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = TagCollector()
    collector.feed(html)
    return collector.tags


async def browser_get(api: httpx.AsyncClient, path: str, **headers: str) -> httpx.Response:
    return await api.get(path, headers={"accept": BROWSER_ACCEPT, **headers})


async def test_landing_page_links_the_hashed_assets_and_the_sign_in_pages(
    api: httpx.AsyncClient, asset_manifest: dict[str, str]
) -> None:
    response = await browser_get(api, "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for logical_name in ("app.css", "app.js", "theme.js", "favicon.svg"):
        assert f'"/static/{asset_manifest[logical_name]}"' in response.text
    hrefs = {attrs.get("href") for tag, attrs in tags_of(response.text) if tag == "a"}
    assert {"/sign-in", "/sign-up"} <= hrefs
    assert "<h1" in response.text


@pytest.mark.parametrize("path", PAGES)
async def test_pages_have_no_inline_scripts_styles_or_eval_handlers(api: httpx.AsyncClient, path: str) -> None:
    response = await browser_get(api, path)
    tags = tags_of(response.text)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts, "every page loads its scripts from /static"
    assert all((attrs.get("src") or "").startswith("/static/") for attrs in scripts)
    assert "<style" not in response.text
    offending = [(tag, name) for tag, attrs in tags for name in attrs if name == "style" or name.startswith("hx-on")]
    assert offending == []
    meta = next(attrs for tag, attrs in tags if tag == "meta" and attrs.get("name") == "htmx-config")
    htmx_config = json.loads(meta["content"] or "{}")
    assert htmx_config["allowEval"] is False
    assert htmx_config["includeIndicatorStyles"] is False


async def test_style_page_shows_every_component(api: httpx.AsyncClient) -> None:
    response = await browser_get(api, "/style")
    html = response.text
    assert response.status_code == 200
    for marker in (
        'x-data="modal"',  # modal
        'x-data="modalTrigger"',
        'x-data="toastTrigger"',  # toast
        'hx-get="/style/toast"',
        "data-sortable-group",  # kanban
        'aria-sort="ascending"',  # sortable table
        'aria-invalid="true"',  # form errors
        'class="skeleton',  # skeleton loader
        "<progress",  # progress bar
        'role="progressbar"',
        'x-data="themeSwitcher"',
    ):
        assert marker in html, marker
    field_error = next(attrs for tag, attrs in tags_of(html) if attrs.get("id") == "project-key")
    assert field_error["aria-describedby"] == "project-key-error project-key-help"
    assert 'id="project-key-error"' in html
    assert 'id="project-key-help"' in html


async def test_style_table_sorts_on_the_server(api: httpx.AsyncClient) -> None:
    by_points = await browser_get(api, "/style?sort=-estimate")
    by_key = await browser_get(api, "/style")
    assert re.findall(r">(WEB-\d+)</td>", by_points.text)[0] == "WEB-137"  # 8 points, the most
    assert re.findall(r">(WEB-\d+)</td>", by_key.text)[:2] == ["WEB-128", "WEB-131"]
    assert 'aria-sort="descending"' in by_points.text
    assert 'href="/style?sort=estimate#table"' in by_points.text  # the next click flips the direction


async def test_unknown_sort_is_a_422_page_naming_the_field(api: httpx.AsyncClient) -> None:
    page = await browser_get(api, "/style?sort=colour")
    problem = await api.get("/style?sort=colour")
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert ">sort<" in page.text
    assert problem.status_code == 422
    assert problem.headers["content-type"] == PROBLEM
    assert problem.json()["errors"][0]["field"] == "sort"


async def test_hashed_assets_are_cached_forever(api: httpx.AsyncClient, asset_manifest: dict[str, str]) -> None:
    expected_types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for hashed_name in asset_manifest.values():
        response = await api.get(f"/static/{hashed_name}")
        assert response.status_code == 200, hashed_name
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        suffix = hashed_name[hashed_name.rindex(".") :]
        assert response.headers["content-type"].startswith(expected_types[suffix])


async def test_unhashed_files_get_a_short_cache_and_missing_ones_a_problem(api: httpx.AsyncClient) -> None:
    manifest = await api.get("/static/manifest.json")
    missing = await api.get("/static/app.000000000000.js")
    assert manifest.status_code == 200
    assert manifest.headers["cache-control"] == "public, max-age=300"
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM


async def test_favicon_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")


@pytest.mark.parametrize(("cookie", "dark"), [("dark", True), ("light", False), ("system", False), ("<script>", False)])
async def test_theme_cookie_decides_the_server_rendered_theme(api: httpx.AsyncClient, cookie: str, dark: bool) -> None:
    response = await browser_get(api, "/", cookie=f"fairlx-theme={cookie}")
    html_tag = next(attrs for tag, attrs in tags_of(response.text) if tag == "html")
    assert ("dark" in (html_tag.get("class") or "").split()) is dark
    assert html_tag["data-theme"] in {"light", "dark", "system"}
    pressed = re.findall(r'data-theme-value="(\w+)" aria-pressed="true"', response.text)
    assert pressed == [html_tag["data-theme"]]


async def test_missing_page_is_an_html_error_page_for_browsers(api: httpx.AsyncClient) -> None:
    response = await browser_get(api, "/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text
    assert "Nothing is at /no/such/page." in response.text
    assert response.headers["x-request-id"] in response.text
    assert 'href="/"' in response.text


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/no/such/page", "*/*"),  # scripts and API clients
        ("/no/such/page", "application/json"),
        ("/no/such/page", "application/json, text/html;q=0.5"),
        ("/no/such/page", ""),
        ("/api/v1/no-such-thing", BROWSER_ACCEPT),  # the API never answers with a page
        ("/api", BROWSER_ACCEPT),
    ],
)
async def test_everything_else_gets_problem_json(api: httpx.AsyncClient, path: str, accept: str) -> None:
    response = await api.get(path, headers={"accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "not_found"


async def test_error_page_keeps_the_status_and_headers_of_the_problem(api: httpx.AsyncClient) -> None:
    response = await api.delete("/style", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "GET" in response.headers["allow"]
    assert "DELETE is not allowed on /style." in response.text


async def test_server_toast_arrives_in_an_hx_trigger_header(api: httpx.AsyncClient) -> None:
    response = await api.get("/style/toast", headers={"hx-request": "true"})
    assert response.status_code == 204
    toast = json.loads(response.headers["hx-trigger"])["toast"]
    assert toast["kind"] == "success"
    assert toast["title"]


async def test_api_docs_page_loads_the_bundled_swagger_ui(
    api: httpx.AsyncClient, asset_manifest: dict[str, str]
) -> None:
    response = await browser_get(api, "/api/docs")
    assert response.status_code == 200
    for logical_name in ("swagger-ui.css", "swagger-ui-bundle.js", "api-docs.js"):
        assert f"/static/{asset_manifest[logical_name]}" in response.text
    assert 'data-openapi-url="/api/openapi.json"' in response.text


async def test_pages_are_not_in_the_openapi_document(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/api/openapi.json")).json()["paths"]
    assert "/healthz" in paths
    assert not {"/", "/style", "/style/toast", "/api/docs", "/favicon.ico"} & set(paths)
