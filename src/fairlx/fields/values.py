"""Custom field values on work items: which fields and work item types apply to a project, the
normalisation of the values a task stores in `Task.custom_fields`, and the SQL expressions that filter
and sort tasks by them."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.errors import FieldError, Invalid
from fairlx.fields.models import CustomField, FieldType, WorkItemType
from fairlx.projects.models import Project
from fairlx.tasks.models import Task
from fairlx.workflows.models import DefinitionScope
from fairlx.workspaces.models import WorkspaceMember

TEXT_LIMITS = {FieldType.TEXT: 1000, FieldType.TEXTAREA: 10000}
NUMERIC_TYPES = frozenset({FieldType.NUMBER, FieldType.CURRENCY, FieldType.PERCENTAGE})
LIST_TYPES = frozenset({FieldType.MULTI_SELECT, FieldType.USERS, FieldType.LABELS})
OPTION_TYPES = frozenset({FieldType.SELECT, FieldType.MULTI_SELECT})
USER_TYPES = frozenset({FieldType.USER, FieldType.USERS})
MAX_URL = 2000
MAX_EMAIL = 254
MAX_LABEL = 50
MAX_LIST_ITEMS = 100
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SCOPE_RANK = {DefinitionScope.WORKSPACE: 0, DefinitionScope.SPACE: 1, DefinitionScope.PROJECT: 2}


# ───────────────────────── work item types ─────────────────────────


@dataclass(frozen=True)
class TypeRule:
    """What a work item type may be nested under and hold. The rules are symmetric: a pair is allowed
    when the child's key is in the parent's `allowed_children`, which holds exactly when the parent's key
    is in the child's `allowed_parents`."""

    key: str
    name: str
    icon: str
    color: str
    is_system: bool
    allowed_parents: frozenset[str]
    allowed_children: frozenset[str]
    required_field_ids: frozenset[str]


def _system_type(
    key: str, name: str, icon: str, color: str, *, parents: Iterable[str], children: Iterable[str]
) -> TypeRule:
    return TypeRule(key, name, icon, color, True, frozenset(parents), frozenset(children), frozenset())


SYSTEM_TYPES: dict[str, TypeRule] = {
    rule.key: rule
    for rule in (
        _system_type("EPIC", "Epic", "zap", "#7c3aed", parents=(), children=("STORY", "TASK", "BUG")),
        _system_type("STORY", "Story", "doc", "#16a34a", parents=("EPIC",), children=("SUBTASK",)),
        _system_type("TASK", "Task", "check-circle", "#2563eb", parents=("EPIC", "STORY"), children=("SUBTASK",)),
        _system_type("BUG", "Bug", "alert-circle", "#dc2626", parents=("EPIC",), children=("SUBTASK",)),
        _system_type("SUBTASK", "Subtask", "layers", "#64748b", parents=("STORY", "TASK", "BUG"), children=()),
    )
}
DEFAULT_TYPE_ICON = "layers"
DEFAULT_TYPE_COLOR = "#64748b"


def types_of_project(project: Project) -> ColumnElement[bool]:
    """The custom work item types a project's tasks may use: its workspace's and its own."""
    return and_(
        WorkItemType.workspace_id == project.workspace_id,
        or_(
            WorkItemType.scope == DefinitionScope.WORKSPACE,
            and_(WorkItemType.scope == DefinitionScope.PROJECT, WorkItemType.project_id == project.id),
        ),
    )


def custom_type_rule(item_type: WorkItemType) -> TypeRule:
    return TypeRule(
        key=item_type.key,
        name=item_type.name,
        icon=item_type.icon or DEFAULT_TYPE_ICON,
        color=item_type.color or DEFAULT_TYPE_COLOR,
        is_system=False,
        allowed_parents=frozenset(item_type.allowed_parent_types),
        allowed_children=frozenset(item_type.allowed_child_types),
        required_field_ids=frozenset(item_type.required_field_ids),
    )


def merged_rules(custom: Iterable[TypeRule]) -> dict[str, TypeRule]:
    """System and custom rules, each relation written on both of its ends."""
    rules = {**SYSTEM_TYPES, **{rule.key: rule for rule in custom}}
    parents = {key: set(rule.allowed_parents) for key, rule in rules.items()}
    children = {key: set(rule.allowed_children) for key, rule in rules.items()}
    for key, rule in rules.items():
        for parent in rule.allowed_parents & rules.keys():
            children[parent].add(key)
        for child in rule.allowed_children & rules.keys():
            parents[child].add(key)
    return {
        key: TypeRule(
            key=rule.key,
            name=rule.name,
            icon=rule.icon,
            color=rule.color,
            is_system=rule.is_system,
            allowed_parents=frozenset(parents[key] & rules.keys()),
            allowed_children=frozenset(children[key] & rules.keys()),
            required_field_ids=rule.required_field_ids,
        )
        for key, rule in rules.items()
    }


