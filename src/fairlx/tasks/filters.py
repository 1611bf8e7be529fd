"""Filters and sorting over work items: nested AND/OR groups of conditions with the original's 15
operators, on built-in fields and on custom fields (`cf.<key>`), compiled to one SQL condition. Saved
views store the same structure, and the pages carry it in the URL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal, Union, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ColumnElement, and_, case, exists, false, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from fairlx.core.errors import Invalid
from fairlx.fields.models import CustomField, FieldType
from fairlx.fields.values import field_contains, field_value_column
from fairlx.tasks.models import Label, Task, TaskAssignee, TaskLabel
from fairlx.workflows.models import WorkflowStatus

MAX_CONDITIONS = 50
MAX_DEPTH = 4
CUSTOM_PREFIX = "cf."


class Operator(StrEnum):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    CONTAINS = "CONTAINS"
    NOT_CONTAINS = "NOT_CONTAINS"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    GT = "GT"
    LT = "LT"
    GTE = "GTE"
    LTE = "LTE"
    IN = "IN"
    NOT_IN = "NOT_IN"
    IS_EMPTY = "IS_EMPTY"
    IS_NOT_EMPTY = "IS_NOT_EMPTY"
    BETWEEN = "BETWEEN"


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, max_length=80)
    operator: Operator
    value: Any = None


class FilterGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["AND", "OR"] = "AND"
    conditions: list[Union[Condition, FilterGroup]] = Field(default_factory=list, max_length=MAX_CONDITIONS)  # noqa: UP007


def parse_filter(raw: str | Mapping[str, Any] | None, *, field: str = "filter") -> FilterGroup:
    """A filter group from its JSON (a URL parameter or a saved view); an unreadable one is a 422."""
    if raw is None or raw == "":
        return FilterGroup()
    try:
        group = FilterGroup.model_validate_json(raw) if isinstance(raw, str) else FilterGroup.model_validate(raw)
    except ValidationError as error:
        location = ".".join(str(part) for part in error.errors()[0]["loc"])
        raise Invalid("filter_invalid", f"The filter is not valid ({location}).", field=field) from None
    if _depth(group) > MAX_DEPTH or _count(group) > MAX_CONDITIONS:
        raise Invalid("filter_too_large", "The filter has too many conditions or levels.", field=field)
    return group


def _depth(group: FilterGroup) -> int:
    return 1 + max((_depth(each) for each in group.conditions if isinstance(each, FilterGroup)), default=0)


def _count(group: FilterGroup) -> int:
    return sum(_count(each) if isinstance(each, FilterGroup) else 1 for each in group.conditions)


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    ID = "id"
    SET = "set"  # several values per task: assignees, labels, multi-selects


@dataclass(frozen=True)
class FieldRef:
    """A filterable, sortable field: its SQL value (or, for sets, a membership test) and its kind."""

    kind: Kind
    column: ColumnElement[Any] | None = None
    member: Kind = Kind.TEXT  # the kind of each value of a set
    translate: Callable[[Any], Any] = lambda value: value  # a value as people write it -> as stored
    contains: Callable[[Any], ColumnElement[bool]] | None = None
    empty: ColumnElement[bool] | None = None


def _column(attribute: InstrumentedAttribute[Any], kind: Kind) -> FieldRef:
    return FieldRef(kind, column=attribute.expression)


BUILT_IN: dict[str, FieldRef] = {
    "key": _column(Task.key, Kind.TEXT),
    "number": _column(Task.number, Kind.NUMBER),
    "position": _column(Task.position, Kind.TEXT),
    "title": _column(Task.title, Kind.TEXT),
    "description": _column(Task.description, Kind.TEXT),
    "type": _column(Task.type, Kind.TEXT),
    "status_id": _column(Task.status_id, Kind.ID),
    "epic_id": _column(Task.epic_id, Kind.ID),
    "parent_id": _column(Task.parent_id, Kind.ID),
    "reporter_id": _column(Task.reporter_id, Kind.ID),
    "start_date": _column(Task.start_date, Kind.DATE),
    "due_date": _column(Task.due_date, Kind.DATE),
    "end_date": _column(Task.end_date, Kind.DATE),
    "story_points": _column(Task.story_points, Kind.NUMBER),
    "estimated_hours": _column(Task.estimated_hours, Kind.NUMBER),
    "remaining_hours": _column(Task.remaining_hours, Kind.NUMBER),
    "flagged": _column(Task.flagged, Kind.BOOLEAN),
    "created_at": _column(Task.created_at, Kind.DATETIME),
    "updated_at": _column(Task.updated_at, Kind.DATETIME),
    "assignee_id": FieldRef(
        Kind.SET,
        contains=lambda user_id: exists().where(TaskAssignee.task_id == Task.id, TaskAssignee.user_id == user_id),
        empty=~exists().where(TaskAssignee.task_id == Task.id),
        member=Kind.ID,
    ),
    "label": FieldRef(
        Kind.SET,
        contains=lambda name: exists().where(
            TaskLabel.task_id == Task.id, TaskLabel.label_id == Label.id, Label.name == name
        ),
        empty=~exists().where(TaskLabel.task_id == Task.id),
    ),
}
STATUS_TYPE = select(WorkflowStatus.status_type).where(WorkflowStatus.id == Task.status_id).scalar_subquery()
STATUS_POSITION = select(WorkflowStatus.position).where(WorkflowStatus.id == Task.status_id).scalar_subquery()
BUILT_IN["status_type"] = FieldRef(Kind.TEXT, column=STATUS_TYPE)

CUSTOM_KINDS = {
    FieldType.NUMBER: Kind.NUMBER,
    FieldType.CURRENCY: Kind.NUMBER,
    FieldType.PERCENTAGE: Kind.NUMBER,
    FieldType.CHECKBOX: Kind.BOOLEAN,
    FieldType.DATE: Kind.DATE,
    FieldType.DATETIME: Kind.DATETIME,
    FieldType.USER: Kind.ID,
    FieldType.MULTI_SELECT: Kind.SET,
    FieldType.USERS: Kind.SET,
    FieldType.LABELS: Kind.SET,
}


@dataclass(frozen=True)
class FieldCatalog:
    """What a project's filters and sorts can name: the built-in fields and its custom fields."""

    dialect: str
    custom: Mapping[str, CustomField]  # by key
    priorities: Sequence[str]  # lowest first

    def resolve(self, name: str, location: str) -> FieldRef:
        if name == "priority":
            return FieldRef(Kind.TEXT, column=Task.priority.expression)
        if name in BUILT_IN:
            return BUILT_IN[name]
        if name.startswith(CUSTOM_PREFIX) and (custom := self.custom.get(name.removeprefix(CUSTOM_PREFIX))):
            return self._custom(custom)
        raise Invalid("unknown_filter_field", f"{name} is not a field you can filter or sort on.", field=location)

    def _custom(self, custom: CustomField) -> FieldRef:
        kind = CUSTOM_KINDS.get(custom.field_type, Kind.TEXT)
        option_ids = {str(option["value"]).casefold(): option["id"] for option in custom.options}

        def translate(value: Any) -> Any:  # an option may be named by its text as well as its id
            return option_ids.get(value.casefold(), value) if isinstance(value, str) else value

        if kind is Kind.SET:
            stored = Task.custom_fields[str(custom.id)]
            return FieldRef(
                kind,
                contains=lambda value: field_contains(custom, value, self.dialect),
                empty=or_(stored.is_(None), field_value_column(custom, self.dialect).is_(None)),
                translate=translate,
            )
        return FieldRef(kind, column=field_value_column(custom, self.dialect), translate=translate)

    def sort_column(self, name: str, location: str) -> ColumnElement[Any]:
        if name == "priority":
            ranks = {priority: rank for rank, priority in enumerate(self.priorities)}
            return case(ranks, value=Task.priority, else_=len(ranks))
        if name == "status":
            return STATUS_POSITION
        custom = self.custom.get(name.removeprefix(CUSTOM_PREFIX)) if name.startswith(CUSTOM_PREFIX) else None
        if custom is not None and custom.field_type == FieldType.SELECT and custom.options:
            # options sort in the order the field lists them, not by their ids
            ranks = {option["id"]: rank for rank, option in enumerate(custom.options)}
            return case(ranks, value=field_value_column(custom, self.dialect), else_=None)
        ref = self.resolve(name, location)
        if ref.column is None:
            raise Invalid("unsortable_field", f"Items can't be sorted by {name}.", field=location)
        return ref.column


