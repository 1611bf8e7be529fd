"""Workflows: statuses (nodes) and transitions (edges) owned by a workspace, a space or a project; the
rules a move of a task must pass; and which workflow each project uses.

Rules kept here:
- a workflow has exactly one initial status once it has any; status keys are unique per workflow;
- a status that tasks use is deleted only after its tasks move to another status of the same workflow;
- a transition's team rules name teams of the workspace's projects, and approval needs approver teams;
- a move is checked against the edges, fail closed (`TransitionRules.check`);
- every project gets a workflow when it is created, from its body, its space or the default template;
  a space that requires its workflow locks it on the project;
- switching a project's workflow maps every status its tasks use to one of the new workflow, in one
  bulk update with the switch.
Archived workflows stay readable but cannot be chosen.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, false, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from fairlx.core.pagination import Page, after_id, id_cursor
from fairlx.projects.models import Project, ProjectMember, ProjectRole, ProjectTeam, ProjectTeamMember
from fairlx.rbac.permissions import PROJECT_OWNER_ROLE
from fairlx.rbac.resolver import workspace_access
from fairlx.spaces.models import Space
from fairlx.tasks.models import Task
from fairlx.workflows.models import (
    DefinitionScope,
    Workflow,
    WorkflowInheritance,
    WorkflowStatus,
    WorkflowTransition,
)
from fairlx.workflows.schemas import (
    MAX_STATUSES,
    ProjectWorkflowSwitch,
    SpaceWorkflowSettings,
    StatusCreate,
    StatusUpdate,
    TransitionCreate,
    TransitionUpdate,
    WorkflowClone,
    WorkflowCreate,
    WorkflowUpdate,
)
from fairlx.workflows.templates import DEFAULT_TEMPLATE, STATUS_ICONS, TEMPLATES, TemplateKey

STATUS_FIELD = "status_id"

# ───────────────────────── moving tasks: the interface of the tasks domain ─────────────────────────


@dataclass(frozen=True)
class Mover:
    """Who moves a task, as the transition rules see them."""

    user_id: uuid.UUID
    roles: frozenset[str]  # the mover's workspace role name and project role name(s)
    team_ids: frozenset[uuid.UUID]  # the project teams they belong to


async def mover_for(db: AsyncSession, cache: Cache, user_id: uuid.UUID, project: Project) -> Mover:
    access = await workspace_access(db, cache, user_id, project.workspace_id)
    roles: set[str] = set()
    if access is not None and access.role is not None:
        roles.add(access.role.value)
    if access is not None and access.owns_projects:
        roles.add(PROJECT_OWNER_ROLE)  # implicit owners of every project
    roles.update(
        await db.scalars(
            select(ProjectRole.name)
            .join(ProjectMember, ProjectMember.role_id == ProjectRole.id)
            .where(ProjectMember.project_id == project.id, ProjectMember.user_id == user_id)
        )
    )
    teams = await db.scalars(
        select(ProjectTeamMember.team_id).where(
            ProjectTeamMember.project_id == project.id, ProjectTeamMember.user_id == user_id
        )
    )
    return Mover(user_id, frozenset(roles), frozenset(teams))


@dataclass(frozen=True)
class Rule:
    """One edge and who may take it."""

    to_status_id: uuid.UUID
    allowed_roles: frozenset[str]
    allowed_team_ids: frozenset[uuid.UUID]
    requires_approval: bool
    approver_team_ids: frozenset[uuid.UUID]

    @classmethod
    def of(cls, transition: WorkflowTransition) -> Rule:
        return cls(
            transition.to_status_id,
            frozenset(transition.allowed_roles),
            _ids(transition.allowed_team_ids),
            transition.requires_approval,
            _ids(transition.approver_team_ids),
        )

    def refusal(self, mover: Mover) -> Forbidden | None:
        if self.allowed_roles and not self.allowed_roles & mover.roles:
            return Forbidden(
                "ROLE_NOT_ALLOWED", field=STATUS_FIELD, detail="Your role may not move work along this transition."
            )
        if self.allowed_team_ids and not self.allowed_team_ids & mover.team_ids:
            return Forbidden(
                "TEAM_NOT_ALLOWED", field=STATUS_FIELD, detail="Only members of certain teams may make this move."
            )
        if self.requires_approval and not self.approver_team_ids & mover.team_ids:
            return Forbidden(
                "REQUIRES_APPROVAL",
                field=STATUS_FIELD,
                detail="This move needs an approver: ask a member of an approver team.",
            )
        return None


class TransitionRules:
    """The edges of one workflow, loaded once; pure checks from there (a board uses it for every card)."""

    def __init__(self, positions: dict[uuid.UUID, int], rules: dict[uuid.UUID, dict[uuid.UUID, Rule]]) -> None:
        self._positions = positions  # status id -> position
        self._rules = rules  # from status id -> to status id -> rule

    def check(self, from_status_id: uuid.UUID, to_status_id: uuid.UUID, mover: Mover) -> None:
        """Return when `mover` may move work from one status to the other; raise why not otherwise."""
        if from_status_id == to_status_id and from_status_id in self._positions:
            return
        if from_status_id not in self._positions or to_status_id not in self._positions:
            raise Invalid("unknown_status", field=STATUS_FIELD, detail="That status is not part of this workflow.")
        rule = self._rules.get(from_status_id, {}).get(to_status_id)
        if rule is None:
            raise Invalid(
                "TRANSITION_NOT_DEFINED",
                field=STATUS_FIELD,
                detail="The workflow has no transition between these two statuses.",
            )
        refusal = rule.refusal(mover)
        if refusal is not None:
            raise refusal

    def targets(self, from_status_id: uuid.UUID, mover: Mover) -> list[uuid.UUID]:
        """The statuses `mover` may move work to from `from_status_id`, in board order."""
        allowed = [to_id for to_id, rule in self._rules.get(from_status_id, {}).items() if rule.refusal(mover) is None]
        return sorted(allowed, key=lambda status_id: (self._positions[status_id], status_id))


async def transition_rules(db: AsyncSession, workflow_id: uuid.UUID) -> TransitionRules:
    rows = await db.execute(
        select(WorkflowStatus.id, WorkflowStatus.position, WorkflowTransition)
        .outerjoin(WorkflowTransition, WorkflowTransition.from_status_id == WorkflowStatus.id)
        .where(WorkflowStatus.workflow_id == workflow_id)
    )
    positions: dict[uuid.UUID, int] = {}
    rules: defaultdict[uuid.UUID, dict[uuid.UUID, Rule]] = defaultdict(dict)
    for status_id, position, transition in rows:
        positions[status_id] = position
        if transition is not None:
            rules[status_id][transition.to_status_id] = Rule.of(transition)
    return TransitionRules(positions, dict(rules))


async def check_transition(
    db: AsyncSession, workflow_id: uuid.UUID, from_status_id: uuid.UUID, to_status_id: uuid.UUID, mover: Mover
) -> None:
    (await transition_rules(db, workflow_id)).check(from_status_id, to_status_id, mover)


async def statuses_of(db: AsyncSession, workflow_id: uuid.UUID) -> list[WorkflowStatus]:
    """The workflow's statuses in board order."""
    query = select(WorkflowStatus).where(WorkflowStatus.workflow_id == workflow_id)
    return list(await db.scalars(query.order_by(WorkflowStatus.position, WorkflowStatus.id)))


