"""Ready-made field definitions a workspace, space or project can seed in one step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairlx.fields.models import FieldType


@dataclass(frozen=True)
class FieldTemplate:
    name: str
    key: str
    field_type: FieldType
    description: str
    options: tuple[tuple[str, str], ...] = ()  # (value, colour), in order
    default_option: str | None = None
    applies_to_types: tuple[str, ...] = ()
    show_in_card: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


TEMPLATES: tuple[FieldTemplate, ...] = (
    FieldTemplate(
        "Risk Level",
        "risk_level",
        FieldType.SELECT,
        "How likely the work is to go wrong, and how badly.",
        (("Low", "#16a34a"), ("Medium", "#f59e0b"), ("High", "#ea580c"), ("Critical", "#dc2626")),
        default_option="Low",
        show_in_card=True,
    ),
    FieldTemplate(
        "Environment",
        "environment",
        FieldType.SELECT,
        "Where the problem shows or the change ships.",
        (("Development", "#64748b"), ("Staging", "#7c3aed"), ("Production", "#dc2626")),
    ),
    FieldTemplate(
        "Severity",
        "severity",
        FieldType.SELECT,
        "How much a bug hurts the people who meet it.",
        (("Trivial", "#64748b"), ("Minor", "#2563eb"), ("Major", "#ea580c"), ("Blocker", "#dc2626")),
        applies_to_types=("BUG",),
        show_in_card=True,
    ),
    FieldTemplate(
        "Business Value",
        "business_value",
        FieldType.NUMBER,
        "Relative value to the business, from 1 to 100.",
        settings={"min_value": 1, "max_value": 100, "precision": 0},
    ),
    FieldTemplate(
        "Acceptance Criteria",
        "acceptance_criteria",
        FieldType.TEXTAREA,
        "What must be true for the work to count as done.",
        applies_to_types=("STORY", "TASK"),
    ),
    FieldTemplate(
        "Steps to Reproduce",
        "steps_to_reproduce",
        FieldType.TEXTAREA,
        "How to make the bug happen, step by step.",
        applies_to_types=("BUG",),
    ),
    FieldTemplate("Affected Version", "affected_version", FieldType.TEXT, "The release where the problem shows."),
    FieldTemplate("Fix Version", "fix_version", FieldType.TEXT, "The release that carries the fix."),
    FieldTemplate("Target Release", "target_release", FieldType.DATE, "When the work should ship."),
    FieldTemplate("Reviewer", "reviewer", FieldType.USER, "Who reviews the work before it is done."),
)
TEMPLATES_BY_NAME = {template.name: template for template in TEMPLATES}