async def type_rules(db: AsyncSession, project: Project) -> dict[str, TypeRule]:
    """The five system types and the project's and its workspace's custom types that are not archived."""
    custom = await db.scalars(
        select(WorkItemType)
        .where(types_of_project(project), WorkItemType.archived_at.is_(None))
        .order_by(WorkItemType.position, WorkItemType.id)
    )
    return merged_rules(custom_type_rule(each) for each in custom)


# ───────────────────────── fields ─────────────────────────


def fields_of_project(project: Project) -> ColumnElement[bool]:
    """The field definitions that reach a project: its workspace's, its space's and its own."""
    in_space = (
        and_(CustomField.scope == DefinitionScope.SPACE, CustomField.space_id == project.space_id)
        if project.space_id
        else false()
    )
    return and_(
        CustomField.workspace_id == project.workspace_id,
        or_(
            CustomField.scope == DefinitionScope.WORKSPACE,
            in_space,
            and_(CustomField.scope == DefinitionScope.PROJECT, CustomField.project_id == project.id),
        ),
    )


# Workspace fields first, then the space's, then the project's; each owner's in its own order.
FIELD_ORDER = (case(SCOPE_RANK, value=CustomField.scope), CustomField.position, CustomField.id)


async def applicable_fields(db: AsyncSession, project: Project) -> list[CustomField]:
    """The fields a project's tasks carry, not archived, in display order."""
    found = await db.scalars(
        select(CustomField).where(fields_of_project(project), CustomField.archived_at.is_(None)).order_by(*FIELD_ORDER)
    )
    return list(found)


def applies_to_type(field: CustomField, task_type: str) -> bool:
    return not field.applies_to_types or task_type in field.applies_to_types


# ───────────────────────── values ─────────────────────────


