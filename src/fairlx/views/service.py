"""Saved views: named filters, sort, grouping and columns over work items, kept in one place (a project,
a space or a workspace), either for their owner alone (PERSONAL) or shared with everyone who sees that
place (scope PROJECT, SPACE or WORKSPACE, matching the place).

Access follows the place: reading a view needs to see the place's items (a view out of reach, or
someone else's PERSONAL view, is a 404); sharing, changing or deleting a shared view needs the place's
settings permission (403 naming it). A project's views list alongside the shared views of its space and
its workspace; a space's alongside its workspace's. Each place and type has at most one default view
per scope (one per person among PERSONAL views).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound
from fairlx.core.pagination import Page, decode_cursor, encode_cursor
from fairlx.projects.models import Project
from fairlx.rbac.access import NOTHING
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.permissions import Permission
from fairlx.spaces.models import Space
from fairlx.tasks.filters import (
    CUSTOM_PREFIX,
    Condition,
    FieldCatalog,
    FilterGroup,
    compile_filter,
    parse_filter,
    parse_sort,
)
from fairlx.tasks.queries import catalog_for
from fairlx.views.models import SavedView, ViewScope, ViewType
from fairlx.views.schemas import ViewCreate, ViewDuplicate, ViewUpdate
from fairlx.workspaces.models import Workspace

P = Permission
MAX_FILTER_BYTES = 8 * 1024
MAX_PERSONAL_VIEWS = 100  # per person and place
COPY_SUFFIX = " (copy)"
NAME_LENGTH = 100
PLACE_COLUMNS = ("workspace_id", "space_id", "project_id")


# ───────────────────────── places ─────────────────────────


@dataclass(frozen=True)
class Level:
    """What a kind of place takes: its model, the parameter naming it, and the keys to see and share."""

    model: type[Project | Space | Workspace]
    parameter: str
    see: Permission
    share: Permission


LEVELS = {
    ViewScope.PROJECT: Level(Project, "project_id", P.PROJECT_TASKS_VIEW, P.PROJECT_SETTINGS_EDIT),
    ViewScope.SPACE: Level(Space, "space_id", P.SPACE_VIEW, P.SPACE_SETTINGS_EDIT),
    ViewScope.WORKSPACE: Level(Workspace, "workspace_id", P.WORKSPACE_VIEW, P.WORKSPACE_SETTINGS_MANAGE),
}


@dataclass(frozen=True)
class Place:
    """A project, a space or a workspace the caller can see, and the keys they hold on it."""

    level: ViewScope
    resource: Project | Space | Workspace
    keys: frozenset[Permission]

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.resource.id if isinstance(self.resource, Workspace) else self.resource.workspace_id

    @property
    def can_share(self) -> bool:
        return LEVELS[self.level].share in self.keys

    def columns(self) -> dict[str, uuid.UUID | None]:
        """The place columns of a view kept here: the workspace, and the space or project it is about."""
        return {
            "workspace_id": self.workspace_id,
            "space_id": self.resource.id if self.level is ViewScope.SPACE else None,
            "project_id": self.resource.id if self.level is ViewScope.PROJECT else None,
        }

    def holds(self) -> ColumnElement[bool]:
        return _kept_at(self.columns())

    def require_share(self) -> None:
        if not self.can_share:
            key = LEVELS[self.level].share.value
            raise Forbidden(
                "permission_denied", f"Your role does not allow this (it needs {key}).", extra={"permission": key}
            )


def place_level(
    *, project_id: uuid.UUID | None, space_id: uuid.UUID | None, workspace_id: uuid.UUID | None
) -> tuple[ViewScope, uuid.UUID]:
    """The one place named by exactly one of the three ids."""
    named = [
        (level, value)
        for level, value in (
            (ViewScope.PROJECT, project_id),
            (ViewScope.SPACE, space_id),
            (ViewScope.WORKSPACE, workspace_id),
        )
        if value is not None
    ]
    if len(named) != 1:
        raise Invalid(
            "place_required", "Give exactly one of project_id, space_id and workspace_id.", field="project_id"
        )
    return named[0]


async def load_place(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, level: ViewScope, place_id: uuid.UUID
) -> Place:
    """The place if the caller can see its items; otherwise a 404 naming its parameter."""
    found = await _visible_place(db, cache, user_id, level, place_id)
    if found is None:
        noun = level.value.lower()
        raise NotFound(
            f"{noun}_not_found", f"No such {noun}, or it is not shared with you.", field=LEVELS[level].parameter
        )
    return found


async def _visible_place(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, level: ViewScope, place_id: uuid.UUID
) -> Place | None:
    resource = cast("Project | Space | Workspace | None", await db.get(LEVELS[level].model, place_id))
    keys = await permissions_on(db, cache, user_id, resource) if resource is not None else NOTHING
    return Place(level, resource, keys) if resource is not None and LEVELS[level].see in keys else None


async def _enclosing(db: AsyncSession, cache: Cache, user_id: uuid.UUID, place: Place) -> list[Place]:
    """The place and the visible places around it whose shared views apply in it, narrowest first."""
    chain = [place]
    resource = place.resource
    if isinstance(resource, Project) and resource.space_id is not None:
        space = await _visible_place(db, cache, user_id, ViewScope.SPACE, resource.space_id)
        chain += [space] if space is not None else []
    if not isinstance(resource, Workspace):
        workspace = await _visible_place(db, cache, user_id, ViewScope.WORKSPACE, place.workspace_id)
        chain += [workspace] if workspace is not None else []
    return chain


def _kept_at(columns: dict[str, uuid.UUID | None]) -> ColumnElement[bool]:
    """Views kept at exactly this place: a space's views leave out its projects', and so on (a None
    column compares as IS NULL)."""
    return and_(*(getattr(SavedView, name) == value for name, value in columns.items()))


def _level_of(view: SavedView) -> tuple[ViewScope, uuid.UUID]:
    if view.project_id is not None:
        return ViewScope.PROJECT, view.project_id
    if view.space_id is not None:
        return ViewScope.SPACE, view.space_id
    return ViewScope.WORKSPACE, view.workspace_id


# ───────────────────────── results ─────────────────────────


@dataclass(frozen=True)
class ViewItem:
    view: SavedView
    can_edit: bool


def _item(view: SavedView, place: Place) -> ViewItem:
    return ViewItem(view, view.scope is ViewScope.PERSONAL or place.can_share)


def _item_in(view: SavedView, chain: list[Place]) -> ViewItem:
    """A view listed in the first place of `chain`, kept there or in the place of its scope."""
    return _item(view, next((place for place in chain if place.level is view.scope), chain[0]))


# ───────────────────────── reading ─────────────────────────


async def list_views(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    *,
    project_id: uuid.UUID | None = None,
    space_id: uuid.UUID | None = None,
    workspace_id: uuid.UUID | None = None,
    view_type: ViewType | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[ViewItem]:
    """The caller's own views of the place and the shared ones that apply there: defaults first, then
    by name, `limit` at a time."""
    level, place_id = place_level(project_id=project_id, space_id=space_id, workspace_id=workspace_id)
    chain = await _enclosing(db, cache, user_id, await load_place(db, cache, user_id, level, place_id))
    query = select(SavedView).where(_applying(chain, user_id))
    if view_type is not None:
        query = query.where(SavedView.view_type == view_type)
    lowered = func.lower(SavedView.name)
    if cursor is not None:
        query = query.where(_after(cursor, lowered))
    rows = list(await db.scalars(query.order_by(SavedView.is_default.desc(), lowered, SavedView.id).limit(limit + 1)))
    items = [_item_in(row, chain) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = None if last is None else encode_cursor([last.is_default, last.name.lower()], last.id)
    return Page(items, next_cursor)


def _applying(chain: list[Place], user_id: uuid.UUID) -> ColumnElement[bool]:
    here = chain[0]
    personal = and_(here.holds(), SavedView.scope == ViewScope.PERSONAL, SavedView.owner_id == user_id)
    shared = [and_(place.holds(), SavedView.scope == place.level) for place in chain]
    return or_(personal, *shared)


def _after(cursor: str, lowered: ColumnElement[str]) -> ColumnElement[bool]:
    """Rows after the cursor in (is_default descending, lower(name), id) order."""
    value, last_id = decode_cursor(cursor, list)
    if len(value) != 2 or not isinstance(value[0], bool) or not isinstance(value[1], str):
        raise Invalid("cursor_invalid", "The cursor is not one this list gave out.", field="cursor")
    was_default, name = value
    same_rank = SavedView.is_default == was_default
    later = or_(lowered > name, and_(lowered == name, SavedView.id > last_id))
    return or_(and_(same_rank, later), (SavedView.is_default == false()) if was_default else false())


async def get_view(db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID) -> ViewItem:
    view, place = await _readable(db, cache, user_id, view_id)
    return _item(view, place)


async def default_view(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    *,
    view_type: ViewType,
    project_id: uuid.UUID | None = None,
    space_id: uuid.UUID | None = None,
    workspace_id: uuid.UUID | None = None,
) -> ViewItem:
    """The caller's own default view of this type here, else the narrowest shared default that applies."""
    level, place_id = place_level(project_id=project_id, space_id=space_id, workspace_id=workspace_id)
    chain = await _enclosing(db, cache, user_id, await load_place(db, cache, user_id, level, place_id))
    defaults = await db.scalars(
        select(SavedView)
        .where(_applying(chain, user_id), SavedView.view_type == view_type, SavedView.is_default == true())
        .order_by(SavedView.updated_at.desc(), SavedView.id.desc())
    )
    precedence = [ViewScope.PERSONAL, *(place.level for place in chain)]
    chosen = min(defaults, key=lambda view: precedence.index(view.scope), default=None)
    if chosen is None:
        raise NotFound("view_not_found", f"No default {view_type.value.lower()} view here.")
    return _item_in(chosen, chain)


