"""JSON routes of custom fields and work item types. The same handlers serve each owner:
/api/v1/workspaces/{workspace_id}, /api/v1/spaces/{space_id} (fields only) and /api/v1/projects/{project_id}."""

# No `from __future__ import annotations`: the handlers' parameter types are built per owner inside the
# router factories, and FastAPI must see them as objects, not as names to resolve in the module.

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter

from fairlx.dependencies import Ctx
from fairlx.fields import service
from fairlx.fields.models import CustomField, WorkItemType
from fairlx.fields.schemas import (
    FieldCreate,
    FieldList,
    FieldOut,
    FieldReorder,
    FieldUpdate,
    OptionOut,
    SeedOut,
    TemplateSeed,
    TypeCreate,
    TypeList,
    TypeOut,
    TypeUpdate,
)
from fairlx.fields.service import Owner
from fairlx.fields.values import SYSTEM_TYPES, TypeRule, custom_type_rule
from fairlx.projects.models import Project
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.spaces.models import Space
from fairlx.workspaces.models import Workspace

P = Permission


@dataclass(frozen=True)
class OwnerRoutes:
    """Where an owner's definitions live in the API and who may read and change them."""

    collection: str  # the path segment: workspaces, spaces, projects
    model: type[Any]
    parameter: str
    read: Permission
    write: Permission
    owner: Callable[[Any], Owner]

    @property
    def prefix(self) -> str:
        return f"/api/v1/{self.collection}/{{{self.parameter}}}"


WORKSPACES = OwnerRoutes(
    "workspaces", Workspace, "workspace_id", P.WORKSPACE_VIEW, P.WORKSPACE_SETTINGS_MANAGE, Owner.of_workspace
)
SPACES = OwnerRoutes("spaces", Space, "space_id", P.SPACE_VIEW, P.SPACE_SETTINGS_EDIT, Owner.of_space)
PROJECTS = OwnerRoutes("projects", Project, "project_id", P.PROJECT_VIEW, P.PROJECT_SETTINGS_MANAGE, Owner.of_project)


def field_out(field: CustomField) -> FieldOut:
    return FieldOut(
        id=field.id,
        workspace_id=field.workspace_id,
        space_id=field.space_id,
        project_id=field.project_id,
        scope=field.scope,
        name=field.name,
        key=field.key,
        type=field.field_type,
        description=field.description,
        required=field.is_required,
        default_value=field.default_value,
        placeholder=field.placeholder,
        options=[OptionOut.model_validate(each) for each in field.options],
        min_value=field.min_value,
        max_value=field.max_value,
        precision=field.precision,
        currency_code=field.currency_code,
        applies_to_types=field.applies_to_types,
        position=field.position,
        show_in_list=field.show_in_list,
        show_in_card=field.show_in_card,
        archived=field.archived_at is not None,
        archived_at=field.archived_at,
        created_at=field.created_at,
        updated_at=field.updated_at,
    )


def fields_out(fields: list[CustomField]) -> FieldList:
    return FieldList(items=[field_out(each) for each in fields])