class Refused(Exception):
    """A value a field cannot hold; `message` is a sentence for the person who typed it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(field: CustomField, raw: Any) -> str | None:
    if not isinstance(raw, str):
        raise Refused("invalid_value", f"{field.name} must be text.")
    text = raw.strip()
    limit = TEXT_LIMITS[field.field_type]
    if len(text) > limit:
        raise Refused("value_too_long", f"{field.name} can be at most {limit} characters long.")
    return text or None


def _number(field: CustomField, raw: Any) -> float | int | None:
    if isinstance(raw, str) and raw.strip():
        try:
            raw = float(raw.strip())
        except ValueError:
            raise Refused("invalid_value", f"{field.name} must be a number.") from None
    elif isinstance(raw, str):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise Refused("invalid_value", f"{field.name} must be a number.")
    low, high = number_bounds(field)
    if (low is not None and raw < low) or (high is not None and raw > high):
        raise Refused("value_out_of_range", f"{field.name} must be {describe_range(low, high)}.")
    if field.precision is None:
        return raw
    rounded = round(float(raw), field.precision)
    return int(rounded) if field.precision == 0 else rounded


def number_bounds(field: CustomField) -> tuple[float | None, float | None]:
    low, high = field.min_value, field.max_value
    if field.field_type is FieldType.PERCENTAGE:
        low = 0.0 if low is None else max(low, 0.0)
        high = 100.0 if high is None else min(high, 100.0)
    return low, high


def describe_range(low: float | None, high: float | None) -> str:
    def shown(value: float) -> str:
        return f"{value:g}"

    if low is not None and high is not None:
        return f"between {shown(low)} and {shown(high)}"
    if low is not None:
        return f"at least {shown(low)}"
    return f"at most {shown(high or 0.0)}"


def _date(field: CustomField, raw: Any) -> str | None:
    if raw == "":
        return None
    try:
        if not isinstance(raw, str) or not ISO_DATE.match(raw):
            raise ValueError
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise Refused("invalid_value", f"{field.name} must be a date like 2025-01-31.") from None


def _datetime(field: CustomField, raw: Any) -> str | None:
    if raw == "":
        return None
    try:
        if not isinstance(raw, str):
            raise ValueError
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise Refused("invalid_value", f"{field.name} must be a date and time like 2025-01-31T09:30:00Z.") from None
    if moment.tzinfo is None:
        raise Refused("invalid_value", f"{field.name} needs a time zone, such as Z or +02:00.")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def option_id(field: CustomField, raw: Any) -> str:
    """The id of the option `raw` names, by its id or its text (in any letter case)."""
    if isinstance(raw, str):
        wanted = raw.strip()
        for option in field.options:
            if option["id"] == wanted:
                return str(option["id"])
        for option in field.options:
            if str(option["value"]).casefold() == wanted.casefold():
                return str(option["id"])
    raise Refused("unknown_option", f"{field.name} has no option {raw!r}.")


def _select(field: CustomField, raw: Any) -> str | None:
    return None if raw == "" else option_id(field, raw)


def _items(field: CustomField, raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise Refused("invalid_value", f"{field.name} must be a list.")
    if len(raw) > MAX_LIST_ITEMS:
        raise Refused("value_too_long", f"{field.name} can hold at most {MAX_LIST_ITEMS} entries.")
    return raw


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _multi_select(field: CustomField, raw: Any) -> list[str] | None:
    return unique(option_id(field, each) for each in _items(field, raw)) or None


def user_id(field: CustomField, raw: Any) -> str:
    parsed = parse_id(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise Refused("invalid_value", f"{field.name} must name a person by their user id.")
    return str(parsed)


def _user(field: CustomField, raw: Any) -> str | None:
    return None if raw == "" else user_id(field, raw)


def _users(field: CustomField, raw: Any) -> list[str] | None:
    return unique(user_id(field, each) for each in _items(field, raw)) or None


def _checkbox(field: CustomField, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise Refused("invalid_value", f"{field.name} must be true or false.")
    return raw


def _url(field: CustomField, raw: Any) -> str | None:
    if not isinstance(raw, str):
        raise Refused("invalid_value", f"{field.name} must be a web address.")
    text = raw.strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise Refused("value_too_long", f"{field.name} can be at most {MAX_URL} characters long.")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(char.isspace() for char in text):
        raise Refused("invalid_value", f"{field.name} must be a web address starting with http:// or https://.")
    return text


def _email(field: CustomField, raw: Any) -> str | None:
    if not isinstance(raw, str):
        raise Refused("invalid_value", f"{field.name} must be an email address.")
    text = raw.strip()
    if not text:
        return None
    if len(text) > MAX_EMAIL:
        raise Refused("value_too_long", f"{field.name} can be at most {MAX_EMAIL} characters long.")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Refused("invalid_value", f"{field.name} must be an email address like ana@example.com.") from None


def label(field: CustomField, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise Refused("invalid_value", f"Each entry of {field.name} must be a non-empty text.")
    if len(raw.strip()) > MAX_LABEL:
        raise Refused("value_too_long", f"Each entry of {field.name} can be at most {MAX_LABEL} characters long.")
    return raw.strip()


def _labels(field: CustomField, raw: Any) -> list[str] | None:
    return unique(label(field, each) for each in _items(field, raw)) or None


NORMALISERS: dict[FieldType, Callable[[CustomField, Any], Any]] = {
    FieldType.TEXT: _text,
    FieldType.TEXTAREA: _text,
    FieldType.NUMBER: _number,
    FieldType.CURRENCY: _number,
    FieldType.PERCENTAGE: _number,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.SELECT: _select,
    FieldType.MULTI_SELECT: _multi_select,
    FieldType.USER: _user,
    FieldType.USERS: _users,
    FieldType.CHECKBOX: _checkbox,
    FieldType.URL: _url,
    FieldType.EMAIL: _email,
    FieldType.LABELS: _labels,
}


def normalise(field: CustomField, raw: Any) -> Any:
    """The value `field` stores for `raw` (None clears it), or `Refused`. Membership of people is checked
    by the caller, in one query for all fields."""
    return None if raw is None else NORMALISERS[field.field_type](field, raw)


def field_path(field: CustomField) -> str:
    return f"custom_fields.{field.key}"


def people_in(field: CustomField, value: Any) -> list[str]:
    if value is None or field.field_type not in USER_TYPES:
        return []
    return list(value) if isinstance(value, list) else [value]


async def workspace_members(db: AsyncSession, workspace_id: uuid.UUID, user_ids: set[str]) -> set[str]:
    if not user_ids:
        return set()
    found = await db.scalars(
        select(WorkspaceMember.user_id).where(
            WorkspaceMember.workspace_id == workspace_id,
            WorkspaceMember.user_id.in_([uuid.UUID(each) for each in user_ids]),
        )
    )
    return {str(each) for each in found}


async def people_errors(
    db: AsyncSession, workspace_id: uuid.UUID, fields: Sequence[CustomField], values: Mapping[str, Any]
) -> list[FieldError]:
    """A refusal for each person field naming someone who is not a member of the workspace."""
    wanted = {str(field.id): people_in(field, values.get(str(field.id))) for field in fields}
    members = await workspace_members(db, workspace_id, {each for ids in wanted.values() for each in ids})
    return [
        FieldError(field_path(field), f"{field.name} must name members of this workspace.", "not_a_member")
        for field in fields
        if set(wanted[str(field.id)]) - members
    ]


async def required_by_type(db: AsyncSession, project: Project, task_type: str) -> frozenset[str]:
    if task_type in SYSTEM_TYPES:
        return frozenset()
    found = await db.scalar(
        select(WorkItemType.required_field_ids).where(
            types_of_project(project), WorkItemType.key == task_type, WorkItemType.archived_at.is_(None)
        )
    )
    return frozenset(found or ())


async def kept_previous(
    db: AsyncSession, project: Project, known: set[str], previous: Mapping[str, Any]
) -> dict[str, Any]:
    """The previous values of fields not offered this time (archived, not applicable): kept while their
    definition exists; a deleted definition takes its values with it."""
    others = [key for key in previous if key not in known]
    alive: set[str] = set()
    ids = [parsed for parsed in map(parse_id, others) if parsed is not None]
    if ids:
        found = await db.scalars(select(CustomField.id).where(fields_of_project(project), CustomField.id.in_(ids)))
        alive = {str(each) for each in found}
    return {key: value for key, value in previous.items() if key in known or key in alive}


def parse_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def clean_field_values(
    db: AsyncSession,
    project: Project,
    fields: Sequence[CustomField],
    task_type: str,
    values: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The complete normalised {field id: value} a task stores.

    `values` are keyed by field id or key. `previous=None` is a new task: defaults fill what was not
    given, and every required field that applies to `task_type` must end up with a value. Otherwise
    `values` is a partial update merged onto `previous`: a null clears, except a required field's."""
    by_name = {str(field.id): field for field in fields} | {field.key: field for field in fields}
    errors: list[FieldError] = []
    changed: dict[str, Any] = {}
    for given, raw in values.items():
        field = by_name.get(str(given))
        if field is None:
            errors.append(FieldError(f"custom_fields.{given}", f"There is no field {given!r} here.", "unknown_field"))
        elif not applies_to_type(field, task_type):
            message = f"{field.name} does not apply to {task_type} items."
            errors.append(FieldError(field_path(field), message, "field_not_applicable"))
        else:
            try:
                changed[str(field.id)] = normalise(field, raw)
            except Refused as refused:
                errors.append(FieldError(field_path(field), refused.message, refused.code))
    applicable = [field for field in fields if applies_to_type(field, task_type)]
    if previous is None:
        for field in applicable:
            if str(field.id) not in changed and field.default_value is not None:
                changed[str(field.id)] = field.default_value
    errors += await people_errors(db, project.workspace_id, applicable, changed)
    kept = await kept_previous(db, project, set(by_name), previous or {})
    merged = {key: value for key, value in (kept | changed).items() if value is not None}
    required = await required_by_type(db, project, task_type)
    for field in applicable:
        checked = previous is None or str(field.id) in changed
        if checked and (field.is_required or str(field.id) in required) and str(field.id) not in merged:
            errors.append(FieldError(field_path(field), f"{field.name} is required.", "field_required"))
    if errors:
        first = errors[0]
        raise Invalid(first.code, first.message, field=first.field, errors=errors)
    return merged