def compile_filter(group: FilterGroup, catalog: FieldCatalog, location: str = "filter") -> ColumnElement[bool]:
    parts = [
        compile_filter(each, catalog, f"{location}.conditions.{index}")
        if isinstance(each, FilterGroup)
        else _condition(each, catalog, f"{location}.conditions.{index}")
        for index, each in enumerate(group.conditions)
    ]
    if not parts:
        return true()
    return and_(*parts) if group.op == "AND" else or_(*parts)


def _condition(condition: Condition, catalog: FieldCatalog, location: str) -> ColumnElement[bool]:
    ref = catalog.resolve(condition.field, f"{location}.field")
    operator = condition.operator
    raw = (
        [ref.translate(each) for each in condition.value]
        if isinstance(condition.value, list)
        else ref.translate(condition.value)
    )
    at = f"{location}.value"
    if ref.kind is Kind.SET:
        return _set_condition(ref, operator, raw, at)
    assert ref.column is not None
    if operator in (Operator.IS_EMPTY, Operator.IS_NOT_EMPTY):
        return _emptiness(ref, ref.column, operator)
    return _value_condition(ref, ref.column, operator, raw, at)


def _emptiness(ref: FieldRef, column: ColumnElement[Any], operator: Operator) -> ColumnElement[bool]:
    empty = column.is_(None) | (column == "") if ref.kind is Kind.TEXT else column.is_(None)
    return empty if operator is Operator.IS_EMPTY else not_(empty)


