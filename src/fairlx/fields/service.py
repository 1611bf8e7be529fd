"""Custom field definitions and custom work item types, owned by a workspace, a space or a project:
their rules, ordering, archiving and seeding from templates."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Invalid, NotFound
from fairlx.fields.models import CustomField, FieldType, WorkItemType
from fairlx.fields.schemas import (
    MAX_DEFINITIONS,
    FieldCreate,
    FieldDefinition,
    FieldUpdate,
    OptionIn,
    TypeCreate,
    TypeDefinition,
    TypeUpdate,
)
from fairlx.fields.templates import TEMPLATES_BY_NAME, FieldTemplate
from fairlx.fields.values import (
    FIELD_ORDER,
    NUMERIC_TYPES,
    OPTION_TYPES,
    SYSTEM_TYPES,
    Refused,
    TypeRule,
    custom_type_rule,
    fields_of_project,
    merged_rules,
    normalise,
    people_in,
    types_of_project,
    workspace_members,
)
from fairlx.projects.models import Project
from fairlx.projects.service import SettingsPage, settings_page
from fairlx.spaces.models import Space
from fairlx.tasks.models import Task
from fairlx.workflows.models import DefinitionScope, Workflow
from fairlx.workspaces.models import Workspace

TYPE_ICONS = (
    "layers",
    "zap",
    "doc",
    "check-circle",
    "alert-circle",
    "alert-triangle",
    "sparkles",
    "shield",
    "git-branch",
    "code",
    "globe",
    "clock",
    "bell",
    "key",
    "link",
    "users",
    "calendar",
    "message",
    "kanban",
    "inbox",
)


@dataclass(frozen=True)
class Owner:
    """Who a definition belongs to: a workspace, one of its spaces, or one of its projects."""

    scope: DefinitionScope
    workspace_id: uuid.UUID
    space_id: uuid.UUID | None = None
    project: Project | None = None

    @classmethod
    def of_workspace(cls, workspace: Workspace) -> Owner:
        return cls(DefinitionScope.WORKSPACE, workspace.id)

    @classmethod
    def of_space(cls, space: Space) -> Owner:
        return cls(DefinitionScope.SPACE, space.workspace_id, space_id=space.id)

    @classmethod
    def of_project(cls, project: Project) -> Owner:
        return cls(DefinitionScope.PROJECT, project.workspace_id, project=project)

    @property
    def project_id(self) -> uuid.UUID | None:
        return self.project.id if self.project else None


# ───────────────────────── which rows an owner holds and reaches ─────────────────────────


def owned_fields(owner: Owner) -> ColumnElement[bool]:
    return and_(
        CustomField.workspace_id == owner.workspace_id,
        CustomField.scope == owner.scope,
        CustomField.space_id == owner.space_id if owner.space_id else CustomField.space_id.is_(None),
        CustomField.project_id == owner.project_id if owner.project else CustomField.project_id.is_(None),
    )


def fields_meeting(owner: Owner) -> ColumnElement[bool]:
    """The fields that reach a project together with this owner's: their keys must differ."""
    if owner.project is not None:
        return fields_of_project(owner.project)
    if owner.space_id is None:
        return CustomField.workspace_id == owner.workspace_id
    projects_in_space = select(Project.id).where(Project.space_id == owner.space_id)
    return and_(
        CustomField.workspace_id == owner.workspace_id,
        or_(
            CustomField.scope == DefinitionScope.WORKSPACE,
            CustomField.space_id == owner.space_id,
            CustomField.project_id.in_(projects_in_space),
        ),
    )


def fields_listed(owner: Owner) -> ColumnElement[bool]:
    """A project lists every field that reaches it; a workspace or space its own."""
    return fields_of_project(owner.project) if owner.project is not None else owned_fields(owner)


def owned_types(owner: Owner) -> ColumnElement[bool]:
    if owner.project is None:
        return and_(WorkItemType.workspace_id == owner.workspace_id, WorkItemType.scope == DefinitionScope.WORKSPACE)
    return and_(WorkItemType.scope == DefinitionScope.PROJECT, WorkItemType.project_id == owner.project.id)


def types_reaching(owner: Owner) -> ColumnElement[bool]:
    """The custom types whose keys this owner's must not repeat (and which its definitions may name)."""
    if owner.project is not None:
        return types_of_project(owner.project)
    return WorkItemType.workspace_id == owner.workspace_id


