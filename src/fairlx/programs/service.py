"""Programs: portfolios of a workspace's projects, with members (LEAD, ADMIN, MEMBER, VIEWER),
milestones and a summary.

Who may do what is decided by the routes (`Authorized`) from the workspace access; this module adds
the rules that depend on the data: members and leads must belong to the workspace, a program keeps at
least one LEAD, only someone with a lead's powers gives or takes the LEAD role, and linking a project
also needs the right to change that project's settings. Lists are filtered to what the caller may see
with a fixed number of statements, whatever the number of rows.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.models import User
from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound
from fairlx.core.pagination import Page, id_cursor, last_id
from fairlx.programs.models import Milestone, MilestoneStatus, Program, ProgramMember, ProgramRole
from fairlx.programs.schemas import (
    MAX_MILESTONES,
    MilestoneCreate,
    MilestoneUpdate,
    ProgramCreate,
    ProgramUpdate,
)
from fairlx.projects.models import Project, ProjectStatus
from fairlx.rbac.access import WorkspaceAccess
from fairlx.rbac.authorize import authorize
from fairlx.rbac.permissions import PROGRAM_ROLE_KEYS, Permission
from fairlx.rbac.resolver import workspace_access, workspace_access_changed
from fairlx.workspaces.models import Workspace, WorkspaceMember

P = Permission
ROLE_ORDER = {ProgramRole.LEAD: 0, ProgramRole.ADMIN: 1, ProgramRole.MEMBER: 2, ProgramRole.VIEWER: 3}


# ───────────────────────── results ─────────────────────────


@dataclass(frozen=True)
class ProgramStats:
    project_count: int = 0  # projects the caller may see
    milestone_count: int = 0
    progress: float = 0.0  # mean milestone progress, in percent


@dataclass(frozen=True)
class ProgramView:
    program: Program
    stats: ProgramStats
    permissions: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class MemberView:
    user_id: uuid.UUID
    name: str
    email: str
    avatar_key: str | None
    role: ProgramRole
    added_at: datetime


@dataclass(frozen=True)
class Summary:
    project_count: int
    projects_by_status: dict[ProjectStatus, int]
    milestone_count: int
    milestones_by_status: dict[MilestoneStatus, int]
    progress: float
    next_milestone: Milestone | None
    overdue_milestones: list[Milestone]


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class ProgramsPageData:
    """What the workspace's programs page shows."""

    workspace: Workspace
    page: Page[ProgramView]
    leads: dict[uuid.UUID, str]  # lead id -> name
    people: list[Person]  # workspace members, to choose a lead
    can_create: bool


@dataclass(frozen=True)
class ProgramPageData:
    """What one program's page shows."""

    workspace: Workspace
    view: ProgramView
    summary: Summary
    milestones: list[Milestone]
    projects: list[Project]
    available_projects: list[Project]
    members: list[MemberView]
    candidates: list[Person]  # workspace members who are not members of the program
    people: list[Person]  # workspace members, to choose a lead
    lead_name: str | None
    today: date = field(default_factory=lambda: utcnow().date())


# ───────────────────────── programs ─────────────────────────


