"""Which fields and types reach a project, and the SQL expressions the task lists filter and sort by."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from fairlx.core.errors import Invalid
from fairlx.fields.models import CustomField, FieldType, WorkItemType
from fairlx.fields.values import (
    SYSTEM_TYPES,
    applicable_fields,
    field_contains,
    field_value_column,
    type_rules,
)
from fairlx.tasks.models import Task
from fairlx.workflows.models import DefinitionScope
from tests.fields.conftest import Plot


def definition(plot: Plot, scope: DefinitionScope, key: str, **rest: Any) -> CustomField:
    owner: dict[str, Any] = {
        DefinitionScope.WORKSPACE: {},
        DefinitionScope.SPACE: {"space_id": plot.space_id},
        DefinitionScope.PROJECT: {"project_id": plot.project_id},
    }[scope] | {"workspace_id": plot.workspace_id}
    return CustomField(
        scope=scope,
        name=key.title(),
        key=key,
        field_type=rest.pop("field_type", FieldType.TEXT),
        **(owner | rest),
    )


async def test_a_project_gets_its_workspace_space_and_own_fields_in_order(plot: Plot) -> None:
    async with plot.infra.db.unit_of_work() as db:
        db.add_all(
            [
                definition(plot, DefinitionScope.PROJECT, "own_second", position=1),
                definition(plot, DefinitionScope.PROJECT, "own_first", position=0),
                definition(plot, DefinitionScope.SPACE, "space"),
                definition(plot, DefinitionScope.WORKSPACE, "workspace", position=5),
                definition(plot, DefinitionScope.WORKSPACE, "archived", archived_at=datetime.now(UTC)),
                definition(plot, DefinitionScope.SPACE, "other_space", space_id=plot.other_space_id),
                definition(plot, DefinitionScope.PROJECT, "other_project", project_id=plot.loose_project_id),
                definition(plot, DefinitionScope.WORKSPACE, "next_door", workspace_id=plot.other_workspace_id),
            ]
        )

    async with plot.session() as (db, project):
        keys = [field.key for field in await applicable_fields(db, project)]

    assert keys == ["workspace", "space", "own_first", "own_second"]


async def test_the_system_types_follow_the_hierarchy() -> None:
    rules = SYSTEM_TYPES

    assert list(rules) == ["EPIC", "STORY", "TASK", "BUG", "SUBTASK"]
    assert rules["EPIC"].allowed_children == {"STORY", "TASK", "BUG"}
    assert rules["EPIC"].allowed_parents == set()
    assert rules["TASK"].allowed_parents == {"EPIC", "STORY"}
    assert rules["STORY"].allowed_children == {"SUBTASK"}
    assert rules["SUBTASK"].allowed_parents == {"STORY", "TASK", "BUG"}
    assert rules["SUBTASK"].allowed_children == set()
    assert all(rule.is_system for rule in rules.values())


async def test_custom_types_join_the_hierarchy_on_both_ends(plot: Plot) -> None:
    async with plot.infra.db.unit_of_work() as db:
        db.add_all(
            [
                WorkItemType(
                    workspace_id=plot.workspace_id,
                    scope=DefinitionScope.WORKSPACE,
                    key="SPIKE",
                    name="Spike",
                    allowed_parent_types=["EPIC"],
                    allowed_child_types=["SUBTASK", "GONE"],
                    required_field_ids=["abc"],
                ),
                WorkItemType(
                    workspace_id=plot.workspace_id,
                    project_id=plot.project_id,
                    scope=DefinitionScope.PROJECT,
                    key="RISK",
                    name="Risk",
                    icon="alert-triangle",
                    color="#f59e0b",
                ),
                WorkItemType(
                    workspace_id=plot.workspace_id,
                    project_id=plot.loose_project_id,
                    scope=DefinitionScope.PROJECT,
                    key="ELSEWHERE",
                    name="Elsewhere",
                ),
                WorkItemType(
                    workspace_id=plot.workspace_id,
                    scope=DefinitionScope.WORKSPACE,
                    key="OLD",
                    name="Old",
                    archived_at=datetime.now(UTC),
                ),
            ]
        )

    async with plot.session() as (db, project):
        rules = await type_rules(db, project)

    assert sorted(rules) == ["BUG", "EPIC", "RISK", "SPIKE", "STORY", "SUBTASK", "TASK"]
    assert rules["SPIKE"].allowed_parents == {"EPIC"}
    assert rules["SPIKE"].allowed_children == {"SUBTASK"}
    assert rules["SPIKE"].required_field_ids == {"abc"}
    assert rules["EPIC"].allowed_children == {"STORY", "TASK", "BUG", "SPIKE"}
    assert rules["SUBTASK"].allowed_parents == {"STORY", "TASK", "BUG", "SPIKE"}
    assert (rules["RISK"].icon, rules["RISK"].color, rules["RISK"].is_system) == ("alert-triangle", "#f59e0b", False)
    assert rules["RISK"].allowed_parents == rules["RISK"].allowed_children == set()


async def add_tasks(plot: Plot, field_values: list[dict[str, Any]]) -> list[str]:
    async with plot.infra.db.unit_of_work() as db:
        tasks = [
            Task(
                workspace_id=plot.workspace_id,
                project_id=plot.project_id,
                number=number,
                key=f"WEB-{number}",
                type="TASK",
                title=f"Task {number}",
                status_id=plot.status_id,
                priority="MEDIUM",
                position=f"a{number}",
                custom_fields=values,
            )
            for number, values in enumerate(field_values, start=1)
        ]
        db.add_all(tasks)
    return [task.key for task in tasks]


async def keys_where(plot: Plot, condition: Any, *order: Any) -> list[str]:
    async with plot.infra.db.unit_of_work(read_only=True) as db:
        found = await db.scalars(select(Task.key).where(condition).order_by(*order, Task.number))
        return list(found)


async def stored_field(plot: Plot, field_type: FieldType, **rest: Any) -> CustomField:
    field = definition(plot, DefinitionScope.PROJECT, field_type.value.lower(), field_type=field_type, **rest)
    async with plot.infra.db.unit_of_work() as db:
        db.add(field)
    return field


def dialect_of(plot: Plot) -> str:
    return plot.infra.db.engine.dialect.name


async def test_numbers_filter_and_sort_as_numbers(plot: Plot) -> None:
    points = await stored_field(plot, FieldType.NUMBER)
    column = field_value_column(points, dialect_of(plot))
    await add_tasks(plot, [{str(points.id): 10}, {str(points.id): 9.5}, {}, {str(points.id): 100}])

    assert await keys_where(plot, column > 9.9, column) == ["WEB-1", "WEB-4"]
    assert await keys_where(plot, column.is_not(None), column.desc()) == ["WEB-4", "WEB-1", "WEB-2"]


async def test_dates_and_text_compare_as_text(plot: Plot) -> None:
    due = await stored_field(plot, FieldType.DATE)
    env = await stored_field(plot, FieldType.SELECT, options=[{"id": "prod", "value": "Production"}])
    column = field_value_column(due, dialect_of(plot))
    await add_tasks(
        plot,
        [
            {str(due.id): "2025-03-01", str(env.id): "prod"},
            {str(due.id): "2024-12-31"},
            {str(due.id): "2025-01-15", str(env.id): "prod"},
        ],
    )

    assert await keys_where(plot, column >= "2025-01-01", column) == ["WEB-3", "WEB-1"]
    assert await keys_where(plot, field_contains(env, "Production", dialect_of(plot))) == ["WEB-1", "WEB-3"]


async def test_checkboxes_filter_as_booleans(plot: Plot) -> None:
    done = await stored_field(plot, FieldType.CHECKBOX)
    column = field_value_column(done, dialect_of(plot))
    await add_tasks(plot, [{str(done.id): True}, {str(done.id): False}, {}])

    assert await keys_where(plot, column.is_(True)) == ["WEB-1"]
    assert await keys_where(plot, column.is_(False)) == ["WEB-2"]
    assert await keys_where(plot, field_contains(done, True, dialect_of(plot))) == ["WEB-1"]


@pytest.mark.parametrize(
    ("field_type", "options", "stored", "wanted"),
    [
        (FieldType.MULTI_SELECT, [{"id": "ios", "value": "iOS"}, {"id": "web", "value": "Web"}], "ios", "iOS"),
        (FieldType.LABELS, [], "beta", "beta"),
        (FieldType.USERS, [], str(uuid.UUID(int=5)), str(uuid.UUID(int=5))),
    ],
)
async def test_list_fields_match_tasks_whose_list_holds_the_value(
    plot: Plot, field_type: FieldType, options: list[dict[str, Any]], stored: str, wanted: str
) -> None:
    field = await stored_field(plot, field_type, options=options)
    await add_tasks(
        plot, [{str(field.id): [stored, "other"]}, {str(field.id): ["other"]}, {}, {str(field.id): [stored]}]
    )

    found = await keys_where(plot, field_contains(field, wanted, dialect_of(plot)))

    assert found == ["WEB-1", "WEB-4"]


async def test_a_filter_value_the_field_cannot_hold_is_refused(plot: Plot) -> None:
    tags = await stored_field(plot, FieldType.MULTI_SELECT, options=[{"id": "ios", "value": "iOS"}])

    with pytest.raises(Invalid) as refused:
        field_contains(tags, "android", dialect_of(plot))

    assert refused.value.code == "unknown_option"
    assert refused.value.field == "custom_fields.multi_select"