def types_usable(owner: Owner) -> ColumnElement[bool]:
    """The custom types a definition of this owner may name: the ones that reach all its projects."""
    if owner.project is not None:
        return types_of_project(owner.project)
    return and_(WorkItemType.workspace_id == owner.workspace_id, WorkItemType.scope == DefinitionScope.WORKSPACE)


# ───────────────────────── fields ─────────────────────────


async def list_fields(db: AsyncSession, owner: Owner) -> list[CustomField]:
    return list(await db.scalars(select(CustomField).where(fields_listed(owner)).order_by(*FIELD_ORDER)))


async def get_field(db: AsyncSession, owner: Owner, field_id: uuid.UUID) -> CustomField:
    field = await db.scalar(select(CustomField).where(owned_fields(owner), CustomField.id == field_id))
    if field is None:
        raise NotFound("field_not_found", detail="No such field here.")
    return field


async def create_field(db: AsyncSession, actor_id: uuid.UUID, owner: Owner, data: FieldCreate) -> CustomField:
    count, last = (
        await db.execute(select(func.count(), func.max(CustomField.position)).where(owned_fields(owner)))
    ).one()
    if count >= MAX_DEFINITIONS:
        raise Conflict("too_many_fields", detail=f"A single owner can define at most {MAX_DEFINITIONS} fields.")
    key = data.key or key_from_name(data.name)
    await ensure_field_key_free(db, owner, key, field_id=None)
    field = CustomField(
        workspace_id=owner.workspace_id,
        space_id=owner.space_id,
        project_id=owner.project_id,
        scope=owner.scope,
        name=data.name,
        key=key,
        field_type=data.type,
        options=[],
        applies_to_types=[],
        position=0 if last is None else last + 1,
        created_by=actor_id,
    )
    await apply_definition(db, owner, field, data, SETTINGS)
    db.add(field)
    await db.flush()
    return field


async def update_field(db: AsyncSession, owner: Owner, field_id: uuid.UUID, data: FieldUpdate) -> CustomField:
    field = await get_field(db, owner, field_id)
    if data.type is not None and data.type != field.field_type:
        raise Conflict(
            "field_type_locked",
            field="type",
            detail="A field's type cannot change once it exists; create a new field instead.",
        )
    if data.key is not None and data.key != field.key:
        await ensure_field_key_free(db, owner, data.key, field_id=field.id)
        field.key = data.key
    if data.name is not None:
        field.name = data.name
    if data.archived is not None:
        field.archived_at = (field.archived_at or utcnow()) if data.archived else None
    await apply_definition(db, owner, field, data, data.model_fields_set)
    await db.flush()
    return field


async def delete_field(db: AsyncSession, owner: Owner, field_id: uuid.UUID) -> None:
    """The definition goes; tasks drop its value the next time they are saved."""
    await db.delete(await get_field(db, owner, field_id))
    await db.flush()


async def reorder_fields(db: AsyncSession, owner: Owner, ids: Sequence[uuid.UUID]) -> list[CustomField]:
    """Put the fields named by `ids` in that order, in the places they held among the owner's others."""
    if len(set(ids)) != len(ids):
        raise Invalid("duplicate_field", field="ids", detail="Name each field once.")
    current = list(await db.scalars(select(CustomField).where(owned_fields(owner)).order_by(*FIELD_ORDER)))
    by_id = {field.id: field for field in current}
    if any(each not in by_id for each in ids):
        raise Invalid("unknown_field", field="ids", detail="Every field must be one defined here.")
    moved, chosen = iter(ids), set(ids)
    for position, field in enumerate(by_id[next(moved)] if each.id in chosen else each for each in current):
        field.position = position
    await db.flush()
    return await list_fields(db, owner)


async def seed_templates(
    db: AsyncSession, actor_id: uuid.UUID, owner: Owner, names: Sequence[str]
) -> tuple[list[CustomField], list[str]]:
    """Create the fields of the named templates; a template whose key is already taken is skipped."""
    unknown = [name for name in names if name not in TEMPLATES_BY_NAME]
    if unknown:
        raise Invalid(
            "unknown_template",
            field="names",
            detail=f"There is no field template named {unknown[0]!r}. Choose from: {', '.join(TEMPLATES_BY_NAME)}.",
        )
    taken = set(await db.scalars(select(CustomField.key).where(fields_meeting(owner))))
    created, skipped = [], []
    for name in dict.fromkeys(names):
        template = TEMPLATES_BY_NAME[name]
        if template.key in taken:
            skipped.append(name)
        else:
            created.append(await create_field(db, actor_id, owner, field_from_template(template)))
    return created, skipped