async def initial_status(db: AsyncSession, workflow_id: uuid.UUID) -> WorkflowStatus:
    """Where new work starts: the initial status (the first one, should none be marked)."""
    found = await db.scalar(
        select(WorkflowStatus)
        .where(WorkflowStatus.workflow_id == workflow_id)
        .order_by(WorkflowStatus.is_initial.desc(), WorkflowStatus.position, WorkflowStatus.id)
        .limit(1)
    )
    if found is None:
        raise Conflict("workflow_has_no_status", detail="The project's workflow has no status yet: add one first.")
    return found


async def ensure_project_workflow(db: AsyncSession, project: Project, actor_id: uuid.UUID | None) -> Workflow:
    """The project's workflow; a project without one gets a copy of the default template."""
    if project.workflow_id is None:
        # re-read under a row lock: two first moves must not give the project two workflows
        await db.execute(
            select(Project).where(Project.id == project.id).with_for_update().execution_options(populate_existing=True)
        )
    if project.workflow_id is not None:
        workflow = await db.get(Workflow, project.workflow_id)
        if workflow is not None:
            return workflow
    workflow = await _from_template(db, Owner.of_project(project), actor_id, DEFAULT_TEMPLATE)
    project.workflow_id = workflow.id
    await db.flush()
    return workflow


def _ids(values: Iterable[Any]) -> frozenset[uuid.UUID]:
    return frozenset(uuid.UUID(str(value)) for value in values)


# ───────────────────────── owners ─────────────────────────