async def _readable(db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID) -> tuple[SavedView, Place]:
    """The view and its place, if the caller may see it; a 404 otherwise (whether it exists or not)."""
    view = await db.get(SavedView, view_id)
    place = None if view is None else await _visible_place(db, cache, user_id, *_level_of(view))
    if view is None or place is None or (view.scope is ViewScope.PERSONAL and view.owner_id != user_id):
        raise NotFound("view_not_found", "No such view, or it is not shared with you.")
    return view, place


async def _editable(db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID) -> tuple[SavedView, Place]:
    view, place = await _readable(db, cache, user_id, view_id)
    if view.scope is not ViewScope.PERSONAL:
        place.require_share()
    return view, place


# ───────────────────────── writing ─────────────────────────


async def create_view(db: AsyncSession, cache: Cache, user_id: uuid.UUID, data: ViewCreate) -> ViewItem:
    level, place_id = place_level(project_id=data.project_id, space_id=data.space_id, workspace_id=data.workspace_id)
    place = await load_place(db, cache, user_id, level, place_id)
    await _check_scope(db, place, data.scope, user_id)
    filters = await _checked_filters(db, place, data.filters, data.sort)
    view = SavedView(
        **place.columns(),
        owner_id=user_id if data.scope is ViewScope.PERSONAL else None,
        scope=data.scope,
        name=data.name,
        view_type=data.view_type,
        filters=filters,
        sort=data.sort,
        group_by=data.group_by,
        swimlane_by=data.swimlane_by,
        columns=data.columns,
        is_default=data.is_default,
        created_by=user_id,
    )
    db.add(view)
    await db.flush()
    if view.is_default:
        await _clear_other_defaults(db, view)
    return _item(view, place)


