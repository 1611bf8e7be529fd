"""Search across everything a person can reach: tasks by their words (full text, ranked), projects and
spaces by name or key. Only what the searcher may see comes back: tasks of projects where they hold
`project.tasks.view` (and may view the project), projects they may view, spaces they may see, in live
workspaces they belong to (directly or through their organization). Deleted tasks never show.

A fixed number of statements whatever the number of rows: the searcher's workspaces (two), their
access in each (cached), then one statement each for tasks, projects and spaces.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from fairlx.core.cache import Cache
from fairlx.core.errors import Invalid, NotFound
from fairlx.projects.models import Project
from fairlx.rbac.access import WorkspaceAccess
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import workspace_access
from fairlx.search.fulltext import key_reference, marked_html, plain_excerpt, search_terms, task_matches
from fairlx.spaces.models import Space
from fairlx.spaces.service import visible_projects, visible_spaces
from fairlx.tasks.models import Task
from fairlx.workflows.models import WorkflowStatus
from fairlx.workspaces.service import MAX_PAGE, visible_workspaces

MAX_QUERY_LENGTH = 200
DEFAULT_HITS = 20
MAX_HITS = 50
BLANK_QUERY = "search_query_blank"
TASK_VIEW_KEYS = frozenset({Permission.PROJECT_VIEW, Permission.PROJECT_TASKS_VIEW})


@dataclass(frozen=True)
class WorkspaceRef:
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class ProjectRef:
    id: uuid.UUID
    key: str
    name: str


@dataclass(frozen=True)
class StatusRef:
    name: str
    color: str


@dataclass(frozen=True)
class Hit:
    """What every hit has: which workspace it is in and where it opens."""

    id: uuid.UUID
    key: str
    workspace: WorkspaceRef
    url: str

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.workspace.id


@dataclass(frozen=True)
class NamedHit(Hit):
    """A project or a space."""

    name: str


@dataclass(frozen=True)
class TaskHit(Hit):
    title: str
    title_html: Markup  # the title, escaped, matches in <mark>
    snippet_html: Markup  # a passage of the description, escaped, matches in <mark>
    project: ProjectRef
    status: StatusRef | None


@dataclass(frozen=True)
class SearchResults:
    query: str
    tasks: list[TaskHit]
    projects: list[NamedHit]
    spaces: list[NamedHit]

    @property
    def empty(self) -> bool:
        return not (self.tasks or self.projects or self.spaces)


@dataclass(frozen=True)
class Reach:
    """The searcher's live workspaces (by id, with their names) and their access in each."""

    names: dict[uuid.UUID, str]
    accesses: list[WorkspaceAccess]

    def workspace(self, workspace_id: uuid.UUID) -> WorkspaceRef:
        return WorkspaceRef(workspace_id, self.names[workspace_id])


def clean_query(query: str) -> str:
    """`query` without surrounding blanks; a blank or overlong one is refused, naming `q`."""
    cleaned = query.strip()
    if not cleaned:
        raise Invalid(BLANK_QUERY, field="q", detail="Type something to search for.")
    if len(cleaned) > MAX_QUERY_LENGTH:
        raise Invalid("search_query_too_long", field="q", detail=f"Search for at most {MAX_QUERY_LENGTH} characters.")
    return cleaned


async def search(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    query: str,
    *,
    limit: int = DEFAULT_HITS,
    workspace_id: uuid.UUID | None = None,
) -> SearchResults:
    """Tasks, projects and spaces matching `query` that `user_id` may see, at most `limit` of each, in
    every workspace they reach or only `workspace_id`. An exact task key comes first, then the best
    matches (words in the title weigh more than in the description)."""
    query = clean_query(query)
    limit = max(1, min(limit, MAX_HITS))
    reach = await _reach(db, cache, user_id, workspace_id)
    if not reach.accesses:
        return SearchResults(query, [], [], [])
    return SearchResults(
        query,
        await _tasks(db, reach, query, limit),
        await _projects(db, reach, query, limit),
        await _spaces(db, reach, query, limit),
    )


async def _reach(db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID | None) -> Reach:
    listed = (await visible_workspaces(db, user_id, limit=MAX_PAGE)).items
    names = {view.workspace.id: view.workspace.name for view in listed}
    if workspace_id is not None:
        if workspace_id not in names:
            raise NotFound("workspace_not_found", "No such workspace, or it is not shared with you.")
        names = {workspace_id: names[workspace_id]}
    accesses = [access for each in names if (access := await workspace_access(db, cache, user_id, each)) is not None]
    return Reach(names, accesses)


