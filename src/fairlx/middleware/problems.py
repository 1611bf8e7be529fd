"""Every error as RFC 9457 problem+json: the errors services raise, FastAPI's validation errors,
Starlette's 404/405, and anything unexpected (a 500 that reveals nothing but the request id).
A browser asking for a page outside /api/ gets the same problem as an HTML error page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from fairlx.core.errors import AppError, FieldError
from fairlx.web.assets import AssetsNotBuilt
from fairlx.web.templating import render

PROBLEM_CONTENT_TYPE = "application/problem+json"
HTML_TYPES = frozenset({"text/html", "text/*"})
JSON_TYPES = frozenset({"application/json", "application/problem+json", "application/*", "*/*"})

log = structlog.get_logger(__name__)


def problem_body(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str = "",
    errors: Sequence[FieldError] = (),
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:fairlx:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or title or HTTPStatus(status).phrase,
        "code": code,
    }
    if errors:
        body["errors"] = [error.as_dict() for error in errors]
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return body


def problem_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def app_error_body(error: AppError, request_id: str | None) -> dict[str, Any]:
    return problem_body(
        error.status,
        error.code,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        request_id=request_id,
        extra=error.extra,
    )


def problem_for_scope(scope: Scope, error: AppError | None) -> Response:
    """The negotiated answer to an error caught by a middleware, outside the exception handlers;
    `None` stands for an unexpected error (500)."""
    request = Request(scope)
    request_id = request_id_of(request)
    if error is None:
        return negotiated_problem(request, 500, unexpected_error_body(request_id))
    return negotiated_problem(request, error.status, app_error_body(error, request_id), error.headers)


def wants_html_page(request: Request) -> bool:
    """A browser navigating to a page: outside /api/, and text/html ranks above JSON in its Accept
    header (a bare `*/*`, as scripts and API clients send, keeps problem+json)."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    ranges = list(_media_ranges(request.headers.get("accept", "")))
    html_quality = max((quality for media, quality in ranges if media in HTML_TYPES), default=0.0)
    json_quality = max((quality for media, quality in ranges if media in JSON_TYPES), default=0.0)
    return html_quality > json_quality


def _media_ranges(accept: str) -> Iterator[tuple[str, float]]:
    """`text/html;q=0.9, */*;q=0.8` -> ("text/html", 0.9), ("*/*", 0.8)."""
    for media_range in accept.split(","):
        media_type, _, parameters = media_range.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        yield media_type.strip().lower(), quality


def negotiated_problem(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """problem+json, or the HTML error page with the same status and headers for a browser."""
    if not wants_html_page(request):
        return problem_response(status, body, headers)
    try:
        return render(request, "errors/problem.html", {"problem": body}, status_code=status, headers=headers)
    except AssetsNotBuilt:
        log.warning("error_page_needs_built_assets", status=status)
        return problem_response(status, body, headers)


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _on_app_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return negotiated_problem(request, error.status, app_error_body(error, request_id_of(request)), error.headers)


async def _on_http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    code = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    detail = error.detail if isinstance(error.detail, str) and error.detail != HTTPStatus(status).phrase else ""
    if status == 404 and not detail:
        detail = f"Nothing is at {request.url.path}."
    elif status == 405 and not detail:
        detail = f"{request.method} is not allowed on {request.url.path}."
    body = problem_body(status, code, detail=detail, request_id=request_id_of(request))
    return negotiated_problem(request, status, body, dict(error.headers or {}))


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [_field_error(item) for item in error.errors()]
    detail = "; ".join(f"{item.field}: {item.message}" for item in errors)
    body = problem_body(
        422, "validation_failed", title="Invalid input", detail=detail, errors=errors, request_id=request_id_of(request)
    )
    return negotiated_problem(request, 422, body)


def _field_error(item: dict[str, Any]) -> FieldError:
    location = [str(part) for part in item.get("loc", ())]
    if location and location[0] in {"body", "query", "path", "header", "cookie"} and len(location) > 1:
        location = location[1:]
    return FieldError(
        ".".join(location) or "body", str(item.get("msg", "is invalid")), str(item.get("type", "invalid"))
    )


def unexpected_error_body(request_id: str | None) -> dict[str, Any]:
    return problem_body(
        500,
        "internal_error",
        detail="Something went wrong on our side. It has been logged; quote the request id when reporting it.",
        request_id=request_id,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _on_app_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
