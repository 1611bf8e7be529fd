"""Workflow pages: a project's Workflow settings section, a workspace's Workflows page, and the editor
both share (statuses, the transition matrix with its rules, the validation report and a diagram).

The editor's routes are made per owner by `editor_routes`, like the JSON API's: under
`/projects/{project_id}/settings/workflow/{workflow_id}` and `/workspaces/{workspace_id}/workflows/{workflow_id}`.
Forms post with htmx; a change answers with the editor again (and a toast), a refused form with itself
and the messages beside its fields (status 422).

No `from __future__ import annotations`: the handlers' parameter types are built per owner inside the
router factory, and FastAPI must see them as objects, not as names to resolve in the module."""

import json
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fairlx.auth.actor import Actor
from fairlx.core.errors import Invalid
from fairlx.core.infrastructure import Infrastructure
from fairlx.dependencies import Db, Infra
from fairlx.projects import service as projects
from fairlx.projects.models import Project
from fairlx.projects.pages import CHOICES as PROJECT_CHOICES
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import PROJECT_DEFAULT_ROLES, Permission
from fairlx.web.forms import form_values, handle_form
from fairlx.web.guards import PageActor, redirect
from fairlx.web.templating import render
from fairlx.workflows import service
from fairlx.workflows.models import DefinitionScope, StatusType, Workflow, WorkflowStatus
from fairlx.workflows.schemas import (
    Color,
    Description,
    ProjectWorkflowSwitch,
    ShortText,
    StatusCreate,
    StatusName,
    StatusUpdate,
    TransitionCreate,
    TransitionName,
    TransitionUpdate,
    WorkflowClone,
    WorkflowCreate,
    WorkflowKey,
    WorkflowName,
    WorkflowUpdate,
)
from fairlx.workflows.service import Owner, WorkflowView
from fairlx.workflows.templates import STATUS_ICONS, TEMPLATES, TemplateKey
from fairlx.workspaces.models import Workspace, WorkspaceRole

router = APIRouter(include_in_schema=False)

P = Permission
EDITOR_ID = "#workflow-editor"
LIST_ID = "workflow-list"  # the element the list's archive buttons swap
LIST_LIMIT = 100
TEAM_LIMIT = 200
CHOICES: dict[str, Any] = {
    "status_types": [
        (StatusType.OPEN.value, "Open: not started"),
        (StatusType.IN_PROGRESS.value, "In progress: being worked on"),
        (StatusType.CLOSED.value, "Closed: finished"),
    ],
    "status_icons": STATUS_ICONS,
    "templates": list(TEMPLATES.values()),
    "template_names": {key.value: template.name for key, template in TEMPLATES.items()},
    "scope_labels": {
        DefinitionScope.WORKSPACE: "Workspace",
        DefinitionScope.SPACE: "Space",
        DefinitionScope.PROJECT: "Project",
    },
}


def toast(title: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": ""}})}


# ───────────────────────── forms ─────────────────────────


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)


class PageForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class StatusForm(PageForm):
    name: StatusName
    key: Annotated[WorkflowKey | None, Blank] = None
    color: Color = "#64748b"
    icon: Annotated[str | None, Blank, Field(max_length=40)] = None
    status_type: StatusType = StatusType.OPEN
    description: Annotated[ShortText | None, Blank] = None
    is_initial: bool = False
    is_final: bool = False

    def creation(self) -> StatusCreate:
        return StatusCreate(**self.model_dump())

    def changes(self) -> StatusUpdate:
        """A blank key keeps the one the status has."""
        return StatusUpdate(**self.model_dump(exclude={"key"} if self.key is None else set()))


STATUS_CHECKBOXES = ("is_initial", "is_final")


class DeleteStatusForm(PageForm):
    move_to: Annotated[uuid.UUID | None, Blank] = None