async def list_programs(
    db: AsyncSession,
    cache: Cache,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
) -> Page[ProgramView]:
    """The workspace's programs the caller may see, oldest first, `limit` at a time."""
    access = await _access(db, cache, user_id, workspace_id)
    query = select(Program).where(Program.workspace_id == workspace_id).order_by(Program.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(Program.id > last_id(cursor))
    if access.role is None:  # seeing the workspace from the organization: only their own programs
        query = query.where(Program.id.in_(list(access.programs)))
    rows = list(await db.scalars(query))
    next_cursor = id_cursor(rows[limit - 1].id) if len(rows) > limit else None
    rows = rows[:limit]
    stats = await _stats(db, access, [row.id for row in rows])
    items = [ProgramView(row, stats.get(row.id, ProgramStats()), access.program_keys(row.id)) for row in rows]
    return Page(items, next_cursor)


async def program_view(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> ProgramView:
    access = await _access(db, cache, user_id, program.workspace_id)
    stats = await _stats(db, access, [program.id])
    return ProgramView(program, stats.get(program.id, ProgramStats()), access.program_keys(program.id))


async def create_program(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID, data: ProgramCreate
) -> ProgramView:
    """A new program led by `lead_id` (the creator when left out); the creator becomes its first LEAD."""
    lead_id = data.lead_id or user_id
    if lead_id != user_id:
        await _require_workspace_member(db, cache, lead_id, workspace_id, "lead_id")
    _check_dates(data.start_date, data.end_date)
    program = Program(
        workspace_id=workspace_id,
        name=data.name,
        description=data.description or None,
        status=data.status,
        lead_id=lead_id,
        start_date=data.start_date,
        end_date=data.end_date,
        color=data.color,
        created_by=user_id,
    )
    db.add(program)
    await db.flush()
    db.add(ProgramMember(workspace_id=workspace_id, program_id=program.id, user_id=user_id, role=ProgramRole.LEAD))
    await db.flush()
    workspace_access_changed(db, cache, workspace_id)
    access = await _access(db, cache, user_id, workspace_id)
    # the cached access predates the membership until the commit: the creator leads what they made
    keys = access.program_keys(program.id) | PROGRAM_ROLE_KEYS[ProgramRole.LEAD]
    return ProgramView(program, ProgramStats(), keys)


async def update_program(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program, data: ProgramUpdate
) -> ProgramView:
    changes = data.model_dump(include=data.model_fields_set)
    for required in ("name", "status"):
        if required in changes and changes[required] is None:
            raise Invalid("required", field=required, detail=f"The {required} cannot be empty.")
    lead_id = changes.get("lead_id")
    if lead_id is not None and lead_id != program.lead_id:
        await _require_workspace_member(db, cache, lead_id, program.workspace_id, "lead_id")
    _check_dates(changes.get("start_date", program.start_date), changes.get("end_date", program.end_date))
    if "description" in changes:
        changes["description"] = changes["description"] or None
    for name, value in changes.items():
        setattr(program, name, value)
    await db.flush()
    return await program_view(db, cache, user_id, program)


async def delete_program(db: AsyncSession, cache: Cache, program: Program) -> None:
    """Delete the program with its members and milestones; its projects stay, in no program."""
    projects = await db.scalars(select(Project).where(Project.program_id == program.id))
    for project in projects:
        project.program_id = None
    await db.delete(program)
    await db.flush()
    workspace_access_changed(db, cache, program.workspace_id)


# ───────────────────────── members ─────────────────────────


async def list_members(db: AsyncSession, program: Program) -> list[MemberView]:
    rows = await db.execute(
        select(ProgramMember, User.name, User.email, User.avatar_key)
        .join(User, User.id == ProgramMember.user_id)
        .where(ProgramMember.program_id == program.id)
    )
    members = [
        MemberView(member.user_id, name, email, avatar_key, member.role, member.created_at)
        for member, name, email, avatar_key in rows
    ]
    return sorted(members, key=lambda each: (ROLE_ORDER[each.role], each.name.lower(), str(each.user_id)))


async def add_member(
    db: AsyncSession, cache: Cache, actor_id: uuid.UUID, program: Program, user_id: uuid.UUID, *, role: ProgramRole
) -> MemberView:
    await _lock(db, program)
    await _require_workspace_member(db, cache, user_id, program.workspace_id, "user_id")
    if await _member(db, program, user_id) is not None:
        raise Conflict("already_member", detail="This person is already a member of the program.")
    if role is ProgramRole.LEAD:
        await _require_lead_powers(db, cache, actor_id, program)
    db.add(ProgramMember(workspace_id=program.workspace_id, program_id=program.id, user_id=user_id, role=role))
    await db.flush()
    workspace_access_changed(db, cache, program.workspace_id, user_id=user_id)
    return await _member_view(db, program, user_id)


async def change_member_role(
    db: AsyncSession, cache: Cache, actor_id: uuid.UUID, program: Program, user_id: uuid.UUID, *, role: ProgramRole
) -> MemberView:
    await _lock(db, program)
    member = await _existing_member(db, program, user_id)
    if member.role is not role:
        if ProgramRole.LEAD in (member.role, role):
            await _require_lead_powers(db, cache, actor_id, program)
        if member.role is ProgramRole.LEAD:
            await _keep_a_lead(db, program)
        member.role = role
        await db.flush()
        workspace_access_changed(db, cache, program.workspace_id, user_id=user_id)
    return await _member_view(db, program, user_id)


async def remove_member(
    db: AsyncSession, cache: Cache, actor_id: uuid.UUID, program: Program, user_id: uuid.UUID
) -> None:
    await _lock(db, program)
    member = await _existing_member(db, program, user_id)
    if member.role is ProgramRole.LEAD:
        await _require_lead_powers(db, cache, actor_id, program)
        await _keep_a_lead(db, program)
    await db.delete(member)
    await db.flush()
    workspace_access_changed(db, cache, program.workspace_id, user_id=user_id)


async def _member(db: AsyncSession, program: Program, user_id: uuid.UUID) -> ProgramMember | None:
    found: ProgramMember | None = await db.scalar(
        select(ProgramMember).where(ProgramMember.program_id == program.id, ProgramMember.user_id == user_id)
    )
    return found


async def _existing_member(db: AsyncSession, program: Program, user_id: uuid.UUID) -> ProgramMember:
    member = await _member(db, program, user_id)
    if member is None:
        raise NotFound("member_not_found", detail="This person is not a member of the program.")
    return member


async def _member_view(db: AsyncSession, program: Program, user_id: uuid.UUID) -> MemberView:
    row = (
        await db.execute(
            select(ProgramMember, User.name, User.email, User.avatar_key)
            .join(User, User.id == ProgramMember.user_id)
            .where(ProgramMember.program_id == program.id, ProgramMember.user_id == user_id)
        )
    ).one()
    member, name, email, avatar_key = row
    return MemberView(member.user_id, name, email, avatar_key, member.role, member.created_at)


async def _keep_a_lead(db: AsyncSession, program: Program) -> None:
    leads = await db.scalar(
        select(func.count())
        .select_from(ProgramMember)
        .where(ProgramMember.program_id == program.id, ProgramMember.role == ProgramRole.LEAD)
    )
    if (leads or 0) <= 1:
        raise Conflict("last_lead", detail="A program keeps at least one lead: make someone else lead first.")


async def _require_lead_powers(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> None:
    """Giving or taking the LEAD role is for those who hold every program key (leads, workspace admins)."""
    access = await _access(db, cache, user_id, program.workspace_id)
    if P.PROGRAM_DELETE not in access.program_keys(program.id):
        raise Forbidden(
            "permission_denied",
            "Only a program lead can give or take the LEAD role.",
            extra={"permission": P.PROGRAM_DELETE.value},
        )


async def _lock(db: AsyncSession, program: Program) -> None:
    """Serialise membership changes of one program, so two of them cannot both remove 'the other' lead."""
    await db.execute(select(Program.id).where(Program.id == program.id).with_for_update())


# ───────────────────────── projects ─────────────────────────


async def list_projects(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> list[Project]:
    """The program's projects the caller may see."""
    access = await _access(db, cache, user_id, program.workspace_id)
    projects = await db.scalars(
        select(Project)
        .where(Project.program_id == program.id, Project.workspace_id == program.workspace_id)
        .order_by(Project.name, Project.id)
    )
    return [project for project in projects if P.PROJECT_VIEW in access.project_keys(project.id)]


async def available_projects(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> list[Project]:
    """The workspace's projects in no program whose settings the caller may change: those they can link."""
    access = await _access(db, cache, user_id, program.workspace_id)
    projects = await db.scalars(
        select(Project)
        .where(Project.workspace_id == program.workspace_id, Project.program_id.is_(None))
        .order_by(Project.name, Project.id)
    )
    return [project for project in projects if P.PROJECT_SETTINGS_EDIT in access.project_keys(project.id)]


async def link_project(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program, project_id: uuid.UUID
) -> Project:
    project = await authorize(
        db, cache, user_id, permission=P.PROJECT_SETTINGS_EDIT, model=Project, resource_id=project_id
    )
    if project.workspace_id != program.workspace_id:
        raise Invalid(
            "project_in_other_workspace",
            field="project_id",
            detail="Only projects of the program's workspace can join it.",
        )
    if project.program_id is not None and project.program_id != program.id:
        raise Conflict("project_in_other_program", detail="This project belongs to another program; unlink it first.")
    project.program_id = program.id
    await db.flush()
    return project


async def unlink_project(db: AsyncSession, program: Program, project_id: uuid.UUID) -> None:
    project = await db.scalar(select(Project).where(Project.id == project_id, Project.program_id == program.id))
    if project is None:
        raise NotFound("project_not_found", detail="No such project in this program.")
    project.program_id = None
    await db.flush()


# ───────────────────────── milestones ─────────────────────────


async def list_milestones(db: AsyncSession, program: Program) -> list[Milestone]:
    query = select(Milestone).where(Milestone.program_id == program.id).order_by(Milestone.position, Milestone.id)
    return list(await db.scalars(query))


async def create_milestone(db: AsyncSession, program: Program, data: MilestoneCreate) -> Milestone:
    count, last = (
        await db.execute(select(func.count(), func.max(Milestone.position)).where(Milestone.program_id == program.id))
    ).one()
    if count >= MAX_MILESTONES:
        raise Conflict("too_many_milestones", detail=f"A program holds at most {MAX_MILESTONES} milestones.")
    milestone = Milestone(
        workspace_id=program.workspace_id,
        program_id=program.id,
        name=data.name,
        description=data.description or None,
        target_date=data.target_date,
        status=data.status,
        progress=data.progress,
        position=data.position if data.position is not None else (last or 0.0) + 1.0,
    )
    db.add(milestone)
    await db.flush()
    return milestone


async def update_milestone(
    db: AsyncSession, program: Program, milestone_id: uuid.UUID, data: MilestoneUpdate
) -> Milestone:
    milestone = await _milestone(db, program, milestone_id)
    changes = data.model_dump(include=data.model_fields_set)
    for required in ("name", "status", "progress", "position"):
        if required in changes and changes[required] is None:
            raise Invalid("required", field=required, detail=f"The {required} cannot be empty.")
    if "description" in changes:
        changes["description"] = changes["description"] or None
    for name, value in changes.items():
        setattr(milestone, name, value)
    await db.flush()
    return milestone


async def delete_milestone(db: AsyncSession, program: Program, milestone_id: uuid.UUID) -> None:
    await db.delete(await _milestone(db, program, milestone_id))
    await db.flush()


async def reorder_milestones(db: AsyncSession, program: Program, ids: Sequence[uuid.UUID]) -> list[Milestone]:
    """Put the milestones named by `ids` in that order, in the places they held among the others."""
    if len(set(ids)) != len(ids):
        raise Invalid("duplicate_milestone", field="ids", detail="Name each milestone once.")
    current = await list_milestones(db, program)
    by_id = {milestone.id: milestone for milestone in current}
    if any(each not in by_id for each in ids):
        raise Invalid("unknown_milestone", field="ids", detail="Every milestone must belong to this program.")
    moved = iter(ids)
    chosen = set(ids)
    order = [by_id[next(moved)] if milestone.id in chosen else milestone for milestone in current]
    for index, milestone in enumerate(order, start=1):
        if milestone.position != float(index):
            milestone.position = float(index)
    await db.flush()
    return order


async def move_milestone(db: AsyncSession, program: Program, milestone_id: uuid.UUID, step: int) -> list[Milestone]:
    """Swap a milestone with its neighbour above (-1) or below (+1); at either end nothing moves."""
    current = await list_milestones(db, program)
    index = next((i for i, each in enumerate(current) if each.id == milestone_id), None)
    if index is None:
        raise NotFound("milestone_not_found", detail="No such milestone in this program.")
    other = index + step
    if not 0 <= other < len(current):
        return current
    return await reorder_milestones(db, program, [current[index].id, current[other].id][:: 1 if step < 0 else -1])


async def _milestone(db: AsyncSession, program: Program, milestone_id: uuid.UUID) -> Milestone:
    milestone = await db.scalar(
        select(Milestone).where(Milestone.id == milestone_id, Milestone.program_id == program.id)
    )
    if milestone is None:
        raise NotFound("milestone_not_found", detail="No such milestone in this program.")
    return milestone


# ───────────────────────── summary ─────────────────────────


async def summary(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> Summary:
    projects = await list_projects(db, cache, user_id, program)
    milestones = await list_milestones(db, program)
    return _summarise(projects, milestones, utcnow().date())


def _summarise(projects: Sequence[Project], milestones: Sequence[Milestone], today: date) -> Summary:
    project_statuses = Counter(project.status for project in projects)
    milestone_statuses = Counter(milestone.status for milestone in milestones)
    open_milestones = [each for each in milestones if each.status is not MilestoneStatus.COMPLETED]
    upcoming = [each for each in open_milestones if each.target_date is not None and each.target_date >= today]
    overdue = [each for each in open_milestones if each.target_date is not None and each.target_date < today]
    return Summary(
        project_count=len(projects),
        projects_by_status={status: project_statuses[status] for status in ProjectStatus},
        milestone_count=len(milestones),
        milestones_by_status={status: milestone_statuses[status] for status in MilestoneStatus},
        progress=_mean_progress(each.progress for each in milestones),
        next_milestone=min(upcoming, key=lambda each: (each.target_date, each.position), default=None),
        overdue_milestones=sorted(overdue, key=lambda each: (each.target_date, each.position)),
    )


def _mean_progress(values: Iterable[int]) -> float:
    numbers = list(values)
    return round(sum(numbers) / len(numbers), 1) if numbers else 0.0


# ───────────────────────── pages ─────────────────────────


async def programs_page(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace, *, limit: int, cursor: str | None
) -> ProgramsPageData:
    page = await list_programs(db, cache, user_id, workspace.id, limit=limit, cursor=cursor)
    access = await _access(db, cache, user_id, workspace.id)
    can_create = P.WORKSPACE_PROGRAMS_CREATE in access.workspace_keys()
    people = await _workspace_people(db, workspace.id)
    names = {person.id: person.name for person in people}
    leads = {view.program.lead_id: names.get(view.program.lead_id, "") for view in page.items if view.program.lead_id}
    missing = [lead for lead, name in leads.items() if not name]
    if missing:
        found = await db.execute(select(User.id, User.name).where(User.id.in_(missing)))
        for lead_id, name in found:
            leads[lead_id] = name
    return ProgramsPageData(workspace, page, leads, people if can_create else [], can_create)


async def program_page(db: AsyncSession, cache: Cache, user_id: uuid.UUID, program: Program) -> ProgramPageData:
    workspace = await db.get(Workspace, program.workspace_id)
    assert workspace is not None  # the program was authorized through it
    view = await program_view(db, cache, user_id, program)
    projects = await list_projects(db, cache, user_id, program)
    milestones = await list_milestones(db, program)
    members = await list_members(db, program)
    people = await _workspace_people(db, program.workspace_id)
    member_ids = {member.user_id for member in members}
    today = utcnow().date()
    lead_name = next((person.name for person in people if person.id == program.lead_id), None)
    if lead_name is None and program.lead_id is not None:
        lead_name = await db.scalar(select(User.name).where(User.id == program.lead_id))
    return ProgramPageData(
        workspace=workspace,
        view=view,
        summary=_summarise(projects, milestones, today),
        milestones=milestones,
        projects=projects,
        available_projects=(await available_projects(db, cache, user_id, program) if view.can(P.PROGRAM_EDIT) else []),
        members=members,
        candidates=[person for person in people if person.id not in member_ids],
        people=people,
        lead_name=lead_name,
        today=today,
    )


async def _workspace_people(db: AsyncSession, workspace_id: uuid.UUID) -> list[Person]:
    rows = await db.execute(
        select(User.id, User.name, User.email)
        .join(WorkspaceMember, WorkspaceMember.user_id == User.id)
        .where(WorkspaceMember.workspace_id == workspace_id, User.deleted_at.is_(None))
        .order_by(User.name, User.id)
    )
    return [Person(person_id, name, email) for person_id, name, email in rows]


# ───────────────────────── helpers ─────────────────────────


async def _access(db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID) -> WorkspaceAccess:
    access = await workspace_access(db, cache, user_id, workspace_id)
    if access is None:
        raise NotFound("workspace_not_found", "No such workspace, or it is not shared with you.")
    return access


async def _require_workspace_member(
    db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace_id: uuid.UUID, field_name: str
) -> None:
    access = await workspace_access(db, cache, user_id, workspace_id)
    if access is None or access.role is None:
        raise Invalid("not_workspace_member", field=field_name, detail="Choose a member of the program's workspace.")


async def _stats(
    db: AsyncSession, access: WorkspaceAccess, program_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ProgramStats]:
    """Visible project counts and milestone progress of many programs, in two statements."""
    if not program_ids:
        return {}
    milestones = await db.execute(
        select(Milestone.program_id, func.count(), func.avg(Milestone.progress))
        .where(Milestone.program_id.in_(program_ids))
        .group_by(Milestone.program_id)
    )
    progress = {program_id: (count, float(mean or 0)) for program_id, count, mean in milestones}
    projects = await db.execute(select(Project.program_id, Project.id).where(Project.program_id.in_(program_ids)))
    visible = Counter(
        program_id for program_id, project_id in projects if P.PROJECT_VIEW in access.project_keys(project_id)
    )
    return {
        program_id: ProgramStats(
            project_count=visible[program_id],
            milestone_count=progress.get(program_id, (0, 0.0))[0],
            progress=round(progress.get(program_id, (0, 0.0))[1], 1),
        )
        for program_id in program_ids
    }


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid("dates_out_of_order", field="end_date", detail="The end date cannot be before the start date.")
