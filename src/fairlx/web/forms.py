"""HTML forms posted by htmx: parse into the same pydantic models the JSON API uses, and turn a
refusal (bad input or a service's `AppError`) into messages beside the fields it names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from fairlx.core.errors import AppError
from fairlx.web.templating import render

Model = TypeVar("Model", bound=BaseModel)

# Checkboxes are absent from a form when unticked; these fields default to False.
CHECKBOX_VALUE = "on"


@dataclass
class FormErrors(Exception):
    """What to show on a re-rendered form: a message per field, and one for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    code: str | None = None  # the service's problem code, for forms that offer a way out (resend...)

    @classmethod
    def of(cls, error: AppError) -> FormErrors:
        fields = {item.field: item.message for item in error.errors}
        return cls(fields=fields, summary=None if fields else (error.detail or error.title), code=error.code)


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def parse_form(model: type[Model], values: Mapping[str, Any], checkboxes: tuple[str, ...] = ()) -> Model:
    """The form as `model`; raises FormErrors naming each bad field."""
    data: dict[str, Any] = {key: value for key, value in values.items() if key in model.model_fields}
    for name in checkboxes:
        data[name] = data.get(name) == CHECKBOX_VALUE
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else "form"
            fields.setdefault(name, _message(problem))
        raise FormErrors(fields=fields) from error


def _message(problem: Mapping[str, Any]) -> str:
    message = str(problem.get("msg", "Invalid value."))
    message = message.removeprefix("Value error, ")
    if problem.get("type") == "missing":
        return "This field is required."
    if problem.get("type") == "value_error" and "email" in message.lower():
        return "Enter a valid email address."
    return message[:1].upper() + message[1:]


async def refused(db: AsyncSession, error: AppError) -> FormErrors:
    """A service refused the form: undo its unfinished writes (what it meant to keep, it committed
    already), and say why beside the fields."""
    await db.rollback()
    return FormErrors.of(error)


async def handle_form(
    request: Request,
    db: AsyncSession,
    model: type[Model],
    act: Callable[[Model], Awaitable[Response]],
    *,
    template: str,
    context: Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]] | None = None,
    checkboxes: tuple[str, ...] = (),
) -> Response:
    """Parse the posted form as `model` and `act` on it; on bad input or a refusal, answer 422 with
    `template` re-rendered around what was typed (`values`) and the messages (`errors`), which htmx
    swaps in place of the form. `act` runs inside a savepoint: a refusal undoes only what it wrote, so
    rows loaded before (the page's context) stay usable. `context` may be a coroutine function, called
    only when the form is refused."""
    values = await form_values(request)
    try:
        parsed = parse_form(model, values, checkboxes)
    except FormErrors as invalid:
        errors = invalid
    else:
        savepoint = await db.begin_nested()
        try:
            response = await act(parsed)
        except AppError as error:
            if savepoint.is_active:  # a service that kept its work (`commit_then_raise`) ended it already
                await savepoint.rollback()
            errors = FormErrors.of(error)
        else:
            if savepoint.is_active:
                await savepoint.commit()
            return response
    page = await context() if callable(context) else context or {}
    return render(request, template, {**page, "values": values, "errors": errors}, status_code=422)