@dataclass(frozen=True)
class Owner:
    """Whose workflows a request is about: a workspace's, a space's or a project's."""

    workspace_id: uuid.UUID
    scope: DefinitionScope
    space_id: uuid.UUID | None = None
    project: Project | None = None

    @classmethod
    def of_workspace(cls, workspace_id: uuid.UUID) -> Owner:
        return cls(workspace_id, DefinitionScope.WORKSPACE)

    @classmethod
    def of_space(cls, space: Space) -> Owner:
        return cls(space.workspace_id, DefinitionScope.SPACE, space_id=space.id)

    @classmethod
    def of_project(cls, project: Project) -> Owner:
        return cls(project.workspace_id, DefinitionScope.PROJECT, project=project)

    @property
    def project_id(self) -> uuid.UUID | None:
        return self.project.id if self.project is not None else None

    def owns(self) -> ColumnElement[bool]:
        """The workflows this owner holds (and may change)."""
        return and_(
            Workflow.workspace_id == self.workspace_id,
            Workflow.scope == self.scope,
            *([Workflow.space_id == self.space_id] if self.scope is DefinitionScope.SPACE else []),
            *([Workflow.project_id == self.project_id] if self.scope is DefinitionScope.PROJECT else []),
        )

    def sees(self) -> ColumnElement[bool]:
        """The workflows this owner may read: its own, and for a project those it may use."""
        if self.project is None:
            return self.owns()
        return and_(
            Workflow.workspace_id == self.workspace_id,
            or_(
                Workflow.scope == DefinitionScope.WORKSPACE,
                and_(Workflow.scope == DefinitionScope.SPACE, Workflow.space_id == self.project.space_id)
                if self.project.space_id is not None
                else false(),
                and_(Workflow.scope == DefinitionScope.PROJECT, Workflow.project_id == self.project.id),
            ),
        )

    def new_workflow(self, actor_id: uuid.UUID | None, **fields: Any) -> Workflow:
        return Workflow(
            workspace_id=self.workspace_id,
            space_id=self.space_id,
            project_id=self.project_id,
            scope=self.scope,
            created_by=actor_id,
            **fields,
        )


@dataclass(frozen=True)
class WorkflowView:
    workflow: Workflow
    statuses: list[WorkflowStatus]  # in board order
    transitions: list[WorkflowTransition]

    def status(self, status_id: uuid.UUID, field: str) -> WorkflowStatus:
        found = next((each for each in self.statuses if each.id == status_id), None)
        if found is None:
            raise Invalid("unknown_status", field=field, detail="That status is not part of this workflow.")
        return found

    def rules(self) -> TransitionRules:
        rules: defaultdict[uuid.UUID, dict[uuid.UUID, Rule]] = defaultdict(dict)
        for transition in self.transitions:
            rules[transition.from_status_id][transition.to_status_id] = Rule.of(transition)
        return TransitionRules({each.id: each.position for each in self.statuses}, dict(rules))


def _not_found() -> NotFound:
    return NotFound("workflow_not_found", detail="No such workflow here.")


async def _views(db: AsyncSession, workflows: Sequence[Workflow]) -> list[WorkflowView]:
    """The workflows with their statuses and transitions, in three statements whatever their number."""
    ids = [workflow.id for workflow in workflows]
    statuses: defaultdict[uuid.UUID, list[WorkflowStatus]] = defaultdict(list)
    transitions: defaultdict[uuid.UUID, list[WorkflowTransition]] = defaultdict(list)
    if ids:
        for status in await db.scalars(
            select(WorkflowStatus)
            .where(WorkflowStatus.workflow_id.in_(ids))
            .order_by(WorkflowStatus.position, WorkflowStatus.id)
        ):
            statuses[status.workflow_id].append(status)
        for transition in await db.scalars(
            select(WorkflowTransition).where(WorkflowTransition.workflow_id.in_(ids)).order_by(WorkflowTransition.id)
        ):
            transitions[transition.workflow_id].append(transition)
    return [WorkflowView(each, statuses[each.id], transitions[each.id]) for each in workflows]


async def _view(db: AsyncSession, workflow: Workflow) -> WorkflowView:
    return (await _views(db, [workflow]))[0]