NOT_NULL = ("name", "scope", "filters", "sort", "columns", "is_default")


async def update_view(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID, data: ViewUpdate
) -> ViewItem:
    view, place = await _editable(db, cache, user_id, view_id)
    changes = data.model_dump(include=data.model_fields_set)
    for required in NOT_NULL:
        if required in changes and changes[required] is None:
            raise Invalid("required", f"The {required} cannot be empty.", field=required)
    if "scope" in changes and changes["scope"] is not view.scope:
        await _check_scope(db, place, changes["scope"], user_id)
        view.owner_id = user_id if changes["scope"] is ViewScope.PERSONAL else None
    if changes.keys() & {"filters", "sort"}:  # what was saved stays as it is unless it is changed
        sort = changes.get("sort", view.sort)
        changes["filters"] = await _checked_filters(db, place, changes.get("filters", view.filters), sort)
    for name, value in changes.items():
        setattr(view, name, value)
    await db.flush()
    if view.is_default:
        await _clear_other_defaults(db, view)
    return _item(view, place)


async def delete_view(db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID) -> None:
    view, _ = await _editable(db, cache, user_id, view_id)
    await db.delete(view)
    await db.flush()


async def duplicate_view(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID, data: ViewDuplicate
) -> ViewItem:
    """A copy of a view the caller can see, in the same place; never the default."""
    original, place = await _readable(db, cache, user_id, view_id)
    await _check_scope(db, place, data.scope, user_id)
    copy = SavedView(
        **place.columns(),
        owner_id=user_id if data.scope is ViewScope.PERSONAL else None,
        scope=data.scope,
        name=data.name or original.name[: NAME_LENGTH - len(COPY_SUFFIX)] + COPY_SUFFIX,
        view_type=original.view_type,
        filters=original.filters,
        sort=list(original.sort),
        group_by=original.group_by,
        swimlane_by=original.swimlane_by,
        columns=list(original.columns),
        is_default=False,
        created_by=user_id,
    )
    db.add(copy)
    await db.flush()
    return _item(copy, place)


