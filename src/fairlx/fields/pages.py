"""Settings pages of custom fields and work item types, for a project (two sections of its settings)
and for a workspace. Forms post with htmx and the section answers with itself again (refused: with
the messages beside the fields, status 422)."""

# No `from __future__ import annotations`: the handlers' parameter types are built per owner inside the
# router factory, and FastAPI must see them as objects, not as names to resolve in the module.

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fairlx.auth.actor import Actor
from fairlx.core.errors import AppError
from fairlx.core.infrastructure import Infrastructure
from fairlx.dependencies import Db, Infra
from fairlx.fields import service
from fairlx.fields.models import FieldType
from fairlx.fields.schemas import FieldCreate, FieldUpdate, TemplateSeed, TypeCreate, TypeUpdate
from fairlx.fields.service import TYPE_ICONS, Owner
from fairlx.fields.templates import TEMPLATES
from fairlx.fields.values import NUMERIC_TYPES, OPTION_TYPES
from fairlx.projects.models import Project
from fairlx.projects.pages import CHOICES as PROJECT_CHOICES
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.web.forms import CHECKBOX_VALUE, FormErrors, form_values, parse_form
from fairlx.web.guards import PageActor
from fairlx.web.templating import render
from fairlx.workspaces.models import Workspace

router = APIRouter(include_in_schema=False)

TYPE_LABELS = {
    FieldType.TEXT: "Text",
    FieldType.TEXTAREA: "Long text",
    FieldType.NUMBER: "Number",
    FieldType.DATE: "Date",
    FieldType.DATETIME: "Date and time",
    FieldType.SELECT: "Single choice",
    FieldType.MULTI_SELECT: "Multiple choice",
    FieldType.USER: "Person",
    FieldType.USERS: "People",
    FieldType.CHECKBOX: "Checkbox",
    FieldType.URL: "Link",
    FieldType.EMAIL: "Email",
    FieldType.CURRENCY: "Currency",
    FieldType.PERCENTAGE: "Percentage",
    FieldType.LABELS: "Labels",
}
BLANK_OPTION_ROWS = 3
OPTION_COLORS = ("#64748b", "#2563eb", "#16a34a", "#f59e0b", "#ea580c", "#dc2626", "#7c3aed", "#db2777")
CHOICES: dict[str, Any] = {
    "type_labels": TYPE_LABELS,
    "type_choices": list(TYPE_LABELS.items()),
    "numeric_types": NUMERIC_TYPES,
    "option_types": OPTION_TYPES,
    "templates": TEMPLATES,
    "type_icon_choices": [(icon, icon.replace("-", " ").capitalize()) for icon in TYPE_ICONS],
    "option_colors": OPTION_COLORS,
    "blank_option_rows": BLANK_OPTION_ROWS,
}


# ───────────────────────── forms into API bodies ─────────────────────────


def ticked(values: Mapping[str, str], prefix: str) -> list[str]:
    return [name.removeprefix(prefix) for name, value in values.items() if name.startswith(prefix) and value]


def blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def options_of(values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The option rows of the form (`option_value_N`, `option_color_N`, `option_id_N`), blank rows left out."""
    rows = sorted({int(name.rsplit("_", 1)[1]) for name in values if name.startswith("option_value_")})
    single_default = values.get("option_default")
    return [
        {
            "value": values[f"option_value_{row}"],
            "color": values.get(f"option_color_{row}") or OPTION_COLORS[0],
            "is_default": single_default == str(row) or values.get(f"option_default_{row}") == CHECKBOX_VALUE,
        }
        | ({"id": values[f"option_id_{row}"]} if values.get(f"option_id_{row}") else {})
        for row in rows
        if values[f"option_value_{row}"].strip()
    ]


def field_body(values: Mapping[str, str], *, creating: bool) -> dict[str, Any]:
    """The API body a field form stands for; checkboxes left unticked are False."""
    kind = values.get("type", "")
    body: dict[str, Any] = {
        "name": values.get("name", ""),
        "description": blank_is_none(values.get("description")),
        "placeholder": blank_is_none(values.get("placeholder")),
        "required": values.get("required") == CHECKBOX_VALUE,
        "show_in_list": values.get("show_in_list") == CHECKBOX_VALUE,
        "show_in_card": values.get("show_in_card") == CHECKBOX_VALUE,
        "applies_to_types": ticked(values, "applies_"),
    }
    if creating:
        body |= {"type": kind, "key": blank_is_none(values.get("key"))}
    if kind in OPTION_TYPES:
        body["options"] = options_of(values)  # their default flags are the default
    else:
        body["default_value"] = blank_is_none(values.get("default_value"))  # numbers too: read from text
    if kind in NUMERIC_TYPES:
        body |= {name: blank_is_none(values.get(name)) for name in ("min_value", "max_value", "precision")}
    if kind == FieldType.CURRENCY:
        body["currency_code"] = blank_is_none(values.get("currency_code"))
    return body


def type_body(values: Mapping[str, str]) -> dict[str, Any]:
    return {
        "key": values.get("key", ""),
        "name": values.get("name", ""),
        "description": blank_is_none(values.get("description")),
        "icon": blank_is_none(values.get("icon")),
        "color": blank_is_none(values.get("color")),
        "allowed_parent_types": ticked(values, "parent_"),
        "allowed_child_types": ticked(values, "child_"),
    }


def toast(title: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": ""}})}


# ───────────────────────── the pages, per owner ─────────────────────────

Frame = Callable[[Db, Infra, PageActor, Any, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class OwnerPages:
    """Where an owner's settings pages live, who may use them and what frames them."""

    base: str  # the settings path, with the owner's path parameter
    model: type[Any]
    parameter: str
    permission: Permission
    owner: Callable[[Any], Owner]
    frame: Frame
    page: str  # the template of the full page

    def url(self, resource: Any) -> str:
        return self.base.replace(f"{{{self.parameter}}}", str(resource.id))


async def project_frame(db: Db, infra: Infra, actor: PageActor, project: Project, section: str) -> dict[str, Any]:
    frame, page = await service.project_fields_page(db, infra.cache, actor.user_id, project, section)
    return {**PROJECT_CHOICES, "data": frame, "page": page}


async def workspace_frame(db: Db, infra: Infra, actor: PageActor, workspace: Workspace, section: str) -> dict[str, Any]:
    return {
        "data": {"workspace": workspace, "section": section},
        "page": await service.fields_page(db, Owner.of_workspace(workspace)),
    }


PROJECT_PAGES = OwnerPages(
    "/projects/{project_id}/settings",
    Project,
    "project_id",
    Permission.PROJECT_SETTINGS_MANAGE,
    Owner.of_project,
    project_frame,
    "fields/project_settings.html",
)
WORKSPACE_PAGES = OwnerPages(
    "/workspaces/{workspace_id}/settings",
    Workspace,
    "workspace_id",
    Permission.WORKSPACE_SETTINGS_MANAGE,
    Owner.of_workspace,
    workspace_frame,
    "fields/workspace_settings.html",
)
SECTION_TEMPLATES = {"fields": "fields/_fields.html", "types": "fields/_types.html"}


@dataclass(frozen=True)
class Visit:
    """One request to an owner's settings pages, once the caller may manage the owner's definitions."""

    pages: OwnerPages
    request: Request
    resource: Any
    actor: Actor
    db: AsyncSession
    infra: Infrastructure

    @property
    def owner(self) -> Owner:
        return self.pages.owner(self.resource)

    async def context(self, section: str) -> dict[str, Any]:
        frame = await self.pages.frame(self.db, self.infra, self.actor, self.resource, section)
        base = self.pages.url(self.resource)
        return {**CHOICES, **frame, "base": base, "owner": self.owner, "values": {}, "errors": None}

    async def section_change(self, section: str, change: Callable[[Mapping[str, str]], Awaitable[str]]) -> Response:
        """Make a change from the section's form and answer with the section again: updated with a toast,
        or (refused) with the messages and what was typed."""
        values = await form_values(self.request)
        savepoint = await self.db.begin_nested()  # a refusal undoes only the change, not the page's rows
        try:
            title = await change(values)
        except FormErrors as invalid:
            await savepoint.rollback()
            errors = invalid
        except AppError as error:
            await savepoint.rollback()
            errors = FormErrors.of(error)
        else:
            await savepoint.commit()
            return render(self.request, SECTION_TEMPLATES[section], await self.context(section), headers=toast(title))
        before = await self.context(section)
        return render(
            self.request, SECTION_TEMPLATES[section], before | {"values": values, "errors": errors}, status_code=422
        )


def owner_pages(pages: OwnerPages) -> APIRouter:
    pages_router = APIRouter(prefix=pages.base, include_in_schema=False)
    Manager = Annotated[Any, Authorized(pages.permission, pages.model, pages.parameter)]  # noqa: N806 (a type)

    async def visiting(request: Request, resource: Manager, actor: PageActor, db: Db, infra: Infra) -> Visit:
        return Visit(pages, request, resource, actor, db, infra)

    Visiting = Annotated[Visit, Depends(visiting)]  # noqa: N806 (a type)

    @pages_router.get("/fields", response_class=HTMLResponse)
    async def fields_page(visit: Visiting) -> Response:
        return render(visit.request, pages.page, await visit.context("fields"))

    @pages_router.get("/fields/form", response_class=HTMLResponse)
    async def field_form(visit: Visiting, field_id: Annotated[uuid.UUID | None, Query()] = None) -> Response:
        """The create (or edit) form again, its inputs following the type chosen."""
        page = await visit.context("fields")
        editing = next((each for each in page["page"].fields if each.id == field_id), None)
        values = dict(visit.request.query_params)
        return render(visit.request, "fields/_field_form.html", page | {"values": values, "editing": editing})

    @pages_router.post("/fields")
    async def create_field(visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            body = parse_form(FieldCreate, field_body(values, creating=True))
            field = await service.create_field(visit.db, visit.actor.user_id, visit.owner, body)
            return f"{field.name} added"

        return await visit.section_change("fields", change)

    @pages_router.post("/fields/templates")
    async def seed_templates(visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            body = parse_form(TemplateSeed, {"names": ticked(values, "template_")})
            created, _ = await service.seed_templates(visit.db, visit.actor.user_id, visit.owner, body.names)
            return f"{len(created)} field{'s' if len(created) != 1 else ''} added from templates"

        return await visit.section_change("fields", change)

    @pages_router.post("/fields/{field_id}")
    async def update_field(field_id: uuid.UUID, visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            body = parse_form(FieldUpdate, field_body(values, creating=False))
            field = await service.update_field(visit.db, visit.owner, field_id, body)
            return f"{field.name} saved"

        return await visit.section_change("fields", change)

    @pages_router.post("/fields/{field_id}/archive")
    async def archive_field(field_id: uuid.UUID, visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            archived = values.get("archived") == "true"
            field = await service.update_field(visit.db, visit.owner, field_id, FieldUpdate(archived=archived))
            return f"{field.name} {'archived' if archived else 'restored'}"

        return await visit.section_change("fields", change)

    @pages_router.post("/fields/{field_id}/move")
    async def move_field(
        field_id: uuid.UUID, visit: Visiting, step: Annotated[int, Query(ge=-1, le=1)] = 1
    ) -> Response:
        async def change(_values: Mapping[str, str]) -> str:
            await service.move_field(visit.db, visit.owner, field_id, step)
            return "Order saved"

        return await visit.section_change("fields", change)

    @pages_router.delete("/fields/{field_id}")
    async def delete_field(field_id: uuid.UUID, visit: Visiting) -> Response:
        async def change(_values: Mapping[str, str]) -> str:
            await service.delete_field(visit.db, visit.owner, field_id)
            return "Field deleted"

        return await visit.section_change("fields", change)

    @pages_router.get("/types", response_class=HTMLResponse)
    async def types_page(visit: Visiting) -> Response:
        return render(visit.request, pages.page, await visit.context("types"))

    @pages_router.post("/types")
    async def create_type(visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            item_type = await service.create_type(visit.db, visit.owner, parse_form(TypeCreate, type_body(values)))
            return f"{item_type.name} added"

        return await visit.section_change("types", change)

    @pages_router.post("/types/{type_id}/archive")
    async def archive_type(type_id: uuid.UUID, visit: Visiting) -> Response:
        async def change(values: Mapping[str, str]) -> str:
            archived = values.get("archived") == "true"
            item_type = await service.update_type(visit.db, visit.owner, type_id, TypeUpdate(archived=archived))
            return f"{item_type.name} {'archived' if archived else 'restored'}"

        return await visit.section_change("types", change)

    return pages_router


router.include_router(owner_pages(PROJECT_PAGES))
router.include_router(owner_pages(WORKSPACE_PAGES))
