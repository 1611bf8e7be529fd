"""Every error as RFC 9457 problem+json: the errors services raise, FastAPI's validation errors,
Starlette's 404/405, and anything unexpected (a 500 that reveals nothing but the request id)."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from fairlx.core.errors import AppError, FieldError

PROBLEM_CONTENT_TYPE = "application/problem+json"

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


def app_error_response(error: AppError, request_id: str | None) -> Response:
    body = problem_body(
        error.status,
        error.code,
        title=error.title,
        detail=error.detail,
        errors=error.errors,
        request_id=request_id,
        extra=error.extra,
    )
    return problem_response(error.status, body, error.headers)


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _on_app_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, AppError)
    return app_error_response(error, request_id_of(request))


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
    return problem_response(status, body, dict(error.headers or {}))


async def _on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [_field_error(item) for item in error.errors()]
    detail = "; ".join(f"{item.field}: {item.message}" for item in errors)
    body = problem_body(
        422, "validation_failed", title="Invalid input", detail=detail, errors=errors, request_id=request_id_of(request)
    )
    return problem_response(422, body)


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
