"""The errors services raise. One handler (`fairlx.middleware.problems`) renders them as RFC 9457
problem+json with a stable `code`; a validation error names the field it is about."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass(eq=False)  # exceptions keep identity hashing
class AppError(Exception):
    """Base of every error a service raises on purpose."""

    code: str
    detail: str = ""
    field: str | None = None
    errors: list[FieldError] = dataclasses.field(default_factory=list)
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.code)
        if self.field and not self.errors:
            self.errors = [FieldError(self.field, self.detail or self.title, self.code)]


class Invalid(AppError):
    status = 422
    title = "Invalid input"


class Unauthorized(AppError):
    status = 401
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    title = "Not found"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class PreconditionFailed(AppError):
    status = 412
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    title = "Payload too large"


class TooManyRequests(AppError):
    status = 429
    title = "Too many requests"


class ServiceUnavailable(AppError):
    status = 503
    title = "Service unavailable"