async def make_default(db: AsyncSession, cache: Cache, user_id: uuid.UUID, view_id: uuid.UUID) -> ViewItem:
    """The view becomes the default of its type among its place's views of the same scope."""
    view, place = await _editable(db, cache, user_id, view_id)
    view.is_default = True
    await db.flush()
    await _clear_other_defaults(db, view)
    return _item(view, place)


async def _clear_other_defaults(db: AsyncSession, view: SavedView) -> None:
    same_group = [
        SavedView.id != view.id,
        _kept_at({name: getattr(view, name) for name in PLACE_COLUMNS}),
        SavedView.view_type == view.view_type,
        SavedView.scope == view.scope,
        SavedView.is_default == true(),
    ]
    if view.scope is ViewScope.PERSONAL:
        same_group.append(SavedView.owner_id == view.owner_id)
    await db.execute(
        update(SavedView).where(*same_group).values(is_default=False).execution_options(synchronize_session=False)
    )


async def _check_scope(db: AsyncSession, place: Place, scope: ViewScope, user_id: uuid.UUID) -> None:
    """A view is its owner's (PERSONAL) or shared at its place's level, which takes the place's settings
    permission; a person keeps at most MAX_PERSONAL_VIEWS views per place."""
    if scope is ViewScope.PERSONAL:
        await _check_personal_room(db, place, user_id)
        return
    if scope is not place.level:
        raise Invalid(
            "scope_mismatch",
            f"A view of a {place.level.value.lower()} is PERSONAL or {place.level.value}.",
            field="scope",
        )
    place.require_share()


async def _check_personal_room(db: AsyncSession, place: Place, user_id: uuid.UUID) -> None:
    count = await db.scalar(
        select(func.count())
        .select_from(SavedView)
        .where(place.holds(), SavedView.scope == ViewScope.PERSONAL, SavedView.owner_id == user_id)
    )
    if (count or 0) >= MAX_PERSONAL_VIEWS:
        raise Conflict(
            "too_many_views", f"You can keep at most {MAX_PERSONAL_VIEWS} personal views here; delete one first."
        )


# ───────────────────────── filters and sort ─────────────────────────


async def _checked_filters(db: AsyncSession, place: Place, filters: dict[str, Any], sort: list[str]) -> dict[str, Any]:
    """The view's filter group, normalised, once it and the sort are known to be valid for the place."""
    if len(json.dumps(filters, ensure_ascii=False).encode()) > MAX_FILTER_BYTES:
        raise Invalid("filters_too_large", f"Filters take at most {MAX_FILTER_BYTES} bytes of JSON.", field="filters")
    group = parse_filter(filters, field="filters")
    if isinstance(place.resource, Project):
        catalog, _ = await catalog_for(db, place.resource)
        compile_filter(group, catalog, "filters")
        parse_sort(sort, catalog)
    else:
        _check_built_in_names(group, sort, FieldCatalog(db.get_bind().dialect.name, {}, ()))
    return group.model_dump(mode="json")


def _check_built_in_names(group: FilterGroup, sort: list[str], catalog: FieldCatalog) -> None:
    """Outside a project the custom fields (`cf.*`) depend on the project a view is applied to, so only
    the built-in field names can be checked."""
    for location, condition in _conditions(group, "filters"):
        if not condition.field.startswith(CUSTOM_PREFIX):
            catalog.resolve(condition.field, f"{location}.field")
    for index, key in enumerate(sort):
        name = key.removeprefix("-")
        if not name.startswith(CUSTOM_PREFIX):
            catalog.sort_column(name, f"sort.{index}")


def _conditions(group: FilterGroup, location: str) -> Iterator[tuple[str, Condition]]:
    for index, each in enumerate(group.conditions):
        at = f"{location}.conditions.{index}"
        if isinstance(each, FilterGroup):
            yield from _conditions(each, at)
        else:
            yield at, each
