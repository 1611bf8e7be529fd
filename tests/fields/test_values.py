"""The values a task stores for its custom fields: `clean_field_values` normalises them per field type,
applies defaults on a new task, keeps required fields filled and refuses everything else with a sentence
naming the field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from fairlx.core.errors import Invalid
from fairlx.fields.models import CustomField, FieldType, WorkItemType
from fairlx.fields.values import applicable_fields, clean_field_values
from fairlx.workflows.models import DefinitionScope
from tests.fields.conftest import Plot

OPTIONS = [
    {"id": "low", "value": "Low", "color": "#16a34a", "is_default": False, "position": 0},
    {"id": "high", "value": "High", "color": "#dc2626", "is_default": False, "position": 1},
]


async def add_field(plot: Plot, field_type: FieldType, key: str = "value", **definition: Any) -> CustomField:
    async with plot.infra.db.unit_of_work() as db:
        field = CustomField(
            workspace_id=plot.workspace_id,
            project_id=plot.project_id,
            scope=DefinitionScope.PROJECT,
            name=key.replace("_", " ").title(),
            key=key,
            field_type=field_type,
            options=OPTIONS if field_type in (FieldType.SELECT, FieldType.MULTI_SELECT) else [],
            **definition,
        )
        db.add(field)
    return field


async def clean(
    plot: Plot, values: dict[str, Any], *, previous: dict[str, Any] | None = None, task_type: str = "TASK"
) -> dict[str, Any]:
    async with plot.session() as (db, project):
        fields = await applicable_fields(db, project)
        return await clean_field_values(db, project, fields, task_type, values, previous=previous)


async def refusal(plot: Plot, values: dict[str, Any], **kwargs: Any) -> Invalid:
    with pytest.raises(Invalid) as refused:
        await clean(plot, values, **kwargs)
    return refused.value


ACCEPTED: list[tuple[FieldType, dict[str, Any], Any, Any]] = [
    (FieldType.TEXT, {}, "  Checkout page  ", "Checkout page"),
    (FieldType.TEXT, {}, "x" * 1000, "x" * 1000),
    (FieldType.TEXTAREA, {}, "y" * 10000, "y" * 10000),
    (FieldType.NUMBER, {}, 42, 42),
    (FieldType.NUMBER, {"precision": 2}, 3.14159, 3.14),
    (FieldType.NUMBER, {"precision": 0}, "7.6", 8),
    (FieldType.NUMBER, {"min_value": 1, "max_value": 5}, 5, 5),
    (FieldType.CURRENCY, {"currency_code": "EUR", "precision": 2}, 1999.999, 2000.0),
    (FieldType.PERCENTAGE, {}, 100, 100),
    (FieldType.DATE, {}, "2025-02-28", "2025-02-28"),
    (FieldType.DATETIME, {}, "2025-02-28T10:30:00+02:00", "2025-02-28T08:30:00+00:00"),
    (FieldType.DATETIME, {}, "2025-02-28T10:30:00Z", "2025-02-28T10:30:00+00:00"),
    (FieldType.SELECT, {}, "high", "high"),
    (FieldType.SELECT, {}, "low", "low"),
    (FieldType.SELECT, {}, "HIGH", "high"),
    (FieldType.MULTI_SELECT, {}, ["high", "Low", "high"], ["high", "low"]),
    (FieldType.CHECKBOX, {}, False, False),
    (FieldType.URL, {}, "https://example.com/a?b=1", "https://example.com/a?b=1"),
    (FieldType.EMAIL, {}, " ana@Example.COM ", "ana@example.com"),
    (FieldType.LABELS, {}, [" beta ", "ui", "beta"], ["beta", "ui"]),
]


@pytest.mark.parametrize(("field_type", "definition", "given", "stored"), ACCEPTED)
async def test_each_type_stores_its_normalised_value(
    plot: Plot, field_type: FieldType, definition: dict[str, Any], given: Any, stored: Any
) -> None:
    field = await add_field(plot, field_type, **definition)

    assert await clean(plot, {"value": given}) == {str(field.id): stored}


REFUSED: list[tuple[FieldType, dict[str, Any], Any, str]] = [
    (FieldType.TEXT, {}, 12, "invalid_value"),
    (FieldType.TEXT, {}, "x" * 1001, "value_too_long"),
    (FieldType.TEXTAREA, {}, "y" * 10001, "value_too_long"),
    (FieldType.NUMBER, {}, "many", "invalid_value"),
    (FieldType.NUMBER, {}, True, "invalid_value"),
    (FieldType.NUMBER, {}, float("inf"), "invalid_value"),
    (FieldType.NUMBER, {"min_value": 1, "max_value": 5}, 6, "value_out_of_range"),
    (FieldType.NUMBER, {"min_value": 1}, 0.5, "value_out_of_range"),
    (FieldType.PERCENTAGE, {}, 100.5, "value_out_of_range"),
    (FieldType.PERCENTAGE, {}, -1, "value_out_of_range"),
    (FieldType.DATE, {}, "28/02/2025", "invalid_value"),
    (FieldType.DATE, {}, "2025-02-30", "invalid_value"),
    (FieldType.DATE, {}, "2025-02-28T10:00:00", "invalid_value"),
    (FieldType.DATETIME, {}, "2025-02-28T10:30:00", "invalid_value"),
    (FieldType.DATETIME, {}, "soon", "invalid_value"),
    (FieldType.SELECT, {}, "medium", "unknown_option"),
    (FieldType.SELECT, {}, ["low"], "unknown_option"),
    (FieldType.MULTI_SELECT, {}, "low", "invalid_value"),
    (FieldType.MULTI_SELECT, {}, ["low", "medium"], "unknown_option"),
    (FieldType.USER, {}, "not-a-user-id", "invalid_value"),
    (FieldType.USERS, {}, ["not-a-user-id"], "invalid_value"),
    (FieldType.CHECKBOX, {}, "yes", "invalid_value"),
    (FieldType.URL, {}, "javascript:alert(1)", "invalid_value"),
    (FieldType.URL, {}, "ftp://example.com/file", "invalid_value"),
    (FieldType.URL, {}, "https://example.com/" + "a" * 2000, "value_too_long"),
    (FieldType.EMAIL, {}, "ana@", "invalid_value"),
    (FieldType.LABELS, {}, ["x" * 51], "value_too_long"),
    (FieldType.LABELS, {}, [""], "invalid_value"),
    (FieldType.LABELS, {}, "beta", "invalid_value"),
    (FieldType.LABELS, {}, [f"l{n}" for n in range(101)], "value_too_long"),
]


@pytest.mark.parametrize(("field_type", "definition", "given", "code"), REFUSED)
async def test_each_type_refuses_what_it_cannot_hold(
    plot: Plot, field_type: FieldType, definition: dict[str, Any], given: Any, code: str
) -> None:
    await add_field(plot, field_type, **definition)

    refused = await refusal(plot, {"value": given})

    assert refused.code == code
    assert refused.field == "custom_fields.value"
    assert refused.detail.startswith(("Value ", "Each entry of Value "))
    assert refused.detail.endswith(".")


async def test_people_fields_take_members_of_the_workspace_only(plot: Plot) -> None:
    owner = await add_field(plot, FieldType.USER, "owner")
    reviewers = await add_field(plot, FieldType.USERS, "reviewers")
    member, colleague = str(plot.member_id), str(plot.colleague_id)

    stored = await clean(plot, {"owner": member, "reviewers": [colleague, member, colleague]})
    refused = await refusal(plot, {"owner": str(plot.outsider_id), "reviewers": [member, str(uuid.uuid4())]})

    assert stored == {str(owner.id): member, str(reviewers.id): [colleague, member]}
    assert refused.code == "not_a_member"
    assert [error.field for error in refused.errors] == ["custom_fields.owner", "custom_fields.reviewers"]


async def test_values_are_found_by_field_id_or_key(plot: Plot) -> None:
    size = await add_field(plot, FieldType.NUMBER, "size")
    note = await add_field(plot, FieldType.TEXT, "note")

    assert await clean(plot, {str(size.id): 3, "note": "ok"}) == {str(size.id): 3, str(note.id): "ok"}


async def test_unknown_and_inapplicable_fields_are_refused_together(plot: Plot) -> None:
    await add_field(plot, FieldType.TEXT, "steps", applies_to_types=["BUG"])

    refused = await refusal(plot, {"steps": "1. open", "colour": "red", str(uuid.uuid4()): 1})

    assert refused.code == "field_not_applicable"
    assert [error.code for error in refused.errors] == ["field_not_applicable", "unknown_field", "unknown_field"]
    assert refused.errors[1].field == "custom_fields.colour"
    assert refused.errors[1].message == "There is no field 'colour' here."


async def test_new_tasks_get_defaults_for_their_type(plot: Plot) -> None:
    size = await add_field(plot, FieldType.NUMBER, "size", default_value=3)
    env = await add_field(plot, FieldType.SELECT, "env", default_value="low", applies_to_types=["BUG"])

    assert await clean(plot, {}) == {str(size.id): 3}
    assert await clean(plot, {}, task_type="BUG") == {str(size.id): 3, str(env.id): "low"}
    assert await clean(plot, {"size": None}, task_type="BUG") == {str(env.id): "low"}


async def test_required_fields_must_be_filled_on_a_new_task_of_their_type(plot: Plot) -> None:
    steps = await add_field(plot, FieldType.TEXTAREA, "steps", is_required=True, applies_to_types=["BUG"])

    refused = await refusal(plot, {"steps": "   "}, task_type="BUG")

    assert refused.code == "field_required"
    assert refused.detail == "Steps is required."
    assert refused.field == "custom_fields.steps"
    assert await clean(plot, {}, task_type="STORY") == {}
    assert await clean(plot, {"steps": "Open it"}, task_type="BUG") == {str(steps.id): "Open it"}


async def test_a_custom_type_requires_its_own_fields(plot: Plot) -> None:
    impact = await add_field(plot, FieldType.TEXT, "impact")
    async with plot.infra.db.unit_of_work() as db:
        db.add(
            WorkItemType(
                workspace_id=plot.workspace_id,
                scope=DefinitionScope.WORKSPACE,
                key="INCIDENT",
                name="Incident",
                required_field_ids=[str(impact.id)],
            )
        )

    refused = await refusal(plot, {}, task_type="INCIDENT")

    assert refused.code == "field_required"
    assert await clean(plot, {}) == {}
    assert await clean(plot, {"impact": "All users"}, task_type="INCIDENT") == {str(impact.id): "All users"}


async def test_an_update_merges_onto_the_previous_values(plot: Plot) -> None:
    size = await add_field(plot, FieldType.NUMBER, "size", default_value=1)
    note = await add_field(plot, FieldType.TEXT, "note")
    previous = {str(size.id): 5, str(note.id): "first"}

    assert await clean(plot, {"note": "second"}, previous=previous) == {str(size.id): 5, str(note.id): "second"}
    assert await clean(plot, {"size": None}, previous=previous) == {str(note.id): "first"}
    assert await clean(plot, {}, previous={}) == {}


async def test_a_required_value_cannot_be_cleared_but_others_still_change(plot: Plot) -> None:
    size = await add_field(plot, FieldType.NUMBER, "size", is_required=True)
    note = await add_field(plot, FieldType.TEXT, "note")

    refused = await refusal(plot, {"size": None}, previous={str(size.id): 2})
    before_the_field_was_required = await clean(plot, {"note": "later"}, previous={})

    assert refused.code == "field_required"
    assert before_the_field_was_required == {str(note.id): "later"}


async def test_archived_fields_keep_their_values_and_deleted_ones_lose_them(plot: Plot) -> None:
    kept = await add_field(plot, FieldType.TEXT, "kept", archived_at=datetime.now(UTC))
    note = await add_field(plot, FieldType.TEXT, "note")
    gone = str(uuid.uuid4())

    stored = await clean(plot, {"note": "new"}, previous={str(kept.id): "old", gone: "stale", "junk": 1})
    refused = await refusal(plot, {"kept": "again"}, previous={})

    assert stored == {str(kept.id): "old", str(note.id): "new"}
    assert refused.code == "unknown_field"


async def test_fields_of_other_projects_and_workspaces_are_unknown(plot: Plot) -> None:
    async with plot.infra.db.unit_of_work() as db:
        db.add_all(
            [
                CustomField(
                    workspace_id=plot.workspace_id,
                    project_id=plot.loose_project_id,
                    scope=DefinitionScope.PROJECT,
                    name="Theirs",
                    key="theirs",
                    field_type=FieldType.TEXT,
                ),
                CustomField(
                    workspace_id=plot.other_workspace_id,
                    scope=DefinitionScope.WORKSPACE,
                    name="Next door",
                    key="next_door",
                    field_type=FieldType.TEXT,
                ),
            ]
        )

    refused = await refusal(plot, {"theirs": "a", "next_door": "b"})

    assert [error.code for error in refused.errors] == ["unknown_field", "unknown_field"]
