"""The workflow templates that ship with the product, and the icons a status may carry.

A template is plain data: its statuses (with colours, icons, types and canvas positions) and the edges
between them, named by status key. Creating a workflow from a template copies it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise, permutations

from fairlx.workflows.models import StatusType

# The Lucide icon names a status may show.
STATUS_ICONS: tuple[str, ...] = (
    "circle",
    "circle-dashed",
    "circle-dot",
    "circle-check",
    "circle-x",
    "circle-pause",
    "circle-play",
    "circle-alert",
    "clock",
    "hourglass",
    "timer",
    "calendar",
    "check",
    "check-check",
    "x",
    "ban",
    "flag",
    "bookmark",
    "star",
    "heart",
    "eye",
    "search",
    "bug",
    "wrench",
    "hammer",
    "code",
    "git-branch",
    "git-pull-request",
    "git-merge",
    "rocket",
    "package",
    "inbox",
    "archive",
    "list-todo",
    "user-check",
    "users",
    "message-square",
    "shield-check",
    "lock",
    "zap",
)


class TemplateKey(StrEnum):
    SOFTWARE_DEVELOPMENT = "SOFTWARE_DEVELOPMENT"
    SIMPLE_KANBAN = "SIMPLE_KANBAN"
    BUG_TRACKING = "BUG_TRACKING"
    SPRINT_AGILE = "SPRINT_AGILE"


@dataclass(frozen=True)
class StatusSpec:
    key: str
    name: str
    color: str
    icon: str
    status_type: StatusType
    canvas_x: int
    canvas_y: int
    is_initial: bool = False
    is_final: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    from_key: str
    to_key: str
    name: str | None = None


@dataclass(frozen=True)
class Template:
    key: TemplateKey
    name: str
    workflow_key: str
    description: str
    statuses: tuple[StatusSpec, ...]
    transitions: tuple[TransitionSpec, ...]


OPEN, WORKING, CLOSED = StatusType.OPEN, StatusType.IN_PROGRESS, StatusType.CLOSED
SLATE, BLUE, AMBER, VIOLET, GREEN, RED, TEAL = (
    "#64748b",
    "#3b82f6",
    "#f59e0b",
    "#8b5cf6",
    "#22c55e",
    "#ef4444",
    "#14b8a6",
)


def _chain(*keys: str) -> tuple[TransitionSpec, ...]:
    return tuple(TransitionSpec(first, second) for first, second in pairwise(keys))


SOFTWARE_DEVELOPMENT = Template(
    key=TemplateKey.SOFTWARE_DEVELOPMENT,
    name="Software Development",
    workflow_key="SOFTWARE_DEV",
    description="Plan, assign, build and review: work moves forward, and review can send it back.",
    statuses=(
        StatusSpec("TODO", "To Do", SLATE, "circle-dashed", OPEN, 80, 200, is_initial=True),
        StatusSpec("ASSIGNED", "Assigned", TEAL, "user-check", OPEN, 300, 200),
        StatusSpec("IN_PROGRESS", "In Progress", BLUE, "circle-play", WORKING, 520, 200),
        StatusSpec("IN_REVIEW", "In Review", VIOLET, "git-pull-request", WORKING, 740, 200),
        StatusSpec("DONE", "Done", GREEN, "circle-check", CLOSED, 960, 200, is_final=True),
    ),
    transitions=(
        *_chain("TODO", "ASSIGNED", "IN_PROGRESS", "IN_REVIEW", "DONE"),
        TransitionSpec("IN_REVIEW", "IN_PROGRESS", "Request changes"),
    ),
)

KANBAN_KEYS = ("BACKLOG", "TODO", "IN_PROGRESS", "DONE")
SIMPLE_KANBAN = Template(
    key=TemplateKey.SIMPLE_KANBAN,
    name="Simple Kanban",
    workflow_key="KANBAN",
    description="Four columns and no rules: any card can move to any column.",
    statuses=(
        StatusSpec("BACKLOG", "Backlog", SLATE, "inbox", OPEN, 80, 200, is_initial=True),
        StatusSpec("TODO", "To Do", TEAL, "list-todo", OPEN, 300, 200),
        StatusSpec("IN_PROGRESS", "In Progress", BLUE, "circle-play", WORKING, 520, 200),
        StatusSpec("DONE", "Done", GREEN, "circle-check", CLOSED, 740, 200, is_final=True),
    ),
    transitions=tuple(TransitionSpec(first, second) for first, second in permutations(KANBAN_KEYS, 2)),
)

BUG_TRACKING = Template(
    key=TemplateKey.BUG_TRACKING,
    name="Bug Tracking",
    workflow_key="BUGS",
    description="Confirm, fix and verify defects; closed bugs can be reopened and failed fixes go back.",
    statuses=(
        StatusSpec("OPEN", "Open", RED, "bug", OPEN, 80, 200, is_initial=True),
        StatusSpec("CONFIRMED", "Confirmed", AMBER, "circle-alert", OPEN, 300, 200),
        StatusSpec("IN_PROGRESS", "In Progress", BLUE, "wrench", WORKING, 520, 200),
        StatusSpec("FIXED", "Fixed", VIOLET, "check", WORKING, 740, 200),
        StatusSpec("VERIFIED", "Verified", TEAL, "shield-check", WORKING, 960, 200),
        StatusSpec("CLOSED", "Closed", GREEN, "circle-check", CLOSED, 1180, 200, is_final=True),
    ),
    transitions=(
        *_chain("OPEN", "CONFIRMED", "IN_PROGRESS", "FIXED", "VERIFIED", "CLOSED"),
        TransitionSpec("OPEN", "CLOSED", "Close as invalid"),
        TransitionSpec("FIXED", "IN_PROGRESS", "Reopen"),
        TransitionSpec("VERIFIED", "IN_PROGRESS", "Reopen"),
        TransitionSpec("CLOSED", "OPEN", "Reopen"),
    ),
)

SPRINT_AGILE = Template(
    key=TemplateKey.SPRINT_AGILE,
    name="Sprint / Agile",
    workflow_key="SPRINT",
    description="Select work for the sprint, flag what is blocked, review before done.",
    statuses=(
        StatusSpec("BACKLOG", "Backlog", SLATE, "inbox", OPEN, 80, 200, is_initial=True),
        StatusSpec("SELECTED", "Selected", TEAL, "bookmark", OPEN, 300, 200),
        StatusSpec("IN_PROGRESS", "In Progress", BLUE, "circle-play", WORKING, 520, 200),
        StatusSpec("BLOCKED", "Blocked", RED, "ban", WORKING, 520, 380),
        StatusSpec("REVIEW", "Review", VIOLET, "eye", WORKING, 740, 200),
        StatusSpec("DONE", "Done", GREEN, "circle-check", CLOSED, 960, 200, is_final=True),
    ),
    transitions=(
        *_chain("BACKLOG", "SELECTED", "IN_PROGRESS", "REVIEW", "DONE"),
        TransitionSpec("SELECTED", "BACKLOG", "Deselect"),
        TransitionSpec("IN_PROGRESS", "BLOCKED", "Block"),
        TransitionSpec("BLOCKED", "IN_PROGRESS", "Unblock"),
        TransitionSpec("REVIEW", "IN_PROGRESS", "Request changes"),
    ),
)

TEMPLATES: dict[TemplateKey, Template] = {
    template.key: template for template in (SOFTWARE_DEVELOPMENT, SIMPLE_KANBAN, BUG_TRACKING, SPRINT_AGILE)
}
DEFAULT_TEMPLATE = TemplateKey.SOFTWARE_DEVELOPMENT