def field_from_template(template: FieldTemplate) -> FieldCreate:
    return FieldCreate(
        name=template.name,
        key=template.key,
        type=template.field_type,
        description=template.description,
        options=[
            OptionIn(value=value, color=color, is_default=value == template.default_option)
            for value, color in template.options
        ],
        applies_to_types=list(template.applies_to_types),
        show_in_card=template.show_in_card,
        **template.settings,
    )


def key_from_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    if not slug[:1].isalpha():
        slug = f"field_{slug}".rstrip("_")
    return slug[:50].rstrip("_")


async def ensure_field_key_free(db: AsyncSession, owner: Owner, key: str, *, field_id: uuid.UUID | None) -> None:
    clash = select(CustomField.id).where(fields_meeting(owner), CustomField.key == key, CustomField.id != field_id)
    if await db.scalar(select(exists(clash))):
        raise Conflict(
            "field_key_taken", field="key", detail=f"The key {key!r} is already used by a field these tasks carry."
        )


# ───────────────────────── a field's settings ─────────────────────────

SETTINGS = frozenset(FieldDefinition.model_fields)
COLUMNS = {"required": "is_required"}  # body names that differ from column names


async def apply_definition(
    db: AsyncSession, owner: Owner, field: CustomField, data: FieldDefinition, names: Iterable[str]
) -> None:
    """Write the settings named by `names` from `data` onto `field`, then check the definition holds together."""
    sent = set(names) & SETTINGS
    for name in sent - {"default_value", "options"}:
        setattr(field, COLUMNS.get(name, name), getattr(data, name))
    if "options" in sent:
        field.options = built_options(data.options)
    check_settings_fit_type(field)
    await ensure_types_usable(db, owner, field.applies_to_types, "applies_to_types")
    if field.field_type in OPTION_TYPES:
        if "default_value" in data.model_fields_set:
            mark_default_options(field, data.default_value)
        field.default_value = options_default(field)
    elif "default_value" in sent:
        field.default_value = data.default_value
    await check_default(db, owner, field)


def built_options(sent: list[OptionIn]) -> list[dict[str, Any]]:
    """Options replace the old ones as a whole; an option sent with its id keeps the values tasks stored."""
    seen_values: set[str] = set()
    seen_ids: set[str] = set()
    built = []
    for position, option in enumerate(sent):
        option_id = option.id or secrets.token_hex(6)
        if option.value.casefold() in seen_values:
            raise Invalid(
                "duplicate_option", field=f"options.{position}.value", detail=f"{option.value!r} is listed twice."
            )
        if option_id in seen_ids:
            raise Invalid("duplicate_option", field=f"options.{position}.id", detail="Two options share an id.")
        seen_values.add(option.value.casefold())
        seen_ids.add(option_id)
        built.append(
            {
                "id": option_id,
                "value": option.value,
                "color": option.color.lower(),
                "is_default": option.is_default,
                "position": position,
            }
        )
    return built


def check_settings_fit_type(field: CustomField) -> None:
    kind = field.field_type
    label = kind.value.replace("_", " ").lower()
    if field.options and kind not in OPTION_TYPES:
        raise Invalid("options_not_allowed", field="options", detail=f"A {label} field has no options.")
    if kind in OPTION_TYPES and not field.options:
        raise Invalid("options_required", field="options", detail="Give the field at least one option.")
    for name in ("min_value", "max_value", "precision"):
        if getattr(field, name) is not None and kind not in NUMERIC_TYPES:
            raise Invalid("setting_not_allowed", field=name, detail=f"A {label} field takes no {name.split('_')[0]}.")
    if field.currency_code is not None and kind is not FieldType.CURRENCY:
        raise Invalid("setting_not_allowed", field="currency_code", detail="Only a currency field has a currency.")
    if kind is FieldType.CURRENCY and field.currency_code is None:
        raise Invalid("currency_required", field="currency_code", detail="Choose the currency, such as USD or EUR.")
    check_number_bounds(field)


def check_number_bounds(field: CustomField) -> None:
    low, high = field.min_value, field.max_value
    if field.field_type is FieldType.PERCENTAGE:
        for name, bound in (("min_value", low), ("max_value", high)):
            if bound is not None and not 0 <= bound <= 100:
                raise Invalid("value_out_of_range", field=name, detail="A percentage stays between 0 and 100.")
    if low is not None and high is not None and low > high:
        raise Invalid("min_above_max", field="min_value", detail="The minimum cannot be above the maximum.")