def _value_condition(
    ref: FieldRef, column: ColumnElement[Any], operator: Operator, raw: Any, at: str
) -> ColumnElement[bool]:
    if operator in (Operator.IN, Operator.NOT_IN):
        values = [_coerce(ref.kind, each, at) for each in _as_list(raw, at)]
        return column.in_(values) if operator is Operator.IN else or_(column.is_(None), column.not_in(values))
    if operator is Operator.BETWEEN:
        low, high = (_coerce(ref.kind, each, at) for each in _pair(raw, at))
        return column.between(low, high)
    if operator in TEXT_MATCHES:
        return _text_match(ref, column, operator, raw, at)
    return _comparison(column, operator, _coerce(ref.kind, raw, at))


TEXT_MATCHES = {Operator.CONTAINS, Operator.NOT_CONTAINS, Operator.STARTS_WITH, Operator.ENDS_WITH}


def _text_match(
    ref: FieldRef, column: ColumnElement[Any], operator: Operator, raw: Any, at: str
) -> ColumnElement[bool]:
    if ref.kind is not Kind.TEXT:
        raise Invalid("operator_not_applicable", f"{operator.value} applies to text fields only.", field=at)
    text = _escape_like(str(_coerce(Kind.TEXT, raw, at)))
    pattern = {
        Operator.CONTAINS: f"%{text}%",
        Operator.NOT_CONTAINS: f"%{text}%",
        Operator.STARTS_WITH: f"{text}%",
        Operator.ENDS_WITH: f"%{text}",
    }[operator]
    matched = column.ilike(pattern, escape="\\")
    return or_(column.is_(None), not_(matched)) if operator is Operator.NOT_CONTAINS else matched


def _comparison(column: ColumnElement[Any], operator: Operator, value: Any) -> ColumnElement[bool]:
    if operator is Operator.EQUALS:
        return cast("ColumnElement[bool]", column == value)
    if operator is Operator.NOT_EQUALS:
        return or_(column.is_(None), column != value)
    return cast(
        "ColumnElement[bool]",
        {
            Operator.GT: column > value,
            Operator.LT: column < value,
            Operator.GTE: column >= value,
            Operator.LTE: column <= value,
        }[operator],
    )


def _set_condition(ref: FieldRef, operator: Operator, raw: Any, at: str) -> ColumnElement[bool]:
    assert ref.contains is not None
    assert ref.empty is not None
    if operator is Operator.IS_EMPTY:
        return ref.empty
    if operator is Operator.IS_NOT_EMPTY:
        return not_(ref.empty)
    if operator in (Operator.EQUALS, Operator.CONTAINS):
        return ref.contains(_coerce(ref.member, raw, at))
    if operator in (Operator.NOT_EQUALS, Operator.NOT_CONTAINS):
        return not_(ref.contains(_coerce(ref.member, raw, at)))
    if operator in (Operator.IN, Operator.NOT_IN):
        any_of = or_(false(), *(ref.contains(_coerce(ref.member, each, at)) for each in _as_list(raw, at)))
        return any_of if operator is Operator.IN else not_(any_of)
    raise Invalid("operator_not_applicable", f"{operator.value} does not apply to a list of values.", field=at)


def _as_list(raw: Any, at: str) -> list[Any]:
    if not isinstance(raw, list) or not raw or len(raw) > 100:
        raise Invalid("filter_value_invalid", "Give a list of 1 to 100 values.", field=at)
    return raw


def _pair(raw: Any, at: str) -> list[Any]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise Invalid("filter_value_invalid", "BETWEEN takes two values: [low, high].", field=at)
    return raw


def _coerce(kind: Kind, raw: Any, at: str) -> Any:
    try:
        return COERCE[kind](raw)
    except (TypeError, ValueError):
        raise Invalid("filter_value_invalid", f"The value is not a valid {kind.value}.", field=at) from None


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise TypeError(raw)
    return float(raw)


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw in ("true", "false"):
        return raw == "true"
    raise ValueError(raw)


def _text(raw: Any) -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool) or len(str(raw)) > 500:
        raise ValueError(raw)
    return str(raw)


COERCE: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.NUMBER: _number,
    Kind.DATE: lambda raw: date.fromisoformat(str(raw)),
    Kind.DATETIME: lambda raw: _aware(datetime.fromisoformat(str(raw))),
    Kind.BOOLEAN: _boolean,
    Kind.ID: lambda raw: uuid.UUID(str(raw)),
    Kind.SET: _text,
}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_sort(raw: str | Sequence[str] | None, catalog: FieldCatalog) -> list[tuple[ColumnElement[Any], bool]]:
    """`field,-other` as (column, descending) pairs; at most three fields."""
    names = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else list(raw or [])
    names = [name for name in names if name]
    if len(names) > 3:
        raise Invalid("sort_too_long", "Sort by at most three fields.", field="sort")
    return [
        (catalog.sort_column(name.removeprefix("-"), f"sort.{index}"), name.startswith("-"))
        for index, name in enumerate(names)
    ]
