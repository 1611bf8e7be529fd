"""Sample content for the component gallery at `/style`: a small issue list the table sorts on the
server, as a real list page would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StyleGuideSort = Literal[
    "key", "-key", "title", "-title", "status", "-status", "assignee", "-assignee", "estimate", "-estimate"
]

STATUS_ORDER = {"Backlog": 0, "To do": 1, "In progress": 2, "In review": 3, "Done": 4}
STATUS_TONES = {
    "Backlog": "neutral",
    "To do": "neutral",
    "In progress": "warning",
    "In review": "info",
    "Done": "success",
}


@dataclass(frozen=True)
class SampleIssue:
    number: int
    title: str
    status: str
    assignee: str
    estimate: int

    @property
    def key(self) -> str:
        return f"WEB-{self.number}"

    @property
    def status_tone(self) -> str:
        return STATUS_TONES[self.status]


SAMPLE_ISSUES = (
    SampleIssue(131, "Sign webhook deliveries with HMAC", "In review", "Linus Torvalds", 3),
    SampleIssue(137, "Custom fields on work items", "In progress", "Ada Lovelace", 8),
    SampleIssue(139, "Burndown chart for the active sprint", "To do", "Alan Turing", 5),
    SampleIssue(142, "Invite members by email with a role", "To do", "Grace Hopper", 2),
    SampleIssue(128, "Keyboard shortcuts for the board", "Done", "Grace Hopper", 3),
    SampleIssue(151, "Export time entries as CSV", "Backlog", "Katherine Johnson", 1),
)

TABLE_COLUMNS = (
    {"key": "key", "label": "Key", "sortable": True},
    {"key": "title", "label": "Title", "sortable": True},
    {"key": "status", "label": "Status", "sortable": True},
    {"key": "assignee", "label": "Assignee", "sortable": True},
    {"key": "estimate", "label": "Points", "sortable": True, "align": "right"},
)


def _sort_value(issue: SampleIssue, field: str) -> tuple[int, str]:
    match field:
        case "key":
            return (issue.number, "")
        case "status":
            return (STATUS_ORDER[issue.status], "")
        case "estimate":
            return (issue.estimate, "")
        case "assignee":
            return (0, issue.assignee.lower())
        case _:
            return (0, issue.title.lower())


def sorted_issues(sort: StyleGuideSort) -> list[SampleIssue]:
    field = sort.removeprefix("-")
    return sorted(SAMPLE_ISSUES, key=lambda issue: _sort_value(issue, field), reverse=sort.startswith("-"))