def mark_default_options(field: CustomField, default: Any) -> None:
    """A default sent as a value becomes the options' default flags."""
    try:
        chosen = normalise(field, default)
    except Refused as refused:
        raise Invalid(refused.code, refused.message, field="default_value") from None
    chosen_ids = set(chosen if isinstance(chosen, list) else [chosen] if chosen else [])
    field.options = [option | {"is_default": option["id"] in chosen_ids} for option in field.options]


def options_default(field: CustomField) -> Any:
    defaults = [option["id"] for option in field.options if option["is_default"]]
    if field.field_type is FieldType.MULTI_SELECT:
        return defaults or None
    if len(defaults) > 1:
        raise Invalid("too_many_defaults", field="options", detail="A single-choice field has one default at most.")
    return defaults[0] if defaults else None


async def check_default(db: AsyncSession, owner: Owner, field: CustomField) -> None:
    """The default must be a value the field accepts, under its current settings."""
    try:
        field.default_value = normalise(field, field.default_value)
    except Refused as refused:
        raise Invalid(refused.code, refused.message, field="default_value") from None
    people = set(people_in(field, field.default_value))
    if people - await workspace_members(db, owner.workspace_id, people):
        raise Invalid("not_a_member", field="default_value", detail="The default must name workspace members.")


async def ensure_types_usable(db: AsyncSession, owner: Owner, keys: Iterable[str], name: str) -> None:
    wanted = set(keys) - SYSTEM_TYPES.keys()
    if not wanted:
        return
    known = set(await db.scalars(select(WorkItemType.key).where(types_usable(owner), WorkItemType.key.in_(wanted))))
    if wanted - known:
        raise Invalid(
            "unknown_type", field=name, detail=f"There is no work item type {sorted(wanted - known)[0]!r} here."
        )


# ───────────────────────── work item types ─────────────────────────


async def list_types(db: AsyncSession, owner: Owner) -> list[WorkItemType]:
    """The custom types an owner's tasks may use (a project's include its workspace's), archived too."""
    order = (WorkItemType.scope.desc(), WorkItemType.position, WorkItemType.id)
    return list(await db.scalars(select(WorkItemType).where(types_usable(owner)).order_by(*order)))


async def get_type(db: AsyncSession, owner: Owner, type_id: uuid.UUID) -> WorkItemType:
    found = await db.scalar(select(WorkItemType).where(owned_types(owner), WorkItemType.id == type_id))
    if found is None:
        raise NotFound("type_not_found", detail="No such work item type here.")
    return found


async def create_type(db: AsyncSession, owner: Owner, data: TypeCreate) -> WorkItemType:
    if data.key in SYSTEM_TYPES:
        raise Invalid("reserved_type_key", field="key", detail=f"{data.key} is a built-in work item type.")
    count, last = (
        await db.execute(select(func.count(), func.max(WorkItemType.position)).where(owned_types(owner)))
    ).one()
    if count >= MAX_DEFINITIONS:
        raise Conflict("too_many_types", detail=f"A single owner can define at most {MAX_DEFINITIONS} types.")
    clash = select(WorkItemType.id).where(types_reaching(owner), WorkItemType.key == data.key)
    if await db.scalar(select(exists(clash))):
        raise Conflict("type_key_taken", field="key", detail=f"A work item type {data.key} already exists here.")
    item_type = WorkItemType(
        workspace_id=owner.workspace_id,
        project_id=owner.project_id,
        scope=owner.scope,
        key=data.key,
        name=data.name,
        position=0 if last is None else last + 1,
    )
    await apply_type_definition(db, owner, item_type, data, TYPE_SETTINGS)
    db.add(item_type)
    await db.flush()
    return item_type


async def update_type(db: AsyncSession, owner: Owner, type_id: uuid.UUID, data: TypeUpdate) -> WorkItemType:
    item_type = await get_type(db, owner, type_id)
    if data.name is not None:
        item_type.name = data.name
    if data.archived is not None:
        item_type.archived_at = (item_type.archived_at or utcnow()) if data.archived else None
    await apply_type_definition(db, owner, item_type, data, data.model_fields_set)
    await db.flush()
    return item_type