def field_router(routes: OwnerRoutes) -> APIRouter:
    router = APIRouter(prefix=f"{routes.prefix}/fields", tags=["fields"])
    Reader = Annotated[Any, Authorized(routes.read, routes.model, routes.parameter)]  # noqa: N806 (a type)
    Writer = Annotated[Any, Authorized(routes.write, routes.model, routes.parameter)]  # noqa: N806 (a type)

    @router.get("")
    async def list_fields(resource: Reader, ctx: Ctx) -> FieldList:
        return fields_out(await service.list_fields(ctx.db, routes.owner(resource)))

    @router.post("", status_code=201)
    async def create_field(body: FieldCreate, resource: Writer, ctx: Ctx) -> FieldOut:
        return field_out(await service.create_field(ctx.db, ctx.actor.user_id, routes.owner(resource), body))

    @router.post("/reorder")
    async def reorder_fields(body: FieldReorder, resource: Writer, ctx: Ctx) -> FieldList:
        return fields_out(await service.reorder_fields(ctx.db, routes.owner(resource), body.ids))

    @router.post("/templates", status_code=201)
    async def seed_templates(body: TemplateSeed, resource: Writer, ctx: Ctx) -> SeedOut:
        created, skipped = await service.seed_templates(ctx.db, ctx.actor.user_id, routes.owner(resource), body.names)
        return SeedOut(items=[field_out(each) for each in created], skipped=skipped)

    @router.get("/{field_id}")
    async def get_field(field_id: uuid.UUID, resource: Reader, ctx: Ctx) -> FieldOut:
        return field_out(await service.get_field(ctx.db, routes.owner(resource), field_id))

    @router.patch("/{field_id}")
    async def update_field(field_id: uuid.UUID, body: FieldUpdate, resource: Writer, ctx: Ctx) -> FieldOut:
        return field_out(await service.update_field(ctx.db, routes.owner(resource), field_id, body))

    @router.delete("/{field_id}", status_code=204)
    async def delete_field(field_id: uuid.UUID, resource: Writer, ctx: Ctx) -> None:
        await service.delete_field(ctx.db, routes.owner(resource), field_id)

    return router


def system_type_out(rule: TypeRule, position: int) -> TypeOut:
    return TypeOut(
        id=None,
        key=rule.key,
        name=rule.name,
        description=None,
        icon=rule.icon,
        color=rule.color,
        is_system=True,
        scope=None,
        project_id=None,
        default_workflow_id=None,
        required_field_ids=[],
        allowed_parent_types=sorted(rule.allowed_parents, key=list(SYSTEM_TYPES).index),
        allowed_child_types=sorted(rule.allowed_children, key=list(SYSTEM_TYPES).index),
        position=position,
        archived=False,
    )


def type_out(item_type: WorkItemType) -> TypeOut:
    rule = custom_type_rule(item_type)
    return TypeOut(
        id=item_type.id,
        key=item_type.key,
        name=item_type.name,
        description=item_type.description,
        icon=rule.icon,
        color=rule.color,
        is_system=False,
        scope=item_type.scope,
        project_id=item_type.project_id,
        default_workflow_id=item_type.default_workflow_id,
        required_field_ids=item_type.required_field_ids,
        allowed_parent_types=item_type.allowed_parent_types,
        allowed_child_types=item_type.allowed_child_types,
        position=item_type.position,
        archived=item_type.archived_at is not None,
    )


def types_out(custom: list[WorkItemType]) -> TypeList:
    system = [system_type_out(rule, position) for position, rule in enumerate(SYSTEM_TYPES.values())]
    return TypeList(items=system + [type_out(each) for each in custom])


def type_router(routes: OwnerRoutes) -> APIRouter:
    router = APIRouter(prefix=f"{routes.prefix}/work-item-types", tags=["fields"])
    Reader = Annotated[Any, Authorized(routes.read, routes.model, routes.parameter)]  # noqa: N806 (a type)
    Writer = Annotated[Any, Authorized(routes.write, routes.model, routes.parameter)]  # noqa: N806 (a type)

    @router.get("")
    async def list_types(resource: Reader, ctx: Ctx) -> TypeList:
        return types_out(await service.list_types(ctx.db, routes.owner(resource)))

    @router.post("", status_code=201)
    async def create_type(body: TypeCreate, resource: Writer, ctx: Ctx) -> TypeOut:
        return type_out(await service.create_type(ctx.db, routes.owner(resource), body))

    @router.patch("/{type_id}")
    async def update_type(type_id: uuid.UUID, body: TypeUpdate, resource: Writer, ctx: Ctx) -> TypeOut:
        return type_out(await service.update_type(ctx.db, routes.owner(resource), type_id, body))

    @router.delete("/{type_id}", status_code=204)
    async def delete_type(type_id: uuid.UUID, resource: Writer, ctx: Ctx) -> None:
        await service.delete_type(ctx.db, routes.owner(resource), type_id)

    return router


router = APIRouter()
for owner_routes in (WORKSPACES, SPACES, PROJECTS):
    router.include_router(field_router(owner_routes))
for owner_routes in (WORKSPACES, PROJECTS):
    router.include_router(type_router(owner_routes))