# ───────────────────────── SQL over stored values ─────────────────────────


def field_value_column(field: CustomField, dialect: str) -> ColumnElement[Any]:
    """This field's value in `Task.custom_fields` as a typed SQL expression for WHERE and ORDER BY:
    numbers as float, checkboxes as boolean, everything else as text (ISO dates sort as text)."""
    del dialect  # SQLAlchemy's JSON index operators compile for the dialect at hand
    element = Task.custom_fields[str(field.id)]
    if field.field_type in NUMERIC_TYPES:
        return cast(ColumnElement[Any], element.as_float())
    if field.field_type is FieldType.CHECKBOX:
        return cast(ColumnElement[Any], element.as_boolean())
    return cast(ColumnElement[Any], element.as_string())


def field_contains(field: CustomField, value: Any, dialect: str) -> ColumnElement[bool]:
    """Tasks whose stored value holds `value`: an entry of a list field (MULTI_SELECT: an option id or
    its text; USERS: a user id; LABELS: a label), or equal to it for any other field."""
    if field.field_type not in LIST_TYPES:
        return cast(ColumnElement[bool], field_value_column(field, dialect) == normalise_single(field, value))
    entry = normalise_entry(field, value)
    if dialect == "postgresql":
        return type_coerce(Task.custom_fields, JSONB).contains({str(field.id): [entry]})
    each = func.json_each(Task.custom_fields, f'$."{field.id}"').table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == entry))


def normalise_entry(field: CustomField, value: Any) -> str:
    try:
        if field.field_type is FieldType.MULTI_SELECT:
            return option_id(field, value)
        if field.field_type is FieldType.USERS:
            return user_id(field, value)
        return label(field, value)
    except Refused as refused:
        raise Invalid(refused.code, refused.message, field=field_path(field)) from None


def normalise_single(field: CustomField, value: Any) -> Any:
    try:
        return normalise(field, value)
    except Refused as refused:
        raise Invalid(refused.code, refused.message, field=field_path(field)) from None