async def delete_type(db: AsyncSession, owner: Owner, type_id: uuid.UUID) -> None:
    item_type = await get_type(db, owner, type_id)
    in_use = select(Task.id).where(
        Task.workspace_id == owner.workspace_id,
        Task.type == item_type.key,
        Task.deleted_at.is_(None),
        Task.project_id == owner.project_id if owner.project else Task.project_id.is_not(None),
    )
    if await db.scalar(select(exists(in_use))):
        raise Conflict(
            "type_in_use", detail=f"Work items of type {item_type.key} exist; archive the type to retire it instead."
        )
    await db.delete(item_type)
    await db.flush()


TYPE_SETTINGS = frozenset(TypeDefinition.model_fields)


async def apply_type_definition(
    db: AsyncSession, owner: Owner, item_type: WorkItemType, data: TypeDefinition, names: Iterable[str]
) -> None:
    """Check the settings named by `names` from `data`, then write them onto the type."""
    sent = set(names) & TYPE_SETTINGS
    if "icon" in sent and data.icon is not None and data.icon not in TYPE_ICONS:
        raise Invalid("unknown_icon", field="icon", detail=f"Choose an icon from: {', '.join(TYPE_ICONS)}.")
    if "default_workflow_id" in sent and data.default_workflow_id is not None:
        await ensure_workflow_of_workspace(db, owner, data.default_workflow_id)
    if "required_field_ids" in sent:
        await ensure_fields_reach(db, owner, data.required_field_ids)
    for name in sent & {"allowed_parent_types", "allowed_child_types"}:
        keys: list[str] = getattr(data, name)
        if item_type.key in keys:
            raise Invalid("type_nests_itself", field=name, detail="A type cannot be nested under itself.")
        await ensure_types_usable(db, owner, keys, name)
        setattr(item_type, name, list(dict.fromkeys(keys)))
    for name in sent & {"description", "icon", "color", "default_workflow_id"}:
        setattr(item_type, name, getattr(data, name))
    if "required_field_ids" in sent:
        item_type.required_field_ids = [str(each) for each in dict.fromkeys(data.required_field_ids)]


async def ensure_workflow_of_workspace(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> None:
    found = select(Workflow.id).where(
        Workflow.id == workflow_id, Workflow.workspace_id == owner.workspace_id, Workflow.archived_at.is_(None)
    )
    if not await db.scalar(select(exists(found))):
        raise Invalid("unknown_workflow", field="default_workflow_id", detail="No such workflow in this workspace.")


async def ensure_fields_reach(db: AsyncSession, owner: Owner, field_ids: Sequence[uuid.UUID]) -> None:
    if not field_ids:
        return
    reach = fields_of_project(owner.project) if owner.project is not None else owned_fields(owner)
    found = set(await db.scalars(select(CustomField.id).where(reach, CustomField.id.in_(field_ids))))
    if set(field_ids) - found:
        raise Invalid(
            "unknown_field", field="required_field_ids", detail="Every required field must be one these tasks carry."
        )


# ───────────────────────── settings pages ─────────────────────────


@dataclass(frozen=True)
class FieldsPage:
    """What the fields and work item type sections of a settings page show."""

    fields: list[CustomField]
    custom_types: list[WorkItemType]
    rules: dict[str, TypeRule]  # the types in use: system and custom, not archived


async def fields_page(db: AsyncSession, owner: Owner) -> FieldsPage:
    custom = await list_types(db, owner)
    rules = merged_rules(custom_type_rule(each) for each in custom if each.archived_at is None)
    return FieldsPage(await list_fields(db, owner), custom, rules)


async def project_fields_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project, section: str
) -> tuple[SettingsPage, FieldsPage]:
    """A project's settings frame (its sections, what the caller may do) around its fields or types."""
    frame = await settings_page(db, cache, user_id, project, section)
    return frame, await fields_page(db, Owner.of_project(project))


async def move_field(db: AsyncSession, owner: Owner, field_id: uuid.UUID, step: int) -> list[CustomField]:
    """Swap one of the owner's fields with its neighbour above (-1) or below (+1); at either end nothing moves."""
    own = [field for field in await list_fields(db, owner) if field.scope == owner.scope]
    index = next((at for at, field in enumerate(own) if field.id == field_id), None)
    if index is None:
        raise NotFound("field_not_found", detail="No such field here.")
    other = index + step
    if not 0 <= other < len(own):
        return own
    return await reorder_fields(db, owner, [own[max(index, other)].id, own[min(index, other)].id])