def _comma_separated(value: Any) -> Any:
    return [part for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class OrderForm(PageForm):
    ids: Annotated[list[uuid.UUID], BeforeValidator(_comma_separated), Field(min_length=1, max_length=50)]


class EdgeForm(PageForm):
    from_status_id: uuid.UUID
    to_status_id: uuid.UUID


class RulesForm(PageForm):
    """The rules modal; its ticked roles and teams come as `role:<name>`, `team:<id>` and `approver:<id>`."""

    name: Annotated[TransitionName | None, Blank] = None
    description: Annotated[ShortText | None, Blank] = None
    requires_approval: bool = False


def ticked(values: Mapping[str, str], prefix: str) -> list[str]:
    return [name.removeprefix(prefix) for name, value in values.items() if name.startswith(prefix) and value]


def ticked_ids(values: Mapping[str, str], prefix: str, field: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(each) for each in ticked(values, prefix)]
    except ValueError as error:
        raise Invalid("unknown_team", field=field, detail="Choose teams from the list.") from error


def rules_of(form: RulesForm, values: Mapping[str, str]) -> TransitionUpdate:
    return TransitionUpdate(
        **form.model_dump(),
        allowed_roles=ticked(values, "role:"),
        allowed_team_ids=ticked_ids(values, "team:", "allowed_team_ids"),
        approver_team_ids=ticked_ids(values, "approver:", "approver_team_ids"),
    )


class WorkflowForm(PageForm):
    name: WorkflowName
    key: Annotated[WorkflowKey | None, Blank] = None
    description: Annotated[ShortText | None, Blank] = None
    template: Annotated[TemplateKey | None, Blank] = None


class DetailsForm(PageForm):
    name: WorkflowName
    description: Annotated[Description | None, Blank] = None


class ArchiveForm(PageForm):
    archived: bool


class ChoiceForm(PageForm):
    workflow_id: uuid.UUID


class TemplateForm(PageForm):
    template: TemplateKey


def switch_of(form: ChoiceForm, values: Mapping[str, str]) -> ProjectWorkflowSwitch:
    """The switch a mapping form stands for: `map:<old status id>` = the new status id."""
    mapping: dict[uuid.UUID, uuid.UUID] = {}
    for old, new in ((name.removeprefix("map:"), value) for name, value in values.items() if name.startswith("map:")):
        try:
            mapping[uuid.UUID(old)] = uuid.UUID(new)
        except ValueError as error:
            field = f"status_mapping.{old}"
            raise Invalid("unknown_status", field=field, detail="Choose a status of the new workflow.") from error
    return ProjectWorkflowSwitch(workflow_id=form.workflow_id, status_mapping=mapping)


# ───────────────────────── the diagram ─────────────────────────

NODE_WIDTH, NODE_HEIGHT = 168, 52
GRID_COLUMNS, GRID_STEP_X, GRID_STEP_Y = 4, 232, 128
PADDING = 36
BEND = 26


@dataclass(frozen=True)
class Node:
    status: WorkflowStatus
    x: float  # top left
    y: float

    @property
    def center(self) -> tuple[float, float]:
        return self.x + NODE_WIDTH / 2, self.y + NODE_HEIGHT / 2


@dataclass(frozen=True)
class Edge:
    path: str
    label: str | None
    guarded: bool  # only some people may take it


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


def diagram_of(view: WorkflowView) -> Diagram:
    """Statuses at their canvas positions (in a grid when none has one), arrows for transitions: straight
    when nothing is in the way, bent when a reverse arrow or another status would overlap them."""
    placed = _positions(view.statuses)
    left = min((x for x, _ in placed.values()), default=0)
    top = min((y for _, y in placed.values()), default=0)
    nodes = {
        status.id: Node(status, placed[status.id][0] - left + PADDING, placed[status.id][1] - top + PADDING)
        for status in view.statuses
    }
    pairs = {(each.from_status_id, each.to_status_id) for each in view.transitions}
    edges = [
        _edge(
            nodes[each.from_status_id],
            nodes[each.to_status_id],
            list(nodes.values()),
            reverse=(each.to_status_id, each.from_status_id) in pairs,
            label=each.name,
            guarded=bool(each.allowed_roles or each.allowed_team_ids or each.requires_approval),
        )
        for each in view.transitions
        if each.from_status_id in nodes and each.to_status_id in nodes
    ]
    width = max((node.x for node in nodes.values()), default=0) + NODE_WIDTH + PADDING
    height = max((node.y for node in nodes.values()), default=0) + NODE_HEIGHT + PADDING + BEND
    return Diagram(int(width), int(height), list(nodes.values()), edges)


def _positions(statuses: list[WorkflowStatus]) -> dict[uuid.UUID, tuple[float, float]]:
    """Canvas positions; statuses without one (0, 0) go in a grid, below the placed ones if any."""
    placed = {
        each.id: (float(each.canvas_x), float(each.canvas_y)) for each in statuses if each.canvas_x or each.canvas_y
    }
    below = max((y for _, y in placed.values()), default=-GRID_STEP_Y) + GRID_STEP_Y
    left = min((x for x, _ in placed.values()), default=0)
    loose = [each for each in statuses if each.id not in placed]
    for index, status in enumerate(loose):
        placed[status.id] = (left + index % GRID_COLUMNS * GRID_STEP_X, below + index // GRID_COLUMNS * GRID_STEP_Y)
    return placed


def _edge(start: Node, end: Node, nodes: list[Node], *, reverse: bool, label: str | None, guarded: bool) -> Edge:
    (ax, ay), (bx, by) = start.center, end.center
    length = math.hypot(bx - ax, by - ay) or 1.0
    normal = (-(by - ay) / length, (bx - ax) / length)
    blocked = any(_crosses(node, start.center, end.center) for node in nodes if node not in (start, end))
    bend = max(BEND * 2.0, length * 0.2) if blocked else BEND if reverse else 0.0
    control = ((ax + bx) / 2 + normal[0] * bend, (ay + by) / 2 + normal[1] * bend)
    sx, sy = _border(start, control)
    ex, ey = _border(end, control)
    return Edge(f"M{sx:.1f},{sy:.1f} Q{control[0]:.1f},{control[1]:.1f} {ex:.1f},{ey:.1f}", label, guarded)


def _border(node: Node, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the node's centre to `toward` leaves its box (plus a small gap)."""
    cx, cy = node.center
    dx, dy = toward[0] - cx, toward[1] - cy
    scale = min(
        (NODE_WIDTH / 2 + 4) / abs(dx) if dx else math.inf,
        (NODE_HEIGHT / 2 + 4) / abs(dy) if dy else math.inf,
    )
    return cx + dx * scale, cy + dy * scale


def _crosses(node: Node, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the segment a-b passes through `node`'s box."""
    cx, cy = node.center
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((cx - a[0]) * dx + (cy - a[1]) * dy) / ((dx * dx + dy * dy) or 1.0)))
    px, py = a[0] + t * dx, a[1] + t * dy
    return abs(px - cx) < NODE_WIDTH / 2 and abs(py - cy) < NODE_HEIGHT / 2


# ───────────────────────── the editor, per owner ─────────────────────────


@dataclass(frozen=True)
class RuleChoices:
    """Who a transition may be limited to: role names and (value, label) pairs of teams."""

    roles: list[str]
    teams: list[tuple[str, str]]


WORKSPACE_ROLES = [role.value for role in WorkspaceRole]


async def workspace_rule_choices(db: AsyncSession, workspace: Workspace) -> RuleChoices:
    return RuleChoices(WORKSPACE_ROLES + [name for name in PROJECT_DEFAULT_ROLES if name not in WORKSPACE_ROLES], [])


async def project_rule_choices(db: AsyncSession, project: Project) -> RuleChoices:
    roles = [row.role.name for row in await projects.list_roles(db, project)]
    teams = (await projects.list_teams(db, project, limit=TEAM_LIMIT)).items
    return RuleChoices(
        WORKSPACE_ROLES + [name for name in roles if name not in WORKSPACE_ROLES],
        [(str(row.team.id), row.team.name) for row in teams],
    )


@dataclass(frozen=True)
class Place:
    """Where an owner's workflows are edited and who may: `read` to look, `write` to change."""

    prefix: str  # the editor's path before /{workflow_id}, with the owner's path parameter
    model: type[Any]
    parameter: str
    read: Permission
    write: Permission
    owner: Callable[[Any], Owner]
    choices: Callable[[AsyncSession, Any], Awaitable[RuleChoices]]

    def base(self, resource: Any, workflow_id: uuid.UUID) -> str:
        return self.prefix.replace(f"{{{self.parameter}}}", str(resource.id)) + f"/{workflow_id}"


PROJECT_PLACE = Place(
    "/projects/{project_id}/settings/workflow",
    Project,
    "project_id",
    P.PROJECT_VIEW,
    P.PROJECT_SETTINGS_MANAGE,
    Owner.of_project,
    project_rule_choices,
)
WORKSPACE_PLACE = Place(
    "/workspaces/{workspace_id}/workflows",
    Workspace,
    "workspace_id",
    P.WORKSPACE_VIEW,
    P.WORKSPACE_SETTINGS_MANAGE,
    lambda workspace: Owner.of_workspace(workspace.id),
    workspace_rule_choices,
)


def owns(owner: Owner, workflow: Workflow) -> bool:
    """Whether `owner` holds `workflow` (and so may change it), rather than only using it."""
    if workflow.workspace_id != owner.workspace_id or workflow.scope is not owner.scope:
        return False
    if owner.scope is DefinitionScope.PROJECT:
        return workflow.project_id == owner.project_id
    return owner.scope is not DefinitionScope.SPACE or workflow.space_id == owner.space_id


@dataclass(frozen=True)
class Visit:
    """One request to an owner's workflow pages, once the guard has let the caller in."""

    place: Place
    request: Request
    resource: Any
    actor: Actor
    db: AsyncSession
    infra: Infrastructure

    @property
    def owner(self) -> Owner:
        return self.place.owner(self.resource)

    async def can_write(self) -> bool:
        return self.place.write in await permissions_on(self.db, self.infra.cache, self.actor.user_id, self.resource)

    async def editor(self, workflow_id: uuid.UUID, *, writer: bool = True) -> dict[str, Any]:
        """What the editor shows; `writer`: whether the caller may change the owner's workflows."""
        view = await service.get_workflow(self.db, self.owner, workflow_id)
        return {
            **CHOICES,
            "view": view,
            "report": service.validation_of(view),
            "diagram": diagram_of(view),
            "edges": {(each.from_status_id, each.to_status_id): each for each in view.transitions},
            "base": self.place.base(self.resource, view.workflow.id),
            "editable": writer and owns(self.owner, view.workflow),
            "rule_choices": await self.place.choices(self.db, self.resource),
            "values": {},
            "errors": None,
        }

    async def changed(self, workflow_id: uuid.UUID, title: str) -> Response:
        """The editor again after a change, in place of the form that made it."""
        headers = {"HX-Retarget": EDITOR_ID, "HX-Reswap": "outerHTML", **toast(title)}
        return render(self.request, "workflows/_editor.html", await self.editor(workflow_id), headers=headers)

    async def form(self, template: str, workflow_id: uuid.UUID, **extra: Any) -> Response:
        return render(self.request, template, await self.editor(workflow_id) | extra)


def editor_routes(place: Place) -> APIRouter:
    """The editor's forms and changes for one kind of owner (the pages that show it are the owner's own)."""
    routes = APIRouter(prefix=place.prefix + "/{workflow_id}", include_in_schema=False)
    Writer = Annotated[Any, Authorized(place.write, place.model, place.parameter)]  # noqa: N806 (a type)

    async def visiting(request: Request, resource: Writer, actor: PageActor, db: Db, infra: Infra) -> Visit:
        return Visit(place, request, resource, actor, db, infra)

    Visiting = Annotated[Visit, Depends(visiting)]  # noqa: N806 (a type)

    def status_of(context: Mapping[str, Any], status_id: uuid.UUID) -> WorkflowStatus:
        view: WorkflowView = context["view"]
        return view.status(status_id, "status_id")

    @routes.get("/statuses/new", response_class=HTMLResponse)
    async def new_status_form(workflow_id: uuid.UUID, visit: Visiting) -> Response:
        return await visit.form("workflows/_status_form.html", workflow_id, status=None)

    @routes.post("/statuses")
    async def create_status(workflow_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: StatusForm) -> Response:
            status = await service.create_status(visit.db, visit.owner, workflow_id, form.creation())
            return await visit.changed(workflow_id, f"{status.name} added")

        async def context() -> dict[str, Any]:
            return await visit.editor(workflow_id) | {"status": None}

        return await handle_form(
            visit.request,
            visit.db,
            StatusForm,
            act,
            template="workflows/_status_form.html",
            context=context,
            checkboxes=STATUS_CHECKBOXES,
        )

    @routes.post("/statuses/order")
    async def reorder_statuses(workflow_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: OrderForm) -> Response:
            await service.reorder_statuses(visit.db, visit.owner, workflow_id, form.ids)
            return await visit.changed(workflow_id, "Order saved")

        return await handle_form(
            visit.request,
            visit.db,
            OrderForm,
            act,
            template="workflows/_editor.html",
            context=_editor(visit, workflow_id),
        )

    @routes.get("/statuses/{status_id}/edit", response_class=HTMLResponse)
    async def edit_status_form(workflow_id: uuid.UUID, status_id: uuid.UUID, visit: Visiting) -> Response:
        context = await visit.editor(workflow_id)
        return render(visit.request, "workflows/_status_form.html", context | {"status": status_of(context, status_id)})

    @routes.post("/statuses/{status_id}")
    async def update_status(workflow_id: uuid.UUID, status_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: StatusForm) -> Response:
            status = await service.update_status(visit.db, visit.owner, workflow_id, status_id, form.changes())
            return await visit.changed(workflow_id, f"{status.name} saved")

        async def context() -> dict[str, Any]:
            editor = await visit.editor(workflow_id)
            return editor | {"status": status_of(editor, status_id)}

        return await handle_form(
            visit.request,
            visit.db,
            StatusForm,
            act,
            template="workflows/_status_form.html",
            context=context,
            checkboxes=STATUS_CHECKBOXES,
        )

    @routes.get("/statuses/{status_id}/delete", response_class=HTMLResponse)
    async def delete_status_form(workflow_id: uuid.UUID, status_id: uuid.UUID, visit: Visiting) -> Response:
        context = await visit.editor(workflow_id)
        return render(visit.request, "workflows/_delete_form.html", context | {"status": status_of(context, status_id)})

    @routes.post("/statuses/{status_id}/delete")
    async def delete_status(workflow_id: uuid.UUID, status_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: DeleteStatusForm) -> Response:
            moved = await service.delete_status(visit.db, visit.owner, workflow_id, status_id, form.move_to)
            return await visit.changed(workflow_id, f"Status deleted{f', {moved} item(s) moved' if moved else ''}")

        async def context() -> dict[str, Any]:
            editor = await visit.editor(workflow_id)
            return editor | {"status": status_of(editor, status_id)}

        return await handle_form(
            visit.request, visit.db, DeleteStatusForm, act, template="workflows/_delete_form.html", context=context
        )

    @routes.post("/transitions")
    async def add_transition(workflow_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: EdgeForm) -> Response:
            body = TransitionCreate(from_status_id=form.from_status_id, to_status_id=form.to_status_id)
            await service.create_transition(visit.db, visit.owner, workflow_id, body)
            return await visit.changed(workflow_id, "Transition added")

        return await handle_form(
            visit.request,
            visit.db,
            EdgeForm,
            act,
            template="workflows/_editor.html",
            context=_editor(visit, workflow_id),
        )

    @routes.get("/transitions/{transition_id}/edit", response_class=HTMLResponse)
    async def rules_form(workflow_id: uuid.UUID, transition_id: uuid.UUID, visit: Visiting) -> Response:
        context = await visit.editor(workflow_id)
        return render(visit.request, "workflows/_rules_form.html", context | _transition(context, transition_id))

    @routes.post("/transitions/{transition_id}")
    async def save_rules(workflow_id: uuid.UUID, transition_id: uuid.UUID, visit: Visiting) -> Response:
        async def act(form: RulesForm) -> Response:
            rules = rules_of(form, await form_values(visit.request))
            await service.update_transition(visit.db, visit.owner, workflow_id, transition_id, rules)
            return await visit.changed(workflow_id, "Transition rules saved")

        async def context() -> dict[str, Any]:
            editor = await visit.editor(workflow_id)
            return editor | _transition(editor, transition_id)

        return await handle_form(
            visit.request,
            visit.db,
            RulesForm,
            act,
            template="workflows/_rules_form.html",
            context=context,
            checkboxes=("requires_approval",),
        )

    @routes.delete("/transitions/{transition_id}")
    async def remove_transition(workflow_id: uuid.UUID, transition_id: uuid.UUID, visit: Visiting) -> Response:
        await service.delete_transition(visit.db, visit.owner, workflow_id, transition_id)
        return await visit.changed(workflow_id, "Transition removed")

    return routes


def _editor(visit: Visit, workflow_id: uuid.UUID) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def context() -> dict[str, Any]:
        return await visit.editor(workflow_id)

    return context


def _transition(context: Mapping[str, Any], transition_id: uuid.UUID) -> dict[str, Any]:
    view: WorkflowView = context["view"]
    found = next((each for each in view.transitions if each.id == transition_id), None)
    if found is None:
        raise Invalid("transition_not_found", field="transition_id", detail="No such transition in this workflow.")
    by_id = {each.id: each for each in view.statuses}
    return {"transition": found, "source": by_id[found.from_status_id], "target": by_id[found.to_status_id]}


# ───────────────────────── a project's Workflow section ─────────────────────────

ProjectReader = Annotated[Project, Authorized(P.PROJECT_VIEW, Project, "project_id")]
ProjectWriter = Annotated[Project, Authorized(P.PROJECT_SETTINGS_MANAGE, Project, "project_id")]
SECTION = "workflow"


def suggested_mapping(current: WorkflowView, target: WorkflowView) -> dict[uuid.UUID, uuid.UUID]:
    """Where each current status goes by default: the new status with the same key, else the same name,
    else the first of the same type, else the new initial status."""
    if not target.statuses:
        return {}
    initial = next((each for each in target.statuses if each.is_initial), target.statuses[0])

    def match(status: WorkflowStatus) -> WorkflowStatus:
        for same in (
            lambda each: each.key == status.key,
            lambda each: each.name.casefold() == status.name.casefold(),
            lambda each: each.status_type is status.status_type,
        ):
            found = next((each for each in target.statuses if same(each)), None)
            if found is not None:
                return found
        return initial

    return {status.id: match(status).id for status in current.statuses}


@dataclass(frozen=True)
class ProjectVisit:
    request: Request
    project: Project
    actor: Actor
    db: AsyncSession
    infra: Infrastructure

    @property
    def visit(self) -> Visit:
        return Visit(PROJECT_PLACE, self.request, self.project, self.actor, self.db, self.infra)

    async def section(self) -> dict[str, Any]:
        """The settings frame around the workflow in use and the ones the project may switch to."""
        frame = await projects.settings_page(self.db, self.infra.cache, self.actor.user_id, self.project, SECTION)
        writer = P.PROJECT_SETTINGS_MANAGE.value in frame.keys
        owner = Owner.of_project(self.project)
        available = await service.list_workflows(self.db, owner, limit=LIST_LIMIT)
        editor = await self.visit.editor(self.project.workflow_id, writer=writer) if self.project.workflow_id else {}
        return {
            **PROJECT_CHOICES,
            **CHOICES,
            "data": frame,
            "writer": writer,
            "available": [each for each in available.items if each.workflow.archived_at is None],
            "values": {},
            "errors": None,
            **editor,
        }

    async def switch_context(self, workflow_id: uuid.UUID) -> dict[str, Any]:
        owner = Owner.of_project(self.project)
        target = await service.get_workflow(self.db, owner, workflow_id)
        current = (
            await service.get_workflow(self.db, owner, self.project.workflow_id) if self.project.workflow_id else None
        )
        return {
            "project": self.project,
            "current": current,
            "target": target,
            "suggested": suggested_mapping(current, target) if current else {},
            "values": {},
            "errors": None,
        }


async def project_visit(
    request: Request, project: ProjectWriter, actor: PageActor, db: Db, infra: Infra
) -> ProjectVisit:
    return ProjectVisit(request, project, actor, db, infra)


SwitchingProject = Annotated[ProjectVisit, Depends(project_visit)]


@router.get("/projects/{project_id}/settings/workflow", response_class=HTMLResponse)
async def project_section(request: Request, project: ProjectReader, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await ProjectVisit(request, project, actor, db, infra).section()
    return render(request, "workflows/project_settings.html", context)


@router.get("/projects/{project_id}/settings/workflow/switch", response_class=HTMLResponse)
async def switch_form(visit: SwitchingProject, workflow_id: Annotated[uuid.UUID, Query()]) -> Response:
    return render(visit.request, "workflows/_switch_form.html", await visit.switch_context(workflow_id))


@router.post("/projects/{project_id}/settings/workflow/templates")
async def workflow_from_template(visit: SwitchingProject) -> Response:
    """A project copy of a template, then the mapping form to switch to it."""

    async def act(form: TemplateForm) -> Response:
        body = WorkflowCreate(name=TEMPLATES[form.template].name, template=form.template)
        created = await service.create_workflow(visit.db, Owner.of_project(visit.project), visit.actor.user_id, body)
        context = await visit.switch_context(created.workflow.id)
        return render(
            visit.request, "workflows/_switch_form.html", context, headers=toast(f"{created.workflow.name} created")
        )

    return await handle_form(
        visit.request, visit.db, TemplateForm, act, template="workflows/_switch_choice.html", context=visit.section
    )


@router.post("/projects/{project_id}/settings/workflow/switch")
async def switch_workflow(visit: SwitchingProject) -> Response:
    async def act(form: ChoiceForm) -> Response:
        await service.switch_project_workflow(
            visit.db, visit.project, switch_of(form, await form_values(visit.request))
        )
        return redirect(visit.request, f"/projects/{visit.project.id}/settings/workflow")

    async def context() -> dict[str, Any]:
        chosen = (await form_values(visit.request)).get("workflow_id", "")
        try:
            return await visit.switch_context(uuid.UUID(chosen))
        except ValueError:
            return await visit.section()

    values = await form_values(visit.request)
    template = "workflows/_switch_form.html" if _is_uuid(values.get("workflow_id")) else "workflows/_switch_choice.html"
    return await handle_form(visit.request, visit.db, ChoiceForm, act, template=template, context=context)


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


# ───────────────────────── a workspace's Workflows page ─────────────────────────

WorkspaceReader = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]
WorkspaceWriter = Annotated[Workspace, Authorized(P.WORKSPACE_SETTINGS_MANAGE, Workspace, "workspace_id")]


async def workspace_list(
    db: AsyncSession, infra: Infrastructure, actor: Actor, workspace: Workspace, cursor: str | None = None
) -> dict[str, Any]:
    keys = await permissions_on(db, infra.cache, actor.user_id, workspace)
    page = await service.list_workflows(db, Owner.of_workspace(workspace.id), limit=LIST_LIMIT, cursor=cursor)
    return {
        **CHOICES,
        "workspace": workspace,
        "page": page,
        "writer": P.WORKSPACE_SETTINGS_MANAGE in keys,
        "values": {},
        "errors": None,
    }


@router.get("/workspaces/{workspace_id}/workflows", response_class=HTMLResponse)
async def workspace_workflows(
    request: Request,
    workspace: WorkspaceReader,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return render(request, "workflows/workspace_list.html", await workspace_list(db, infra, actor, workspace, cursor))


@router.post("/workspaces/{workspace_id}/workflows")
async def create_workspace_workflow(
    request: Request, workspace: WorkspaceWriter, actor: PageActor, db: Db, infra: Infra
) -> Response:
    async def act(form: WorkflowForm) -> Response:
        body = WorkflowCreate(**form.model_dump())
        created = await service.create_workflow(db, Owner.of_workspace(workspace.id), actor.user_id, body)
        return redirect(request, f"/workspaces/{workspace.id}/workflows/{created.workflow.id}")

    async def context() -> dict[str, Any]:
        return await workspace_list(db, infra, actor, workspace)

    return await handle_form(request, db, WorkflowForm, act, template="workflows/_create_form.html", context=context)


@router.get("/workspaces/{workspace_id}/workflows/{workflow_id}", response_class=HTMLResponse)
async def workspace_workflow(
    request: Request, workflow_id: uuid.UUID, workspace: WorkspaceReader, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    visit = Visit(WORKSPACE_PLACE, request, workspace, actor, db, infra)
    context = await visit.editor(workflow_id, writer=await visit.can_write())
    return render(request, "workflows/workspace_workflow.html", context | {"workspace": workspace})


@router.post("/workspaces/{workspace_id}/workflows/{workflow_id}")
async def save_details(
    request: Request, workflow_id: uuid.UUID, workspace: WorkspaceWriter, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    visit = Visit(WORKSPACE_PLACE, request, workspace, actor, db, infra)

    async def act(form: DetailsForm) -> Response:
        body = WorkflowUpdate(name=form.name, description=form.description)
        await service.update_workflow(db, visit.owner, workflow_id, body)
        return redirect(request, f"/workspaces/{workspace.id}/workflows/{workflow_id}")

    async def context() -> dict[str, Any]:
        return await visit.editor(workflow_id) | {"workspace": workspace}

    return await handle_form(request, db, DetailsForm, act, template="workflows/_details_form.html", context=context)


@router.post("/workspaces/{workspace_id}/workflows/{workflow_id}/clone")
async def clone_workflow(
    request: Request, workflow_id: uuid.UUID, workspace: WorkspaceWriter, actor: PageActor, db: Db
) -> Response:
    owner = Owner.of_workspace(workspace.id)
    copy = await service.clone_workflow(db, owner, actor.user_id, workflow_id, WorkflowClone())
    return redirect(request, f"/workspaces/{workspace.id}/workflows/{copy.workflow.id}")


@router.post("/workspaces/{workspace_id}/workflows/{workflow_id}/archive")
async def archive_workflow(
    request: Request, workflow_id: uuid.UUID, workspace: WorkspaceWriter, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    """From the list, answers with the list again; from the workflow's own page, reloads that page."""

    async def act(form: ArchiveForm) -> Response:
        owner = Owner.of_workspace(workspace.id)
        saved = await service.update_workflow(db, owner, workflow_id, WorkflowUpdate(archived=form.archived))
        if request.headers.get("hx-target") != LIST_ID:
            return redirect(request, f"/workspaces/{workspace.id}/workflows/{workflow_id}")
        title = f"{saved.workflow.name} {'archived' if form.archived else 'restored'}"
        context = await workspace_list(db, infra, actor, workspace)
        return render(request, "workflows/_list.html", context, headers=toast(title))

    async def context() -> dict[str, Any]:
        return await workspace_list(db, infra, actor, workspace)

    return await handle_form(request, db, ArchiveForm, act, template="workflows/_list.html", context=context)


router.include_router(editor_routes(PROJECT_PLACE))
router.include_router(editor_routes(WORKSPACE_PLACE))