async def _seen(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> Workflow:
    found = await db.scalar(select(Workflow).where(Workflow.id == workflow_id, owner.sees()))
    if found is None:
        raise _not_found()
    return found


async def _owned(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> Workflow:
    found = await db.scalar(select(Workflow).where(Workflow.id == workflow_id, owner.owns()))
    if found is None:
        raise _not_found()
    return found


def _touch(workflow: Workflow) -> None:
    workflow.updated_at = utcnow()


def key_from(name: str, fallback: str) -> str:
    key = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    if not key or not key[0].isalpha():
        key = f"{fallback}_{key}".strip("_")
    return key[:30].rstrip("_")


# ───────────────────────── workflows ─────────────────────────


async def list_workflows(
    db: AsyncSession, owner: Owner, *, limit: int, cursor: str | None = None
) -> Page[WorkflowView]:
    query = select(Workflow).where(owner.sees())
    if (condition := after_id(cursor, Workflow.id)) is not None:
        query = query.where(condition)
    rows = list(await db.scalars(query.order_by(Workflow.id).limit(limit + 1)))
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(await _views(db, rows[:limit]), next_cursor)


async def get_workflow(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> WorkflowView:
    return await _view(db, await _seen(db, owner, workflow_id))


async def create_workflow(
    db: AsyncSession, owner: Owner, actor_id: uuid.UUID | None, data: WorkflowCreate
) -> WorkflowView:
    if data.template is not None:
        workflow = await _from_template(
            db, owner, actor_id, data.template, name=data.name, key=data.key, description=data.description
        )
    else:
        workflow = owner.new_workflow(
            actor_id, name=data.name, key=data.key or key_from(data.name, "WF"), description=data.description or None
        )
        db.add(workflow)
        await db.flush()
    return await _view(db, workflow)


async def _from_template(
    db: AsyncSession,
    owner: Owner,
    actor_id: uuid.UUID | None,
    template_key: TemplateKey,
    *,
    name: str | None = None,
    key: str | None = None,
    description: str | None = None,
) -> Workflow:
    template = TEMPLATES[template_key]
    workflow = owner.new_workflow(
        actor_id,
        name=name or template.name,
        key=key or template.workflow_key,
        description=description or template.description,
        template=template.key.value,
    )
    db.add(workflow)
    await db.flush()
    statuses = {
        spec.key: WorkflowStatus(
            workspace_id=owner.workspace_id,
            workflow_id=workflow.id,
            name=spec.name,
            key=spec.key,
            color=spec.color,
            icon=spec.icon,
            status_type=spec.status_type,
            position=position,
            canvas_x=spec.canvas_x,
            canvas_y=spec.canvas_y,
            is_initial=spec.is_initial,
            is_final=spec.is_final,
        )
        for position, spec in enumerate(template.statuses)
    }
    db.add_all(statuses.values())
    await db.flush()
    db.add_all(
        WorkflowTransition(
            workspace_id=owner.workspace_id,
            workflow_id=workflow.id,
            from_status_id=statuses[spec.from_key].id,
            to_status_id=statuses[spec.to_key].id,
            name=spec.name,
        )
        for spec in template.transitions
    )
    await db.flush()
    return workflow


async def clone_workflow(
    db: AsyncSession, owner: Owner, actor_id: uuid.UUID | None, workflow_id: uuid.UUID, data: WorkflowClone
) -> WorkflowView:
    """A copy, owned by `owner`, of a workflow it can see (a project can copy a workspace's workflow)."""
    source = await _view(db, await _seen(db, owner, workflow_id))
    copy = owner.new_workflow(
        actor_id,
        name=data.name or f"{source.workflow.name} (copy)"[:120],
        key=source.workflow.key,
        description=source.workflow.description,
        template=source.workflow.template,
    )
    db.add(copy)
    await db.flush()
    copies = {status.id: _copy_status(status, copy) for status in source.statuses}
    db.add_all(copies.values())
    await db.flush()
    db.add_all(
        WorkflowTransition(
            workspace_id=copy.workspace_id,
            workflow_id=copy.id,
            from_status_id=copies[each.from_status_id].id,
            to_status_id=copies[each.to_status_id].id,
            name=each.name,
            description=each.description,
            allowed_roles=list(each.allowed_roles),
            allowed_team_ids=list(each.allowed_team_ids),
            requires_approval=each.requires_approval,
            approver_team_ids=list(each.approver_team_ids),
        )
        for each in source.transitions
    )
    await db.flush()
    return await _view(db, copy)


def _copy_status(status: WorkflowStatus, workflow: Workflow) -> WorkflowStatus:
    return WorkflowStatus(
        workspace_id=workflow.workspace_id,
        workflow_id=workflow.id,
        name=status.name,
        key=status.key,
        color=status.color,
        icon=status.icon,
        status_type=status.status_type,
        description=status.description,
        position=status.position,
        canvas_x=status.canvas_x,
        canvas_y=status.canvas_y,
        is_initial=status.is_initial,
        is_final=status.is_final,
    )


async def update_workflow(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, data: WorkflowUpdate) -> WorkflowView:
    workflow = await _owned(db, owner, workflow_id)
    changes = data.model_dump(include=data.model_fields_set)
    for required in ("name", "key", "archived"):
        if required in changes and changes[required] is None:
            raise Invalid("required", field=required, detail=f"The {required} cannot be empty.")
    if "archived" in changes:
        archived = changes.pop("archived")
        workflow.archived_at = (workflow.archived_at or utcnow()) if archived else None
    if "description" in changes:
        changes["description"] = changes["description"] or None
    for name, value in changes.items():
        setattr(workflow, name, value)
    _touch(workflow)
    await db.flush()
    return await _view(db, workflow)


async def delete_workflow(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> None:
    """Delete a workflow no project uses and no task is in."""
    workflow = await _owned(db, owner, workflow_id)
    in_use = await db.scalar(
        select(
            exists().where(Project.workflow_id == workflow.id)
            | exists().where(Task.status_id == WorkflowStatus.id, WorkflowStatus.workflow_id == workflow.id)
        )
    )
    if in_use:
        raise Conflict(
            "workflow_in_use", detail="Projects use this workflow: switch them to another one, or archive it instead."
        )
    await db.execute(delete(WorkflowTransition).where(WorkflowTransition.workflow_id == workflow.id))
    await db.execute(delete(WorkflowStatus).where(WorkflowStatus.workflow_id == workflow.id))
    await db.delete(workflow)
    await db.flush()


# ───────────────────────── statuses ─────────────────────────


async def create_status(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, data: StatusCreate) -> WorkflowStatus:
    view = await _view(db, await _owned(db, owner, workflow_id))
    if len(view.statuses) >= MAX_STATUSES:
        raise Conflict("too_many_statuses", detail=f"A workflow holds at most {MAX_STATUSES} statuses.")
    key = data.key or key_from(data.name, "S")
    _check_key(view, key)
    _check_icon(data.icon)
    last = max((each.position for each in view.statuses), default=-1)
    position = last + 1 if data.position is None or data.position > last else data.position
    if position <= last:
        await db.execute(
            update(WorkflowStatus)
            .where(WorkflowStatus.workflow_id == view.workflow.id, WorkflowStatus.position >= position)
            .values(position=WorkflowStatus.position + 1)
            .execution_options(synchronize_session="fetch")
        )
    initial = data.is_initial or not view.statuses
    if initial:
        _clear_initial(view)
    status = WorkflowStatus(
        workspace_id=view.workflow.workspace_id,
        workflow_id=view.workflow.id,
        **data.model_dump(exclude={"key", "position", "is_initial"}),
        key=key,
        position=position,
        is_initial=initial,
    )
    db.add(status)
    _touch(view.workflow)
    await db.flush()
    return status


async def update_status(
    db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, status_id: uuid.UUID, data: StatusUpdate
) -> WorkflowStatus:
    view = await _view(db, await _owned(db, owner, workflow_id))
    status = _status_here(view, status_id)
    changes = data.model_dump(include=data.model_fields_set)
    for required in ("name", "key", "color", "status_type", "position", "canvas_x", "canvas_y", "is_final"):
        if required in changes and changes[required] is None:
            raise Invalid("required", field=required, detail=f"The {required} cannot be empty.")
    if changes.get("key") not in (None, status.key):
        _check_key(view, changes["key"])
    if "icon" in changes:
        _check_icon(changes["icon"])
    if "is_initial" in changes:
        if changes.pop("is_initial"):
            _clear_initial(view)
            status.is_initial = True
        elif status.is_initial:
            raise Invalid(
                "initial_required", field="is_initial", detail="Make another status initial instead: one must be."
            )
    for name, value in changes.items():
        setattr(status, name, value)
    _touch(view.workflow)
    await db.flush()
    return status


async def delete_status(
    db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, status_id: uuid.UUID, move_to: uuid.UUID | None
) -> int:
    """Delete a status; the tasks in it move to `move_to` first. Returns how many moved."""
    view = await _view(db, await _owned(db, owner, workflow_id))
    status = _status_here(view, status_id)
    if status.is_initial and len(view.statuses) > 1:
        raise Conflict("initial_status", detail="New work starts in this status: make another one initial first.")
    moved = 0
    if await db.scalar(select(exists().where(Task.status_id == status.id))):
        if move_to is None:
            raise Invalid(
                "move_to_required", field="move_to", detail="Tasks are in this status: choose where they move."
            )
        if move_to == status.id:
            raise Invalid("unknown_status", field="move_to", detail="Choose another status of this workflow.")
        target = view.status(move_to, "move_to")
        moved = await _move_tasks(db, Task.status_id == status.id, {status.id: target.id}, target.id)
    await db.execute(
        delete(WorkflowTransition).where(
            (WorkflowTransition.from_status_id == status.id) | (WorkflowTransition.to_status_id == status.id)
        )
    )
    await db.delete(status)
    _touch(view.workflow)
    await db.flush()
    return moved


async def reorder_statuses(
    db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[WorkflowStatus]:
    view = await _view(db, await _owned(db, owner, workflow_id))
    if len(set(ids)) != len(ids) or set(ids) != {each.id for each in view.statuses}:
        raise Invalid("reorder_mismatch", field="ids", detail="Name every status of the workflow once, in order.")
    by_id = {each.id: each for each in view.statuses}
    for position, status_id in enumerate(ids):
        by_id[status_id].position = position
    _touch(view.workflow)
    await db.flush()
    return [by_id[each] for each in ids]


def _status_here(view: WorkflowView, status_id: uuid.UUID) -> WorkflowStatus:
    found = next((each for each in view.statuses if each.id == status_id), None)
    if found is None:
        raise NotFound("status_not_found", detail="No such status in this workflow.")
    return found


def _check_key(view: WorkflowView, key: str) -> None:
    if any(each.key == key for each in view.statuses):
        raise Conflict("status_key_taken", field="key", detail=f"Another status of this workflow uses the key {key}.")


def _check_icon(icon: str | None) -> None:
    if icon is not None and icon not in STATUS_ICONS:
        raise Invalid("unknown_icon", field="icon", detail="Choose one of the offered icons.")


def _clear_initial(view: WorkflowView) -> None:
    for each in view.statuses:
        each.is_initial = False


async def _move_tasks(
    db: AsyncSession,
    which: ColumnElement[bool],
    mapping: dict[uuid.UUID, uuid.UUID],
    otherwise: uuid.UUID,
) -> int:
    """Move the tasks matching `which` by `mapping` (old status -> new), the rest to `otherwise`, in one
    statement; each moved task's version goes up so an edit based on the old status fails."""

    def typed(status_id: uuid.UUID) -> ColumnElement[uuid.UUID]:
        return literal(status_id, Task.status_id.type)

    new_status = (
        case({old: typed(new) for old, new in mapping.items()}, value=Task.status_id, else_=typed(otherwise))
        if mapping
        else typed(otherwise)
    )
    result = await db.execute(
        update(Task)
        .where(which)
        .values(status_id=new_status, version=Task.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# ───────────────────────── transitions ─────────────────────────


async def create_transition(
    db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, data: TransitionCreate
) -> WorkflowTransition:
    view = await _view(db, await _owned(db, owner, workflow_id))
    view.status(data.from_status_id, "from_status_id")
    view.status(data.to_status_id, "to_status_id")
    if data.from_status_id == data.to_status_id:
        raise Invalid("same_status", field="to_status_id", detail="A transition leads to another status.")
    if any(
        each.from_status_id == data.from_status_id and each.to_status_id == data.to_status_id
        for each in view.transitions
    ):
        raise Conflict("transition_exists", detail="This transition already exists.")
    transition = WorkflowTransition(workspace_id=view.workflow.workspace_id, workflow_id=view.workflow.id)
    await _apply_rules(db, transition, data.model_dump())
    _touch(view.workflow)
    db.add(transition)
    await db.flush()
    return transition


async def update_transition(
    db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, transition_id: uuid.UUID, data: TransitionUpdate
) -> WorkflowTransition:
    view = await _view(db, await _owned(db, owner, workflow_id))
    transition = _transition_here(view, transition_id)
    changes = data.model_dump(include=data.model_fields_set)
    for listed in ("allowed_roles", "allowed_team_ids", "approver_team_ids"):
        if listed in changes and changes[listed] is None:
            changes[listed] = []
    if changes.get("requires_approval", False) is None:
        raise Invalid("required", field="requires_approval", detail="Say whether the move needs an approver.")
    await _apply_rules(db, transition, changes)
    _touch(view.workflow)
    await db.flush()
    return transition


async def delete_transition(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, transition_id: uuid.UUID) -> None:
    view = await _view(db, await _owned(db, owner, workflow_id))
    await db.delete(_transition_here(view, transition_id))
    _touch(view.workflow)
    await db.flush()


def _transition_here(view: WorkflowView, transition_id: uuid.UUID) -> WorkflowTransition:
    found = next((each for each in view.transitions if each.id == transition_id), None)
    if found is None:
        raise NotFound("transition_not_found", detail="No such transition in this workflow.")
    return found


async def _apply_rules(db: AsyncSession, transition: WorkflowTransition, changes: dict[str, Any]) -> None:
    """Set the transition's fields from `changes`, checking its teams and its approval rule."""
    for field in ("allowed_team_ids", "approver_team_ids"):
        if field in changes:
            await _check_teams(db, transition.workspace_id, changes[field], field)
            changes[field] = [str(each) for each in dict.fromkeys(changes[field])]
    if "allowed_roles" in changes:
        changes["allowed_roles"] = list(dict.fromkeys(changes["allowed_roles"]))
    for name in ("name", "description"):
        if name in changes:
            changes[name] = changes[name] or None
    for name, value in changes.items():
        setattr(transition, name, value)
    if transition.requires_approval and not transition.approver_team_ids:
        raise Invalid(
            "approvers_required", field="approver_team_ids", detail="Choose the teams whose members approve this move."
        )


async def _check_teams(db: AsyncSession, workspace_id: uuid.UUID, team_ids: list[uuid.UUID], field: str) -> None:
    wanted = set(team_ids)
    if not wanted:
        return
    found = set(
        await db.scalars(
            select(ProjectTeam.id).where(ProjectTeam.id.in_(wanted), ProjectTeam.workspace_id == workspace_id)
        )
    )
    if found != wanted:
        raise Invalid("unknown_team", field=field, detail="Choose teams of this workspace's projects.")


# ───────────────────────── validation and allowed moves ─────────────────────────


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    status_ids: list[uuid.UUID]


@dataclass(frozen=True)
class ValidationReport:
    issues: list[Issue]

    @property
    def valid(self) -> bool:
        return not self.issues


async def validate_workflow(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID) -> ValidationReport:
    return validation_of(await get_workflow(db, owner, workflow_id))


def validation_of(view: WorkflowView) -> ValidationReport:
    """What keeps work from flowing: statuses no transition touches, statuses the initial one cannot
    reach, non-final statuses work cannot leave, and a missing initial or final status."""
    issues: list[Issue] = []
    initial = next((each for each in view.statuses if each.is_initial), None)
    if initial is None:
        issues.append(Issue("missing_initial", "No status is initial: new work has nowhere to start.", []))
    if not any(each.is_final for each in view.statuses):
        issues.append(Issue("missing_final", "No status is final: work can never be finished.", []))
    outgoing: defaultdict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    touched: set[uuid.UUID] = set()
    for each in view.transitions:
        outgoing[each.from_status_id].add(each.to_status_id)
        touched.update((each.from_status_id, each.to_status_id))
    connected = [each for each in view.statuses if each.id in touched]
    orphans = [each for each in view.statuses if each.id not in touched and len(view.statuses) > 1]
    _add(issues, "orphaned", orphans, "no transition leads in or out")
    if initial is not None:
        reached = _reachable(initial.id, outgoing)
        _add(
            issues,
            "unreachable",
            [each for each in connected if each.id not in reached],
            "cannot be reached from the initial status",
        )
    dead_ends = [each for each in connected if not each.is_final and not outgoing[each.id]]
    _add(issues, "dead_end", dead_ends, "is not final but has no way out")
    return ValidationReport(issues)


def _add(issues: list[Issue], code: str, statuses: list[WorkflowStatus], problem: str) -> None:
    for status in statuses:
        issues.append(Issue(code, f"“{status.name}” {problem}.", [status.id]))


def _reachable(start: uuid.UUID, outgoing: dict[uuid.UUID, set[uuid.UUID]]) -> set[uuid.UUID]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in outgoing.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


async def allowed_transitions(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    owner: Owner,
    workflow_id: uuid.UUID,
    *,
    from_status_id: uuid.UUID,
) -> list[WorkflowStatus]:
    """The statuses the caller may move work to from `from_status_id` (with their project standing when
    asked through a project, their workspace role otherwise)."""
    view = await get_workflow(db, owner, workflow_id)
    view.status(from_status_id, "from_status_id")
    if owner.project is not None:
        mover = await mover_for(db, cache, user_id, owner.project)
    else:
        access = await workspace_access(db, cache, user_id, owner.workspace_id)
        role = access.role if access is not None else None
        mover = Mover(user_id, frozenset({role.value} if role else ()), frozenset())
    by_id = {each.id: each for each in view.statuses}
    return [by_id[each] for each in view.rules().targets(from_status_id, mover)]


# ───────────────────────── projects and spaces ─────────────────────────


async def _choosable(db: AsyncSession, owner: Owner, workflow_id: uuid.UUID, field: str) -> Workflow:
    """A workflow `owner` may adopt: one it can see, not archived."""
    workflow = await db.scalar(select(Workflow).where(Workflow.id == workflow_id, owner.sees()))
    if workflow is None:
        raise Invalid("workflow_not_found", field=field, detail="No such workflow available here.")
    if workflow.archived_at is not None:
        raise Invalid("workflow_archived", field=field, detail="This workflow is archived: choose another one.")
    return workflow


async def _space_default(db: AsyncSession, project: Project) -> tuple[Workflow | None, WorkflowInheritance]:
    """The default workflow the project's space hands down, and how."""
    if project.space_id is None:
        return None, WorkflowInheritance.NONE
    row = (
        await db.execute(
            select(Workflow, Space.workflow_inheritance)
            .join(Space, Space.default_workflow_id == Workflow.id)
            .where(Space.id == project.space_id, Workflow.archived_at.is_(None))
        )
    ).first()
    return (None, WorkflowInheritance.NONE) if row is None else (row[0], row[1])


async def assign_new_project_workflow(
    db: AsyncSession,
    project: Project,
    actor_id: uuid.UUID | None,
    *,
    workflow_id: uuid.UUID | None = None,
    template: TemplateKey | None = None,
) -> Workflow:
    """Give a new project its workflow: the space's when the space requires it (locked), else the one
    chosen, else the space's suggestion, else a project copy of the default template."""
    if workflow_id is not None and template is not None:
        raise Invalid("choose_one", field="workflow_template", detail="Choose a workflow or a template, not both.")
    default, inheritance = await _space_default(db, project)
    owner = Owner.of_project(project)
    if default is not None and inheritance is WorkflowInheritance.REQUIRE:
        if template is not None or workflow_id not in (None, default.id):
            raise Conflict(
                "workflow_locked",
                field="workflow_id",
                detail="The space requires its own workflow for every project in it.",
            )
        workflow, project.workflow_locked = default, True
    elif workflow_id is not None:
        workflow = await _choosable(db, owner, workflow_id, "workflow_id")
    elif template is not None:
        workflow = await _from_template(db, owner, actor_id, template)
    elif default is not None and inheritance is WorkflowInheritance.SUGGEST:
        workflow = default
    else:
        workflow = await _from_template(db, owner, actor_id, DEFAULT_TEMPLATE)
    project.workflow_id = workflow.id
    await db.flush()
    return workflow


@dataclass(frozen=True)
class SwitchResult:
    project: Project
    moved_tasks: int


async def switch_project_workflow(db: AsyncSession, project: Project, data: ProjectWorkflowSwitch) -> SwitchResult:
    """Move the project to another workflow; its tasks follow `status_mapping` in the same transaction.
    Every status its live tasks use must be mapped; trashed tasks in unmapped statuses start over in the
    new initial status."""
    if project.workflow_locked:
        raise Conflict("workflow_locked", detail="The project's space requires its workflow: it cannot change here.")
    workflow = await _choosable(db, Owner.of_project(project), data.workflow_id, "workflow_id")
    if workflow.id == project.workflow_id:
        return SwitchResult(project, 0)
    targets = {each.id for each in await statuses_of(db, workflow.id)}
    if not targets:
        raise Invalid("workflow_has_no_status", field="workflow_id", detail="This workflow has no status yet.")
    _check_mapping(data.status_mapping, targets, await _statuses_in_use(db, project, targets))
    moved = await _move_tasks(
        db,
        and_(Task.project_id == project.id, Task.status_id.not_in(targets)),
        dict(data.status_mapping),
        (await initial_status(db, workflow.id)).id,
    )
    project.workflow_id = workflow.id
    await db.flush()
    return SwitchResult(project, moved)


async def _statuses_in_use(db: AsyncSession, project: Project, targets: set[uuid.UUID]) -> set[uuid.UUID]:
    """The statuses outside `targets` that the project's live tasks are in."""
    used = await db.scalars(
        select(Task.status_id)
        .where(Task.project_id == project.id, Task.deleted_at.is_(None), Task.status_id.not_in(targets))
        .distinct()
    )
    return set(used)


def _check_mapping(mapping: dict[uuid.UUID, uuid.UUID], targets: set[uuid.UUID], used: set[uuid.UUID]) -> None:
    for old, new in mapping.items():
        if new not in targets:
            raise Invalid(
                "unknown_status",
                field=f"status_mapping.{old}",
                detail="Map each status to a status of the new workflow.",
            )
    unmapped = sorted(str(each) for each in used if each not in mapping)
    if unmapped:
        raise Invalid(
            "status_unmapped",
            field=f"status_mapping.{unmapped[0]}",
            detail=f"Tasks are in {len(unmapped)} status(es) the new workflow lacks: say where each goes.",
            errors=[
                FieldError(f"status_mapping.{each}", "Tasks are in this status: map it.", "status_unmapped")
                for each in unmapped
            ],
        )


async def set_space_workflow(db: AsyncSession, space: Space, data: SpaceWorkflowSettings) -> Space:
    """The space's default workflow (one of the workspace's or its own) and how new projects inherit it."""
    if data.default_workflow_id is None and data.inheritance is not WorkflowInheritance.NONE:
        raise Invalid(
            "default_workflow_required",
            field="default_workflow_id",
            detail="Choose the workflow the space hands down.",
        )
    if data.default_workflow_id is not None:
        owner = Owner.of_space(space)
        usable = or_(
            owner.owns(), and_(Workflow.workspace_id == space.workspace_id, Workflow.scope == DefinitionScope.WORKSPACE)
        )
        workflow = await db.scalar(select(Workflow).where(Workflow.id == data.default_workflow_id, usable))
        if workflow is None:
            raise Invalid("workflow_not_found", field="default_workflow_id", detail="No such workflow available here.")
        if workflow.archived_at is not None:
            raise Invalid("workflow_archived", field="default_workflow_id", detail="This workflow is archived.")
    space.default_workflow_id = data.default_workflow_id
    space.workflow_inheritance = data.inheritance
    await db.flush()
    return space