# --- tasks --------------------------------------------------------------------------------------------


def _visible_tasks(accesses: list[WorkspaceAccess]) -> ColumnElement[bool]:
    """The tasks the accesses let their holder view, as SQL: every task of a workspace whose projects
    they own; otherwise those of the projects where they hold the task view keys."""
    conditions: list[ColumnElement[bool]] = []
    for access in accesses:
        if access.owns_projects:
            conditions.append(Task.workspace_id == access.workspace_id)
            continue
        project_ids = [each for each in access.projects if access.project_keys(each) >= TASK_VIEW_KEYS]
        if project_ids:
            conditions.append((Task.workspace_id == access.workspace_id) & Task.project_id.in_(project_ids))
    return or_(*conditions) if conditions else false()


def _task_query(dialect: str, query: str, terms: list[str]) -> Select[Any]:
    matches = task_matches(dialect, terms, excerpts=True).subquery("matches")
    rows = select(Task, Project, WorkflowStatus, matches.c.title, matches.c.snippet).join(
        Project, Project.id == Task.project_id
    )
    rows = rows.outerjoin(WorkflowStatus, WorkflowStatus.id == Task.status_id)
    key = key_reference(query)
    if key is None:
        return rows.join(matches, matches.c.task_id == Task.id).order_by(
            matches.c.rank, Task.updated_at.desc(), Task.id
        )
    # A key is matched on the column (and its prefix: "WEB-1" also offers WEB-12), exact first.
    by_key = Task.key.startswith(key, autoescape=True)
    return (
        rows.outerjoin(matches, matches.c.task_id == Task.id)
        .where(matches.c.task_id.is_not(None) | by_key)
        .order_by((Task.key == key).desc(), func.coalesce(matches.c.rank, 0.0), Task.updated_at.desc(), Task.id)
    )


async def _tasks(db: AsyncSession, reach: Reach, query: str, limit: int) -> list[TaskHit]:
    terms = search_terms(query)
    if not terms:
        return []
    statement = _task_query(db.get_bind().dialect.name, query, terms)
    statement = statement.where(Task.deleted_at.is_(None), _visible_tasks(reach.accesses)).limit(limit)
    return [
        TaskHit(
            id=task.id,
            key=task.key,
            workspace=reach.workspace(task.workspace_id),
            url=f"/tasks/{task.key}",
            title=task.title,
            title_html=marked_html(title) if title else escape(task.title),
            snippet_html=marked_html(snippet) if snippet is not None else escape(plain_excerpt(task.description)),
            project=ProjectRef(project.id, project.key, project.name),
            status=StatusRef(status.name, status.color) if status is not None else None,
        )
        for task, project, status, title, snippet in await db.execute(statement)
    ]


# --- projects and spaces --------------------------------------------------------------------------------


def _named(
    name: InstrumentedAttribute[str], key: InstrumentedAttribute[str], query: str
) -> tuple[ColumnElement[bool], list[ColumnElement[Any]]]:
    """Rows whose name contains `query` or whose key starts with it; the order puts an exact key
    first, then names starting with the query, then the rest by name."""
    lowered = query.lower()
    matches = func.lower(name).contains(lowered, autoescape=True) | func.lower(key).startswith(lowered, autoescape=True)
    order: list[ColumnElement[Any]] = [
        (func.lower(key) == lowered).desc(),
        func.lower(name).startswith(lowered, autoescape=True).desc(),
        func.lower(name),
    ]
    return matches, order


async def _projects(db: AsyncSession, reach: Reach, query: str, limit: int) -> list[NamedHit]:
    visible = or_(
        *((Project.workspace_id == access.workspace_id) & visible_projects(access) for access in reach.accesses)
    )
    matches, order = _named(Project.name, Project.key, query)
    rows = await db.scalars(select(Project).where(visible, matches).order_by(*order, Project.id).limit(limit))
    return [
        NamedHit(each.id, each.key, reach.workspace(each.workspace_id), f"/projects/{each.id}/board", each.name)
        for each in rows
    ]


async def _spaces(db: AsyncSession, reach: Reach, query: str, limit: int) -> list[NamedHit]:
    visible = or_(*((Space.workspace_id == access.workspace_id) & visible_spaces(access) for access in reach.accesses))
    matches, order = _named(Space.name, Space.key, query)
    statement = select(Space).where(visible, Space.archived_at.is_(None), matches)
    rows = await db.scalars(statement.order_by(*order, Space.id).limit(limit))
    return [
        NamedHit(each.id, each.key, reach.workspace(each.workspace_id), f"/spaces/{each.id}", each.name)
        for each in rows
    ]
