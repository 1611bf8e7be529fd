"""JSON routes of workflows. The same handlers serve three owners, each under its own path and
permissions: `/api/v1/workspaces/{workspace_id}/workflows`, `/api/v1/spaces/{space_id}/workflows` and
`/api/v1/projects/{project_id}/workflows`. Also: the templates, a project's workflow switch and a space's
workflow settings.

No `from __future__ import annotations` here: the owner routes' signatures name types made inside
`owner_router`, which FastAPI can only see when annotations are evaluated where they are written."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx, CurrentActor
from fairlx.projects.models import Project
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.spaces.models import Space
from fairlx.workflows import service
from fairlx.workflows.models import WorkflowStatus
from fairlx.workflows.schemas import (
    AllowedTransitionsOut,
    IssueOut,
    ProjectWorkflowOut,
    ProjectWorkflowSwitch,
    SpaceWorkflowOut,
    SpaceWorkflowSettings,
    StatusCreate,
    StatusOut,
    StatusReorder,
    StatusUpdate,
    TemplateList,
    TemplateOut,
    TransitionCreate,
    TransitionOut,
    TransitionUpdate,
    ValidationOut,
    WorkflowClone,
    WorkflowCreate,
    WorkflowList,
    WorkflowOut,
    WorkflowUpdate,
)
from fairlx.workflows.service import Owner
from fairlx.workflows.templates import TEMPLATES
from fairlx.workspaces.models import Workspace

P = Permission
router = APIRouter(prefix="/api/v1", tags=["workflows"])


def workflow_out(view: service.WorkflowView) -> WorkflowOut:
    workflow = view.workflow
    return WorkflowOut(
        id=workflow.id,
        workspace_id=workflow.workspace_id,
        space_id=workflow.space_id,
        project_id=workflow.project_id,
        name=workflow.name,
        key=workflow.key,
        description=workflow.description,
        scope=workflow.scope,
        template=workflow.template,
        archived=workflow.archived_at is not None,
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
        statuses=[StatusOut.model_validate(each) for each in view.statuses],
        transitions=[TransitionOut.model_validate(each) for each in view.transitions],
    )


def statuses_out(statuses: list[WorkflowStatus]) -> list[StatusOut]:
    return [StatusOut.model_validate(each) for each in statuses]


def owner_router(
    path: str, resource: type[Any], read: Permission, write: Permission, owner_of: Callable[[Any], Owner]
) -> APIRouter:
    """The workflow routes of one kind of owner. `path` is the owner's path ("/workspaces/{workspace_id}"),
    whose parameter names the `resource`; reading needs `read` on it, changing needs `write`."""
    parameter = path.rsplit("{", 1)[1].rstrip("}")

    def reader(found: Annotated[Any, Authorized(read, resource, parameter)]) -> Owner:
        return owner_of(found)

    def writer(found: Annotated[Any, Authorized(write, resource, parameter)]) -> Owner:
        return owner_of(found)

    reads = Annotated[Owner, Depends(reader)]
    writes = Annotated[Owner, Depends(writer)]
    owned = APIRouter(prefix=f"{path}/workflows")

    @owned.get("")
    async def list_workflows(
        owner: reads, ctx: Ctx, limit: Limit = DEFAULT_LIMIT, cursor: CursorParam = None
    ) -> WorkflowList:
        page = await service.list_workflows(ctx.db, owner, limit=limit, cursor=cursor)
        return WorkflowList(items=[workflow_out(each) for each in page.items], next_cursor=page.next_cursor)

    @owned.post("", status_code=201)
    async def create_workflow(body: WorkflowCreate, owner: writes, ctx: Ctx) -> WorkflowOut:
        return workflow_out(await service.create_workflow(ctx.db, owner, ctx.actor.user_id, body))

    @owned.get("/{workflow_id}")
    async def get_workflow(workflow_id: uuid.UUID, owner: reads, ctx: Ctx) -> WorkflowOut:
        return workflow_out(await service.get_workflow(ctx.db, owner, workflow_id))

    @owned.patch("/{workflow_id}")
    async def update_workflow(workflow_id: uuid.UUID, body: WorkflowUpdate, owner: writes, ctx: Ctx) -> WorkflowOut:
        return workflow_out(await service.update_workflow(ctx.db, owner, workflow_id, body))

    @owned.delete("/{workflow_id}", status_code=204)
    async def delete_workflow(workflow_id: uuid.UUID, owner: writes, ctx: Ctx) -> None:
        await service.delete_workflow(ctx.db, owner, workflow_id)

    @owned.post("/{workflow_id}/clone", status_code=201)
    async def clone_workflow(workflow_id: uuid.UUID, body: WorkflowClone, owner: writes, ctx: Ctx) -> WorkflowOut:
        return workflow_out(await service.clone_workflow(ctx.db, owner, ctx.actor.user_id, workflow_id, body))

    @owned.get("/{workflow_id}/validation")
    async def validate_workflow(workflow_id: uuid.UUID, owner: reads, ctx: Ctx) -> ValidationOut:
        report = await service.validate_workflow(ctx.db, owner, workflow_id)
        issues = [IssueOut(code=each.code, message=each.message, status_ids=each.status_ids) for each in report.issues]
        return ValidationOut(valid=report.valid, issues=issues)

    @owned.get("/{workflow_id}/allowed-transitions")
    async def allowed_transitions(
        workflow_id: uuid.UUID, from_status_id: Annotated[uuid.UUID, Query()], owner: reads, ctx: Ctx
    ) -> AllowedTransitionsOut:
        targets = await service.allowed_transitions(
            ctx.db, ctx.infra.cache, ctx.actor.user_id, owner, workflow_id, from_status_id=from_status_id
        )
        return AllowedTransitionsOut(from_status_id=from_status_id, items=statuses_out(targets))

    @owned.post("/{workflow_id}/statuses", status_code=201)
    async def create_status(workflow_id: uuid.UUID, body: StatusCreate, owner: writes, ctx: Ctx) -> StatusOut:
        return StatusOut.model_validate(await service.create_status(ctx.db, owner, workflow_id, body))

    @owned.post("/{workflow_id}/statuses/reorder")
    async def reorder_statuses(workflow_id: uuid.UUID, body: StatusReorder, owner: writes, ctx: Ctx) -> list[StatusOut]:
        return statuses_out(await service.reorder_statuses(ctx.db, owner, workflow_id, body.ids))

    @owned.patch("/{workflow_id}/statuses/{status_id}")
    async def update_status(
        workflow_id: uuid.UUID, status_id: uuid.UUID, body: StatusUpdate, owner: writes, ctx: Ctx
    ) -> StatusOut:
        return StatusOut.model_validate(await service.update_status(ctx.db, owner, workflow_id, status_id, body))

    @owned.delete("/{workflow_id}/statuses/{status_id}", status_code=204)
    async def delete_status(
        workflow_id: uuid.UUID, status_id: uuid.UUID, owner: writes, ctx: Ctx, move_to: uuid.UUID | None = None
    ) -> None:
        await service.delete_status(ctx.db, owner, workflow_id, status_id, move_to)

    @owned.post("/{workflow_id}/transitions", status_code=201)
    async def create_transition(
        workflow_id: uuid.UUID, body: TransitionCreate, owner: writes, ctx: Ctx
    ) -> TransitionOut:
        return TransitionOut.model_validate(await service.create_transition(ctx.db, owner, workflow_id, body))

    @owned.patch("/{workflow_id}/transitions/{transition_id}")
    async def update_transition(
        workflow_id: uuid.UUID, transition_id: uuid.UUID, body: TransitionUpdate, owner: writes, ctx: Ctx
    ) -> TransitionOut:
        transition = await service.update_transition(ctx.db, owner, workflow_id, transition_id, body)
        return TransitionOut.model_validate(transition)

    @owned.delete("/{workflow_id}/transitions/{transition_id}", status_code=204)
    async def delete_transition(workflow_id: uuid.UUID, transition_id: uuid.UUID, owner: writes, ctx: Ctx) -> None:
        await service.delete_transition(ctx.db, owner, workflow_id, transition_id)

    return owned


router.include_router(
    owner_router(
        "/workspaces/{workspace_id}",
        Workspace,
        P.WORKSPACE_VIEW,
        P.WORKSPACE_SETTINGS_MANAGE,
        lambda workspace: Owner.of_workspace(workspace.id),
    )
)
router.include_router(owner_router("/spaces/{space_id}", Space, P.SPACE_VIEW, P.SPACE_SETTINGS_EDIT, Owner.of_space))
router.include_router(
    owner_router("/projects/{project_id}", Project, P.PROJECT_VIEW, P.PROJECT_SETTINGS_MANAGE, Owner.of_project)
)


@router.get("/workflow-templates")
async def list_templates(actor: CurrentActor) -> TemplateList:
    return TemplateList(items=[TemplateOut.model_validate(each) for each in TEMPLATES.values()])


@router.put("/projects/{project_id}/workflow")
async def switch_project_workflow(
    body: ProjectWorkflowSwitch,
    project: Annotated[Project, Authorized(P.PROJECT_SETTINGS_MANAGE, Project, "project_id")],
    ctx: Ctx,
) -> ProjectWorkflowOut:
    result = await service.switch_project_workflow(ctx.db, project, body)
    assert result.project.workflow_id is not None  # a switch always lands on a workflow
    return ProjectWorkflowOut(
        project_id=result.project.id,
        workflow_id=result.project.workflow_id,
        workflow_locked=result.project.workflow_locked,
        moved_tasks=result.moved_tasks,
    )


@router.put("/spaces/{space_id}/workflow-settings")
async def set_space_workflow(
    body: SpaceWorkflowSettings,
    space: Annotated[Space, Authorized(P.SPACE_SETTINGS_EDIT, Space, "space_id")],
    ctx: Ctx,
) -> SpaceWorkflowOut:
    saved = await service.set_space_workflow(ctx.db, space, body)
    return SpaceWorkflowOut(
        space_id=saved.id, default_workflow_id=saved.default_workflow_id, inheritance=saved.workflow_inheritance
    )
