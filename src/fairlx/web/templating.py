"""Jinja2 for every HTML page. One environment sees the `templates/` folder of the web shell and of
every domain package (`projects/templates/projects/board.html` is `projects/board.html`), escapes
everything by default, and offers `asset()` (hashed URLs of built files) plus the avatar filters."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from fairlx.auth.actor import ACTOR_STATE
from fairlx.auth.schemas import avatar_url
from fairlx.auth.sessions import SESSION_COOKIE
from fairlx.core.security.csrf import csrf_token
from fairlx.web.assets import AssetManifest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"
PRODUCT_NAME = "Fairlx"

Theme = Literal["light", "dark", "system"]
THEME_COOKIE = "fairlx-theme"
AVATAR_TONES = 8


def template_folders() -> list[Path]:
    domain_folders = sorted(path for path in PACKAGE_ROOT.glob("*/templates") if path != WEB_TEMPLATES)
    return [WEB_TEMPLATES, *domain_folders]


def initials(name: str) -> str:
    """ "Ada Lovelace" -> "AL", "ada@example.com" -> "A"."""
    words = name.split("@", maxsplit=1)[0].replace(".", " ").replace("_", " ").split()
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_tone(name: str) -> int:
    """A stable colour slot for a name (the same person keeps the same colour everywhere)."""
    return zlib.crc32(name.strip().lower().encode()) % AVATAR_TONES


def field_error(errors: Any, name: str) -> str | None:
    """The message for field `name` of a refused form (a `FormErrors`), if any."""
    return errors.fields.get(name) if errors else None


def map_options(items: Any, value_name: str, label_name: str) -> list[tuple[str, str]]:
    """Rows (objects or dicts) as the (value, label) pairs a select takes."""

    def read(item: Any, name: str) -> str:
        return str(item[name] if isinstance(item, dict) else getattr(item, name))

    return [(read(item, value_name), read(item, label_name)) for item in items]


def build_environment(manifest: AssetManifest | None = None) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in template_folders()]),
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["asset"] = (manifest or AssetManifest()).url
    environment.globals["product_name"] = PRODUCT_NAME
    environment.filters["initials"] = initials
    environment.filters["avatar_tone"] = avatar_tone
    environment.filters["map_options"] = map_options
    environment.globals["avatar_url"] = avatar_url
    environment.globals["field_error"] = field_error
    return environment


templates = Jinja2Templates(env=build_environment())


def theme_of(request: Request, preference: str | None = None) -> Theme:
    """The theme cookie (set by the switcher) wins; otherwise the signed-in user's saved preference."""
    chosen = request.cookies.get(THEME_COOKIE, preference)
    if chosen == "light":
        return "light"
    if chosen == "dark":
        return "dark"
    return "system"


def _csrf_token(request: Request) -> str | None:
    session = request.cookies.get(SESSION_COOKIE)
    if session is None:
        return None
    return csrf_token(request.app.state.infra.settings.signing_key, session)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A full page (or fragment) for this request, in the theme its cookie asks for, knowing who is
    signed in (when the route resolved it) and the CSRF token htmx must send with unsafe requests."""
    viewer = request.scope.get("state", {}).get(ACTOR_STATE)
    values = {
        "theme": theme_of(request, viewer.user.theme if viewer else None),
        "viewer": viewer,
        "csrf_token": _csrf_token(request),
        **(context or {}),
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )
    return response
