"""JSON routes of programs: /api/v1/workspaces/{id}/programs and /api/v1/programs/{id} with its members,
projects, milestones and summary."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from fairlx.auth.schemas import avatar_url
from fairlx.core.pagination import DEFAULT_LIMIT, CursorParam, Limit
from fairlx.dependencies import Ctx
from fairlx.programs import service
from fairlx.programs.models import Milestone, Program
from fairlx.programs.schemas import (
    MemberAdd,
    MemberList,
    MemberOut,
    MemberUpdate,
    MilestoneCreate,
    MilestoneList,
    MilestoneOut,
    MilestoneReorder,
    MilestoneUpdate,
    ProgramCreate,
    ProgramList,
    ProgramOut,
    ProgramProjectList,
    ProgramProjectOut,
    ProgramUpdate,
    ProjectLink,
    SummaryOut,
)
from fairlx.rbac.guard import Authorized
from fairlx.rbac.permissions import Permission
from fairlx.workspaces.models import Workspace

router = APIRouter(prefix="/api/v1", tags=["programs"])

P = Permission
ProgramViewer = Annotated[Program, Authorized(P.PROGRAM_VIEW, Program, "program_id")]
ProgramEditor = Annotated[Program, Authorized(P.PROGRAM_EDIT, Program, "program_id")]
MembersManager = Annotated[Program, Authorized(P.PROGRAM_MEMBERS_MANAGE, Program, "program_id")]
MilestonesManager = Annotated[Program, Authorized(P.PROGRAM_MILESTONES_MANAGE, Program, "program_id")]


def program_out(view: service.ProgramView) -> ProgramOut:
    return ProgramOut.model_validate(view.program).model_copy(
        update={
            "project_count": view.stats.project_count,
            "milestone_count": view.stats.milestone_count,
            "progress": view.stats.progress,
            "permissions": sorted(view.permissions),
        }
    )


def member_out(member: service.MemberView) -> MemberOut:
    return MemberOut(
        user_id=member.user_id,
        name=member.name,
        email=member.email,
        avatar_url=avatar_url(member.user_id, member.avatar_key),
        role=member.role,
        added_at=member.added_at,
    )


def milestones_out(milestones: list[Milestone]) -> MilestoneList:
    return MilestoneList(items=[MilestoneOut.model_validate(each) for each in milestones])


# ───────────────────────── programs ─────────────────────────


@router.get("/workspaces/{workspace_id}/programs")
async def list_programs(
    workspace: Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")],
    ctx: Ctx,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> ProgramList:
    page = await service.list_programs(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, limit=limit, cursor=cursor
    )
    return ProgramList(items=[program_out(view) for view in page.items], next_cursor=page.next_cursor)


@router.post("/workspaces/{workspace_id}/programs", status_code=201)
async def create_program(
    body: ProgramCreate,
    workspace: Annotated[Workspace, Authorized(P.WORKSPACE_PROGRAMS_CREATE, Workspace, "workspace_id")],
    ctx: Ctx,
) -> ProgramOut:
    return program_out(await service.create_program(ctx.db, ctx.infra.cache, ctx.actor.user_id, workspace.id, body))


@router.get("/programs/{program_id}")
async def get_program(program: ProgramViewer, ctx: Ctx) -> ProgramOut:
    return program_out(await service.program_view(ctx.db, ctx.infra.cache, ctx.actor.user_id, program))


@router.patch("/programs/{program_id}")
async def update_program(body: ProgramUpdate, program: ProgramEditor, ctx: Ctx) -> ProgramOut:
    return program_out(await service.update_program(ctx.db, ctx.infra.cache, ctx.actor.user_id, program, body))


@router.delete("/programs/{program_id}", status_code=204)
async def delete_program(
    program: Annotated[Program, Authorized(P.PROGRAM_DELETE, Program, "program_id")], ctx: Ctx
) -> None:
    await service.delete_program(ctx.db, ctx.infra.cache, program)


# ───────────────────────── members ─────────────────────────


@router.get("/programs/{program_id}/members")
async def list_members(program: ProgramViewer, ctx: Ctx) -> MemberList:
    return MemberList(items=[member_out(each) for each in await service.list_members(ctx.db, program)])


@router.post("/programs/{program_id}/members", status_code=201)
async def add_member(body: MemberAdd, program: MembersManager, ctx: Ctx) -> MemberOut:
    member = await service.add_member(ctx.db, ctx.infra.cache, ctx.actor.user_id, program, body.user_id, role=body.role)
    return member_out(member)


@router.patch("/programs/{program_id}/members/{user_id}")
async def change_member_role(body: MemberUpdate, user_id: uuid.UUID, program: MembersManager, ctx: Ctx) -> MemberOut:
    member = await service.change_member_role(
        ctx.db, ctx.infra.cache, ctx.actor.user_id, program, user_id, role=body.role
    )
    return member_out(member)


@router.delete("/programs/{program_id}/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, program: MembersManager, ctx: Ctx) -> None:
    await service.remove_member(ctx.db, ctx.infra.cache, ctx.actor.user_id, program, user_id)


# ───────────────────────── projects ─────────────────────────


@router.get("/programs/{program_id}/projects")
async def list_projects(program: ProgramViewer, ctx: Ctx) -> ProgramProjectList:
    projects = await service.list_projects(ctx.db, ctx.infra.cache, ctx.actor.user_id, program)
    return ProgramProjectList(items=[ProgramProjectOut.model_validate(each) for each in projects])


@router.get("/programs/{program_id}/projects/available")
async def available_projects(program: ProgramEditor, ctx: Ctx) -> ProgramProjectList:
    projects = await service.available_projects(ctx.db, ctx.infra.cache, ctx.actor.user_id, program)
    return ProgramProjectList(items=[ProgramProjectOut.model_validate(each) for each in projects])


@router.post("/programs/{program_id}/projects")
async def link_project(body: ProjectLink, program: ProgramEditor, ctx: Ctx) -> ProgramProjectOut:
    project = await service.link_project(ctx.db, ctx.infra.cache, ctx.actor.user_id, program, body.project_id)
    return ProgramProjectOut.model_validate(project)


@router.delete("/programs/{program_id}/projects/{project_id}", status_code=204)
async def unlink_project(project_id: uuid.UUID, program: ProgramEditor, ctx: Ctx) -> None:
    await service.unlink_project(ctx.db, program, project_id)


# ───────────────────────── milestones ─────────────────────────


@router.get("/programs/{program_id}/milestones")
async def list_milestones(program: ProgramViewer, ctx: Ctx) -> MilestoneList:
    return milestones_out(await service.list_milestones(ctx.db, program))


@router.post("/programs/{program_id}/milestones", status_code=201)
async def create_milestone(body: MilestoneCreate, program: MilestonesManager, ctx: Ctx) -> MilestoneOut:
    return MilestoneOut.model_validate(await service.create_milestone(ctx.db, program, body))


@router.patch("/programs/{program_id}/milestones/reorder")
async def reorder_milestones(body: MilestoneReorder, program: MilestonesManager, ctx: Ctx) -> MilestoneList:
    return milestones_out(await service.reorder_milestones(ctx.db, program, body.ids))


@router.patch("/programs/{program_id}/milestones/{milestone_id}")
async def update_milestone(
    body: MilestoneUpdate, milestone_id: uuid.UUID, program: MilestonesManager, ctx: Ctx
) -> MilestoneOut:
    return MilestoneOut.model_validate(await service.update_milestone(ctx.db, program, milestone_id, body))


@router.delete("/programs/{program_id}/milestones/{milestone_id}", status_code=204)
async def delete_milestone(milestone_id: uuid.UUID, program: MilestonesManager, ctx: Ctx) -> None:
    await service.delete_milestone(ctx.db, program, milestone_id)


# ───────────────────────── summary ─────────────────────────


@router.get("/programs/{program_id}/summary")
async def program_summary(program: ProgramViewer, ctx: Ctx) -> SummaryOut:
    found = await service.summary(ctx.db, ctx.infra.cache, ctx.actor.user_id, program)
    return SummaryOut(
        project_count=found.project_count,
        projects_by_status=found.projects_by_status,
        milestone_count=found.milestone_count,
        milestones_by_status=found.milestones_by_status,
        progress=found.progress,
        next_milestone=MilestoneOut.model_validate(found.next_milestone) if found.next_milestone else None,
        overdue_milestones=[MilestoneOut.model_validate(each) for each in found.overdue_milestones],
    )
