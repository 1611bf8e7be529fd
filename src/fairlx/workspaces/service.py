"""Workspaces: creating them (a personal one, or one owned by an organization), what a user can see,
settings and feature toggles, members and their roles, invite codes for personal workspaces, and email
invitations for every workspace.

Decisions worth knowing:
- A PERSONAL account (or one that has not chosen yet) owns at most one personal workspace: one it
  created and still owns. ORG accounts have no limit (inventory §3, "Limits").
- Joining with an invite code makes the newcomer an editor (WS_EDITOR): they can create projects and
  spaces but not manage members or settings. Joining again changes nothing.
- Only an OWNER may grant OWNER, change or remove an OWNER, or invite someone as OWNER. A workspace keeps
  at least one direct OWNER member: the last one can be neither downgraded nor removed, nor leave.
- Removing a member also removes what they held inside the workspace (space, project, team and program
  memberships, direct project grants), so nothing they were given survives their removal.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeVar

from sqlalchemy import Select, and_, delete, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.actor import Actor
from fairlx.auth.models import AccountType, User
from fairlx.auth.service import DELETION_GUARDS, link, normalize_email
from fairlx.auth.sessions import ClientInfo
from fairlx.core.cache import Cache
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, id_cursor, last_id
from fairlx.core.ratelimit import Preset
from fairlx.core.security.tokens import new_token, token_digest
from fairlx.middleware.rate_limit import spend_budget
from fairlx.orgs.audit import OrgAction, record_org_audit
from fairlx.orgs.models import (
    DepartmentMember,
    DepartmentPermission,
    MemberStatus,
    Organization,
    OrgMember,
    OrgMemberPermission,
    OrgRole,
)
from fairlx.orgs.service import create_organization
from fairlx.programs.models import ProgramMember
from fairlx.projects.models import ProjectGrant, ProjectMember, ProjectTeamMember
from fairlx.rbac.access import OrgAccess, WorkspaceAccess
from fairlx.rbac.authorize import authorize, permissions_on
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import org_access, org_access_changed, workspace_access, workspace_access_changed
from fairlx.spaces.models import SpaceMember
from fairlx.web.mail import queue_templated_mail
from fairlx.workspaces.models import (
    WORKSPACE_ROLE_RANK,
    Invitation,
    InvitationStatus,
    UiMode,
    Workspace,
    WorkspaceKind,
    WorkspaceMember,
    WorkspaceRole,
)

P = Permission
T = TypeVar("T")

INVITE_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
INVITE_CODE_LENGTH = 6
INVITE_CODE_ATTEMPTS = 20
INVITATION_LIFETIME = timedelta(days=7)
JOIN_ROLE = WorkspaceRole.WS_EDITOR
DEFAULT_PAGE = DEFAULT_LIMIT
MAX_PAGE = MAX_LIMIT
FEATURES = ("spaces", "programs", "teams", "custom_fields", "workflows", "time_tracking")
SIMPLE_MODE_FEATURES = frozenset({"time_tracking"})  # what SIMPLE mode keeps (inventory §13)
ROLE_LABELS = {
    WorkspaceRole.OWNER: "Owner",
    WorkspaceRole.WS_ADMIN: "Admin",
    WorkspaceRole.WS_EDITOR: "Editor",
    WorkspaceRole.WS_VIEWER: "Viewer",
}
ORG_ROLES_SEEING_EVERY_WORKSPACE = (OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MODERATOR)


# --- views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceView:
    """A workspace as one user sees it: their effective role, what they may do, how many belong."""

    workspace: Workspace
    role: WorkspaceRole | None
    permissions: frozenset[Permission]
    member_count: int
    organization_name: str | None

    @property
    def features(self) -> dict[str, bool]:
        return feature_toggles(self.workspace)

    @property
    def enabled_features(self) -> list[str]:
        return enabled_features(self.workspace)

    @property
    def invite_code(self) -> str | None:
        """Shown to those who manage members, and only personal workspaces have one."""
        if P.WORKSPACE_MEMBERS_MANAGE not in self.permissions:
            return None
        return self.workspace.invite_code

    def can(self, permission: str) -> bool:
        return Permission(permission) in self.permissions


@dataclass(frozen=True)
class MemberView:
    member: WorkspaceMember
    user: User


@dataclass(frozen=True)
class InvitationView:
    invitation: Invitation
    workspace: Workspace
    inviter_name: str | None
    expired: bool


@dataclass(frozen=True)
class JoinPreview:
    workspace: Workspace
    member_count: int
    already_member: bool


@dataclass(frozen=True)
class HomeState:
    workspaces: list[WorkspaceView]
    needs_onboarding: bool  # no workspace yet, and the onboarding page has one to offer


@dataclass(frozen=True)
class OnboardingPlan:
    """What the workspace step of onboarding offers: a personal workspace, a new organization with its
    first workspace, a first workspace in an organization they may create one in, or nothing."""

    kind: Literal["personal", "new_org", "org_workspace", "none"]
    organization: Organization | None
    invitations: list[InvitationView]


def feature_toggles(workspace: Workspace) -> dict[str, bool]:
    saved = workspace.features or {}
    return {name: bool(saved.get(name, True)) for name in FEATURES}


def enabled_features(workspace: Workspace) -> list[str]:
    """The features in use: SIMPLE mode keeps only time tracking; ADVANCED honours every toggle."""
    toggles = feature_toggles(workspace)
    allowed = SIMPLE_MODE_FEATURES if workspace.ui_mode is UiMode.SIMPLE else frozenset(FEATURES)
    return [name for name in FEATURES if toggles[name] and name in allowed]


def role_label(role: WorkspaceRole | str | None) -> str:
    return ROLE_LABELS[WorkspaceRole(role)] if role else "No role"


# --- pagination -------------------------------------------------------------------------------------


def _page(rows: Sequence[T], limit: int, last: uuid.UUID | None) -> Page[T]:
    items = list(rows[:limit])
    return Page(items, id_cursor(last) if len(rows) > limit and last is not None else None)


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


# --- what a user can see ------------------------------------------------------------------------------


def _assigning_orgs(user_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Organizations where the user holds `org.workspace.assign`, from a department or a direct grant."""
    from_departments = (
        select(DepartmentPermission.organization_id)
        .join(DepartmentMember, DepartmentMember.department_id == DepartmentPermission.department_id)
        .where(DepartmentMember.user_id == user_id, DepartmentPermission.permission == P.ORG_WORKSPACE_ASSIGN.value)
    )
    direct = select(OrgMemberPermission.organization_id).where(
        OrgMemberPermission.user_id == user_id, OrgMemberPermission.permission == P.ORG_WORKSPACE_ASSIGN.value
    )
    return select(union(from_departments, direct).subquery().c[0])


async def visible_workspaces(
    db: AsyncSession, user_id: uuid.UUID, *, limit: int = DEFAULT_PAGE, cursor: str | None = None
) -> Page[WorkspaceView]:
    """Every live workspace the user may see: direct memberships, plus the workspaces of organizations
    where their role (OWNER, ADMIN, MODERATOR) or `org.workspace.assign` lets them in. Two statements,
    whatever the number of workspaces; the same rules as `authorize` (rbac.access) decide the role."""
    limit = _limit(limit)
    after = last_id(cursor)
    assigner = Workspace.organization_id.in_(_assigning_orgs(user_id))
    query = (
        select(Workspace, WorkspaceMember.role, OrgMember.role, Organization.name, assigner)
        .outerjoin(Organization, Organization.id == Workspace.organization_id)
        .outerjoin(
            WorkspaceMember, and_(WorkspaceMember.workspace_id == Workspace.id, WorkspaceMember.user_id == user_id)
        )
        .outerjoin(
            OrgMember,
            and_(
                OrgMember.organization_id == Workspace.organization_id,
                OrgMember.user_id == user_id,
                OrgMember.status == MemberStatus.ACTIVE,
            ),
        )
        .where(
            Workspace.deleted_at.is_(None),
            Organization.deleted_at.is_(None),
            or_(
                WorkspaceMember.id.is_not(None),
                OrgMember.role.in_(ORG_ROLES_SEEING_EVERY_WORKSPACE),
                and_(OrgMember.id.is_not(None), assigner),
            ),
        )
        .order_by(Workspace.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Workspace.id > after)
    rows = list(await db.execute(query))
    counts = await _member_counts(db, [row[0].id for row in rows[:limit]])
    views = []
    for workspace, member_role, org_role, org_name, assigns in rows:
        org = None
        if workspace.organization_id is not None:
            granted = frozenset({P.ORG_WORKSPACE_ASSIGN}) if assigns else frozenset()
            org = OrgAccess(workspace.organization_id, org_role, granted)
        access = WorkspaceAccess(workspace.id, member_role=member_role, org=org)
        keys = access.workspace_keys()
        views.append(WorkspaceView(workspace, access.role, keys, counts.get(workspace.id, 0), org_name))
    return _page(views, limit, rows[limit - 1][0].id if len(rows) > limit else None)


async def _member_counts(db: AsyncSession, workspace_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not workspace_ids:
        return {}
    rows = await db.execute(
        select(WorkspaceMember.workspace_id, func.count())
        .where(WorkspaceMember.workspace_id.in_(workspace_ids))
        .group_by(WorkspaceMember.workspace_id)
    )
    return dict(rows.all())


async def describe(db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace) -> WorkspaceView:
    """The workspace as `user_id` sees it (they may see it: the route authorized them)."""
    access = await workspace_access(db, cache, user_id, workspace.id)
    role = access.role if access is not None else None
    keys = access.workspace_keys() if access is not None else frozenset()
    counts = await _member_counts(db, [workspace.id])
    org_name = None
    if workspace.organization_id is not None:
        org_name = await db.scalar(select(Organization.name).where(Organization.id == workspace.organization_id))
    return WorkspaceView(workspace, role, keys, counts.get(workspace.id, 0), org_name)


async def home_state(db: AsyncSession, cache: Cache, actor: Actor) -> HomeState:
    listed = await visible_workspaces(db, actor.user_id, limit=MAX_PAGE)
    if listed.items:
        return HomeState(listed.items, needs_onboarding=False)
    plan = await onboarding_plan(db, cache, actor)
    return HomeState([], needs_onboarding=plan.kind != "none")


async def switcher_workspaces(db: AsyncSession, user_id: uuid.UUID) -> list[WorkspaceView]:
    return (await visible_workspaces(db, user_id, limit=MAX_PAGE)).items


# --- creating and changing workspaces -------------------------------------------------------------------


async def _new_invite_code(db: AsyncSession) -> str:
    for _ in range(INVITE_CODE_ATTEMPTS):
        code = "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
        if await db.scalar(select(Workspace.id).where(Workspace.invite_code == code)) is None:
            return code
    raise Conflict("invite_code_exhausted", detail="No free invite code was found; try again.")


async def owns_personal_workspace(db: AsyncSession, user_id: uuid.UUID) -> bool:
    found = await db.scalar(
        select(Workspace.id)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(
            Workspace.kind == WorkspaceKind.PERSONAL,
            Workspace.created_by == user_id,
            Workspace.deleted_at.is_(None),
            WorkspaceMember.user_id == user_id,
            WorkspaceMember.role == WorkspaceRole.OWNER,
        )
        .limit(1)
    )
    return found is not None


async def create_workspace(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    name: str,
    organization_id: uuid.UUID | None,
    client: ClientInfo | None,
) -> WorkspaceView:
    """A personal workspace (no organization), or one owned by an organization the actor may create
    workspaces in (`org.workspace.create`). The creator becomes its OWNER."""
    if organization_id is not None:
        organization = await authorize(
            db,
            infra.cache,
            actor.user_id,
            permission=P.ORG_WORKSPACE_CREATE,
            model=Organization,
            resource_id=organization_id,
        )
        workspace = await _create_org_workspace(
            db, infra.cache, actor, organization=organization, name=name, client=client
        )
    else:
        workspace = await _create_personal_workspace(db, infra.cache, actor, name)
    return await describe(db, infra.cache, actor.user_id, workspace)


async def _create_personal_workspace(db: AsyncSession, cache: Cache, actor: Actor, name: str) -> Workspace:
    user = await db.get(User, actor.user_id)
    limited = user is None or user.account_type in (None, AccountType.PERSONAL)
    if limited and await owns_personal_workspace(db, actor.user_id):
        raise Conflict(
            "personal_workspace_exists",
            detail="A personal account owns one personal workspace, and you have yours already.",
        )
    workspace = Workspace(
        name=name,
        kind=WorkspaceKind.PERSONAL,
        created_by=actor.user_id,
        invite_code=await _new_invite_code(db),
        ui_mode=UiMode.SIMPLE,
        features={},
    )
    return await _add_with_owner(db, cache, workspace, actor.user_id)


async def _create_org_workspace(
    db: AsyncSession,
    cache: Cache,
    actor: Actor,
    *,
    organization: Organization,
    name: str,
    client: ClientInfo | None,
) -> Workspace:
    workspace = Workspace(
        name=name,
        kind=WorkspaceKind.ORGANIZATION,
        organization_id=organization.id,
        created_by=actor.user_id,
        ui_mode=UiMode.SIMPLE,
        features={},
    )
    await _add_with_owner(db, cache, workspace, actor.user_id)
    record_org_audit(
        db,
        organization.id,
        OrgAction.WORKSPACE_CREATED,
        actor_id=actor.user_id,
        client=client,
        target_type="workspace",
        target_id=workspace.id,
        target_name=workspace.name,
        workspace_id=workspace.id,
    )
    return workspace


async def _add_with_owner(db: AsyncSession, cache: Cache, workspace: Workspace, user_id: uuid.UUID) -> Workspace:
    db.add(workspace)
    await db.flush()
    db.add(WorkspaceMember(workspace_id=workspace.id, user_id=user_id, role=WorkspaceRole.OWNER))
    await db.flush()
    workspace_access_changed(db, cache, workspace.id, user_id=user_id)
    return workspace


async def update_workspace(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    workspace: Workspace,
    *,
    name: str | None = None,
    ui_mode: UiMode | None = None,
    features: dict[str, bool] | None = None,
) -> WorkspaceView:
    if name is not None:
        workspace.name = name
    if ui_mode is not None:
        workspace.ui_mode = ui_mode
    if features:
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            raise Invalid("feature_unknown", field="features", detail=f"Unknown features: {', '.join(unknown)}.")
        workspace.features = feature_toggles(workspace) | features  # a new dict, so the change is saved
    await db.flush()
    return await describe(db, infra.cache, actor.user_id, workspace)


async def delete_workspace(
    db: AsyncSession, infra: Infrastructure, actor: Actor, workspace: Workspace, client: ClientInfo | None
) -> None:
    """Soft delete: the workspace disappears for everyone at once; its pending invitations die with it."""
    workspace.deleted_at = utcnow()
    workspace.invite_code = None
    await db.execute(
        update(Invitation)
        .where(Invitation.workspace_id == workspace.id, Invitation.status == InvitationStatus.PENDING)
        .values(status=InvitationStatus.REVOKED)
    )
    if workspace.organization_id is not None:
        record_org_audit(
            db,
            workspace.organization_id,
            OrgAction.WORKSPACE_DELETED,
            actor_id=actor.user_id,
            client=client,
            target_type="workspace",
            target_id=workspace.id,
            target_name=workspace.name,
            workspace_id=workspace.id,
        )
    workspace_access_changed(db, infra.cache, workspace.id)


# --- members --------------------------------------------------------------------------------------------


async def list_members(
    db: AsyncSession, workspace: Workspace, *, limit: int = MAX_PAGE, cursor: str | None = None
) -> Page[MemberView]:
    limit = _limit(limit)
    after = last_id(cursor)
    query = (
        select(WorkspaceMember, User)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id)
        .order_by(WorkspaceMember.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(WorkspaceMember.id > after)
    rows = [MemberView(member, user) for member, user in await db.execute(query)]
    return _page(rows, limit, rows[limit - 1].member.id if len(rows) > limit else None)


async def _member(db: AsyncSession, workspace: Workspace, user_id: uuid.UUID) -> MemberView:
    found = (
        await db.execute(
            select(WorkspaceMember, User)
            .join(User, User.id == WorkspaceMember.user_id)
            .where(WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == user_id)
        )
    ).first()
    if found is None:
        raise NotFound("member_not_found", "This person is not a member of the workspace.")
    return MemberView(found[0], found[1])


async def _lock(db: AsyncSession, workspace: Workspace) -> None:
    """Serialize changes to one workspace's owners (two owners removing each other at once)."""
    await db.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update())


async def _owner_count(db: AsyncSession, workspace: Workspace) -> int:
    count = await db.scalar(
        select(func.count()).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.role == WorkspaceRole.OWNER
        )
    )
    return int(count or 0)


async def _actor_role(db: AsyncSession, cache: Cache, user_id: uuid.UUID, workspace: Workspace) -> WorkspaceRole | None:
    access = await workspace_access(db, cache, user_id, workspace.id)
    return access.role if access is not None else None


def _owners_only(detail: str) -> Forbidden:
    return Forbidden("owner_only", detail, extra={"role": WorkspaceRole.OWNER.value})


def _audit_member(
    db: AsyncSession,
    workspace: Workspace,
    action: OrgAction,
    *,
    actor: Actor,
    client: ClientInfo | None,
    user: User,
    **detail: str | bool,
) -> None:
    if workspace.organization_id is None:
        return
    record_org_audit(
        db,
        workspace.organization_id,
        action,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.email,
        workspace_id=workspace.id,
        **detail,
    )


async def change_member_role(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    workspace: Workspace,
    *,
    user_id: uuid.UUID,
    role: WorkspaceRole,
    client: ClientInfo | None,
) -> MemberView:
    await _lock(db, workspace)
    found = await _member(db, workspace, user_id)
    member = found.member
    if member.role == role:
        return found
    involves_owner = WorkspaceRole.OWNER in (role, member.role)
    if involves_owner and await _actor_role(db, infra.cache, actor.user_id, workspace) is not WorkspaceRole.OWNER:
        raise _owners_only("Only an owner can make someone an owner or change an owner's role.")
    if member.role is WorkspaceRole.OWNER and await _owner_count(db, workspace) <= 1:
        raise Conflict(
            "last_owner", detail="The workspace's last owner cannot be downgraded; make someone else owner first."
        )
    previous = member.role
    member.role = role
    workspace_access_changed(db, infra.cache, workspace.id, user_id=user_id)
    _audit_member(
        db,
        workspace,
        OrgAction.WORKSPACE_MEMBER_ROLE_CHANGED,
        actor=actor,
        client=client,
        user=found.user,
        old=previous,
        new=role,
    )
    await db.flush()
    return found


async def remove_member(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    workspace: Workspace,
    *,
    user_id: uuid.UUID,
    client: ClientInfo | None,
) -> None:
    """Remove a member (`workspace.members.manage`), or leave (anyone may remove themselves)."""
    await _lock(db, workspace)
    leaving = user_id == actor.user_id
    if not leaving:
        keys = await permissions_on(db, infra.cache, actor.user_id, workspace)
        if P.WORKSPACE_MEMBERS_MANAGE not in keys:
            raise Forbidden(
                "permission_denied",
                f"Your role does not allow this (it needs {P.WORKSPACE_MEMBERS_MANAGE.value}).",
                extra={"permission": P.WORKSPACE_MEMBERS_MANAGE.value},
            )
    found = await _member(db, workspace, user_id)
    member = found.member
    if member.role is WorkspaceRole.OWNER:
        if not leaving and await _actor_role(db, infra.cache, actor.user_id, workspace) is not WorkspaceRole.OWNER:
            raise _owners_only("Only an owner can remove an owner.")
        if await _owner_count(db, workspace) <= 1:
            detail = (
                "You are the workspace's last owner: make someone else owner before leaving."
                if leaving
                else "The workspace's last owner cannot be removed."
            )
            raise Conflict("last_owner", detail=detail)
    await _forget_member(db, workspace.id, user_id)
    await db.delete(member)
    workspace_access_changed(db, infra.cache, workspace.id, user_id=user_id)
    _audit_member(
        db, workspace, OrgAction.WORKSPACE_MEMBER_REMOVED, actor=actor, client=client, user=found.user, left=leaving
    )
    await db.flush()


async def _forget_member(db: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Drop what the user held inside the workspace, so no project, space, team or program access
    outlives the membership."""
    for model in (SpaceMember, ProjectMember, ProjectTeamMember, ProgramMember):
        await db.execute(delete(model).where(model.workspace_id == workspace_id, model.user_id == user_id))
    await db.execute(
        delete(ProjectGrant).where(ProjectGrant.workspace_id == workspace_id, ProjectGrant.user_id == user_id)
    )


async def add_member_from_org(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    workspace: Workspace,
    *,
    user_id: uuid.UUID,
    role: WorkspaceRole,
    client: ClientInfo | None,
) -> MemberView:
    """Add an active member of the workspace's organization directly, with a role."""
    if workspace.organization_id is None:
        raise Conflict("not_an_org_workspace", detail="Only an organization's workspace takes members from it.")
    active = await db.scalar(
        select(OrgMember.id).where(
            OrgMember.organization_id == workspace.organization_id,
            OrgMember.user_id == user_id,
            OrgMember.status == MemberStatus.ACTIVE,
        )
    )
    if active is None:
        raise Invalid(
            "not_an_org_member", field="user_id", detail="This person is not an active member of the organization."
        )
    if (
        role is WorkspaceRole.OWNER
        and await _actor_role(db, infra.cache, actor.user_id, workspace) is not WorkspaceRole.OWNER
    ):
        raise _owners_only("Only an owner can make someone an owner.")
    existing = await db.scalar(
        select(WorkspaceMember.id).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == user_id
        )
    )
    if existing is not None:
        raise Conflict("already_member", field="user_id", detail="This person is already a member of the workspace.")
    db.add(WorkspaceMember(workspace_id=workspace.id, user_id=user_id, role=role))
    await db.flush()
    found = await _member(db, workspace, user_id)
    workspace_access_changed(db, infra.cache, workspace.id, user_id=user_id)
    _audit_member(
        db,
        workspace,
        OrgAction.WORKSPACE_MEMBER_ADDED,
        actor=actor,
        client=client,
        user=found.user,
        role=role,
        source="org",
    )
    return found


async def addable_org_members(db: AsyncSession, workspace: Workspace) -> list[User]:
    """Active members of the workspace's organization who are not in the workspace yet."""
    if workspace.organization_id is None:
        return []
    in_workspace = select(WorkspaceMember.user_id).where(WorkspaceMember.workspace_id == workspace.id)
    rows = await db.scalars(
        select(User)
        .join(OrgMember, OrgMember.user_id == User.id)
        .where(
            OrgMember.organization_id == workspace.organization_id,
            OrgMember.status == MemberStatus.ACTIVE,
            User.id.not_in(in_workspace),
        )
        .order_by(User.name)
        .limit(MAX_PAGE)
    )
    return list(rows)


# --- invite codes (personal workspaces) ---------------------------------------------------------------------


def join_url(infra: Infrastructure, code: str) -> str:
    return link(infra, f"/join/{code}")


async def reset_invite_code(db: AsyncSession, workspace: Workspace) -> str:
    """A new code for the join link; the old one stops working at once."""
    if workspace.kind is not WorkspaceKind.PERSONAL:
        raise _invite_code_disabled()
    workspace.invite_code = await _new_invite_code(db)
    await db.flush()
    return workspace.invite_code


def _invite_code_disabled() -> Conflict:
    return Conflict(
        "invite_code_disabled",
        detail="An organization's workspace has no join link: add members from the organization, or invite by email.",
    )


async def _workspace_by_code(db: AsyncSession, infra: Infrastructure, actor: Actor, code: str) -> Workspace:
    await spend_budget(infra.rate_limiter, Preset.LOGIN, f"invite-code:{actor.user_id}")
    normalized = code.strip().upper()
    workspace = None
    if len(normalized) == INVITE_CODE_LENGTH:
        workspace = await db.scalar(
            select(Workspace).where(
                Workspace.invite_code == normalized,
                Workspace.deleted_at.is_(None),
                Workspace.kind == WorkspaceKind.PERSONAL,
            )
        )
    if workspace is None:
        raise NotFound("invite_code_not_found", "This join link does not work: it may have been reset.")
    return workspace


async def join_preview(db: AsyncSession, infra: Infrastructure, actor: Actor, code: str) -> JoinPreview:
    workspace = await _workspace_by_code(db, infra, actor, code)
    counts = await _member_counts(db, [workspace.id])
    member = await db.scalar(
        select(WorkspaceMember.id).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == actor.user_id
        )
    )
    return JoinPreview(workspace, counts.get(workspace.id, 0), member is not None)


async def join_with_code(db: AsyncSession, infra: Infrastructure, actor: Actor, code: str) -> WorkspaceView:
    """Join as an editor; a member who joins again keeps their role."""
    workspace = await _workspace_by_code(db, infra, actor, code)
    existing = await db.scalar(
        select(WorkspaceMember).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == actor.user_id
        )
    )
    if existing is None:
        db.add(WorkspaceMember(workspace_id=workspace.id, user_id=actor.user_id, role=JOIN_ROLE))
        await db.flush()
        workspace_access_changed(db, infra.cache, workspace.id, user_id=actor.user_id)
    return await _view_after_change(db, actor.user_id, workspace)


async def _view_after_change(db: AsyncSession, user_id: uuid.UUID, workspace: Workspace) -> WorkspaceView:
    """The workspace as the user sees it within a transaction that changed their access (the cache
    still holds the old answer until the commit), read straight from the rows."""
    member_role = await db.scalar(
        select(WorkspaceMember.role).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == user_id
        )
    )
    org = None
    org_name = None
    if workspace.organization_id is not None:
        org_role = await db.scalar(
            select(OrgMember.role).where(
                OrgMember.organization_id == workspace.organization_id,
                OrgMember.user_id == user_id,
                OrgMember.status == MemberStatus.ACTIVE,
            )
        )
        org = OrgAccess(workspace.organization_id, org_role)
        org_name = await db.scalar(select(Organization.name).where(Organization.id == workspace.organization_id))
    access = WorkspaceAccess(workspace.id, member_role=member_role, org=org)
    counts = await _member_counts(db, [workspace.id])
    return WorkspaceView(workspace, access.role, access.workspace_keys(), counts.get(workspace.id, 0), org_name)


# --- email invitations ---------------------------------------------------------------------------------------


def invitation_url(infra: Infrastructure, token: str) -> str:
    return link(infra, f"/invitations/{token}")


async def invite(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    workspace: Workspace,
    *,
    email: str,
    role: WorkspaceRole,
) -> InvitationView:
    """Mail an invitation with a role; a pending invitation to the same address is replaced."""
    address = normalize_email(email)
    if (
        role is WorkspaceRole.OWNER
        and await _actor_role(db, infra.cache, actor.user_id, workspace) is not WorkspaceRole.OWNER
    ):
        raise _owners_only("Only an owner can invite someone as an owner.")
    already = await db.scalar(
        select(WorkspaceMember.id)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace.id, User.email == address)
    )
    if already is not None:
        raise Conflict("already_member", field="email", detail="This person is already a member of the workspace.")
    await spend_budget(infra.rate_limiter, Preset.WRITE, f"invitations:{actor.user_id}")
    await db.execute(
        update(Invitation)
        .where(
            Invitation.workspace_id == workspace.id,
            Invitation.email == address,
            Invitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.REVOKED)
    )
    token = new_token()
    invitation = Invitation(
        workspace_id=workspace.id,
        email=address,
        role=role,
        token_digest=token_digest(token),
        status=InvitationStatus.PENDING,
        invited_by=actor.user_id,
        created_at=utcnow(),
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.add(invitation)
    await db.flush()
    await queue_templated_mail(
        db,
        to=address,
        subject=f"{actor.user.name} invited you to {workspace.name}",
        template="workspaces/mail/invitation",
        context={
            "inviter_name": actor.user.name,
            "workspace_name": workspace.name,
            "role_label": role_label(role),
            "link": invitation_url(infra, token),
            "expires_days": INVITATION_LIFETIME.days,
        },
    )
    return InvitationView(invitation, workspace, actor.user.name, expired=False)


async def pending_invitations(
    db: AsyncSession, workspace: Workspace, *, limit: int = MAX_PAGE, cursor: str | None = None
) -> Page[InvitationView]:
    limit = _limit(limit)
    after = last_id(cursor)
    query = (
        select(Invitation, User.name)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(Invitation.workspace_id == workspace.id, Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Invitation.id > after)
    now = utcnow()
    rows = [
        InvitationView(invitation, workspace, inviter, expired=invitation.expires_at <= now)
        for invitation, inviter in await db.execute(query)
    ]
    return _page(rows, limit, rows[limit - 1].invitation.id if len(rows) > limit else None)


async def revoke_invitation(db: AsyncSession, workspace: Workspace, invitation_id: uuid.UUID) -> Invitation:
    invitation = await db.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != workspace.id:
        raise NotFound("invitation_not_found", "No such invitation in this workspace.")
    if invitation.status is not InvitationStatus.PENDING:
        raise Conflict("invitation_not_pending", detail="This invitation was already answered or revoked.")
    invitation.status = InvitationStatus.REVOKED
    invitation.responded_at = utcnow()
    await db.flush()
    return invitation


async def _by_token(db: AsyncSession, token: str) -> tuple[Invitation, Workspace]:
    found = (
        await db.execute(
            select(Invitation, Workspace)
            .join(Workspace, Workspace.id == Invitation.workspace_id)
            .outerjoin(Organization, Organization.id == Workspace.organization_id)
            .where(
                Invitation.token_digest == token_digest(token),
                Workspace.deleted_at.is_(None),
                Organization.deleted_at.is_(None),
            )
        )
    ).first()
    if found is None:
        raise NotFound("invitation_not_found", "This invitation does not exist, or its workspace is gone.")
    return found[0], found[1]


async def invitation_by_token(db: AsyncSession, token: str) -> InvitationView:
    invitation, workspace = await _by_token(db, token)
    inviter = (
        await db.scalar(select(User.name).where(User.id == invitation.invited_by)) if invitation.invited_by else None
    )
    return InvitationView(invitation, workspace, inviter, expired=invitation.expires_at <= utcnow())


def _refuse_answered(invitation: Invitation) -> None:
    if invitation.status is InvitationStatus.REVOKED:
        raise Conflict("invitation_revoked", detail="This invitation was withdrawn. Ask for a new one.")
    if invitation.status is InvitationStatus.DECLINED:
        raise Conflict("invitation_declined", detail="This invitation was declined. Ask for a new one.")
    if invitation.status is InvitationStatus.ACCEPTED:
        raise Conflict("invitation_used", detail="This invitation was already accepted.")
    if invitation.expires_at <= utcnow():
        raise Conflict("invitation_expired", detail="This invitation has expired. Ask for a new one.")


async def accept_invitation(
    db: AsyncSession, infra: Infrastructure, actor: Actor, token: str, client: ClientInfo | None
) -> WorkspaceView:
    """Join the workspace with the invitation's role (or keep a higher one). Only the invited address
    may accept; accepting again is harmless. In an organization's workspace, the newcomer also becomes
    an active member of the organization."""
    invitation, workspace = await _by_token(db, token)
    return await _accept(db, infra, actor, invitation=invitation, workspace=workspace, client=client)


async def accept_invitation_by_id(
    db: AsyncSession, infra: Infrastructure, actor: Actor, invitation_id: uuid.UUID, client: ClientInfo | None
) -> WorkspaceView:
    """Accept one of the invitations addressed to the actor from the onboarding page, which lists them
    by id (the token exists only in the mail)."""
    found = (
        await db.execute(
            select(Invitation, Workspace)
            .join(Workspace, Workspace.id == Invitation.workspace_id)
            .outerjoin(Organization, Organization.id == Workspace.organization_id)
            .where(
                Invitation.id == invitation_id,
                Invitation.email == normalize_email(actor.user.email),
                Workspace.deleted_at.is_(None),
                Organization.deleted_at.is_(None),
            )
        )
    ).first()
    if found is None:
        raise NotFound("invitation_not_found", "No such invitation for your address.")
    return await _accept(db, infra, actor, invitation=found[0], workspace=found[1], client=client)


async def _accept(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    invitation: Invitation,
    workspace: Workspace,
    client: ClientInfo | None,
) -> WorkspaceView:
    if not actor.user.email_verified or normalize_email(actor.user.email) != invitation.email:
        raise Forbidden(
            "invitation_for_another_address",
            f"This invitation was sent to {invitation.email}; sign in with that address to accept it.",
        )
    member = await db.scalar(
        select(WorkspaceMember).where(
            WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id == actor.user_id
        )
    )
    if invitation.status is InvitationStatus.ACCEPTED and member is not None:
        return await _view_after_change(db, actor.user_id, workspace)
    _refuse_answered(invitation)
    if workspace.organization_id is not None:
        await _join_organization(db, infra, actor, workspace.organization_id, client)
    user = await db.get(User, actor.user_id)
    assert user is not None
    if member is None:
        db.add(WorkspaceMember(workspace_id=workspace.id, user_id=actor.user_id, role=invitation.role))
        _audit_member(
            db,
            workspace,
            OrgAction.WORKSPACE_MEMBER_ADDED,
            actor=actor,
            client=client,
            user=user,
            role=invitation.role,
            source="invitation",
        )
    elif WORKSPACE_ROLE_RANK[invitation.role] > WORKSPACE_ROLE_RANK[member.role]:
        previous = member.role
        member.role = invitation.role
        _audit_member(
            db,
            workspace,
            OrgAction.WORKSPACE_MEMBER_ROLE_CHANGED,
            actor=actor,
            client=client,
            user=user,
            old=previous,
            new=invitation.role,
        )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.responded_at = utcnow()
    await db.flush()
    workspace_access_changed(db, infra.cache, workspace.id, user_id=actor.user_id)
    return await _view_after_change(db, actor.user_id, workspace)


async def _join_organization(
    db: AsyncSession, infra: Infrastructure, actor: Actor, organization_id: uuid.UUID, client: ClientInfo | None
) -> None:
    membership = await db.scalar(
        select(OrgMember).where(OrgMember.organization_id == organization_id, OrgMember.user_id == actor.user_id)
    )
    if membership is not None and membership.status is MemberStatus.ACTIVE:
        return
    if membership is not None and membership.status is MemberStatus.SUSPENDED:
        raise Forbidden(
            "org_membership_suspended",
            "Your membership of this workspace's organization is suspended; ask its administrators.",
        )
    action = OrgAction.MEMBER_ADDED
    if membership is None:
        membership = OrgMember(organization_id=organization_id, user_id=actor.user_id, role=OrgRole.MEMBER)
        db.add(membership)
    else:
        action = OrgAction.MEMBER_ACTIVATED
    membership.status = MemberStatus.ACTIVE
    membership.joined_at = utcnow()
    record_org_audit(
        db,
        organization_id,
        action,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=actor.user_id,
        target_name=actor.user.email,
        source="invitation",
    )
    await db.flush()
    await org_access_changed(db, infra.cache, organization_id, user_id=actor.user_id)


async def decline_invitation(db: AsyncSession, token: str) -> InvitationView:
    """Anyone holding the link (it went to the invited address) may decline it."""
    invitation, workspace = await _by_token(db, token)
    _refuse_answered(invitation)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = utcnow()
    await db.flush()
    return InvitationView(invitation, workspace, None, expired=False)


async def invitations_for(db: AsyncSession, email: str) -> list[InvitationView]:
    """Live invitations addressed to `email` (shown during onboarding)."""
    now = utcnow()
    rows = await db.execute(
        select(Invitation, Workspace, User.name)
        .join(Workspace, Workspace.id == Invitation.workspace_id)
        .outerjoin(Organization, Organization.id == Workspace.organization_id)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(
            Invitation.email == normalize_email(email),
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now,
            Workspace.deleted_at.is_(None),
            Organization.deleted_at.is_(None),
        )
        .order_by(Invitation.id)
        .limit(20)
    )
    return [InvitationView(invitation, workspace, inviter, expired=False) for invitation, workspace, inviter in rows]


async def workspace_owners(db: AsyncSession, cache: Cache, actor: Actor) -> list[tuple[str, str]]:
    """Who may own a workspace the actor creates: themselves (unless a personal account that has its
    personal workspace already) and each organization where they hold `org.workspace.create`."""
    choices = []
    personal = actor.user.account_type != AccountType.ORG.value
    if not personal or not await owns_personal_workspace(db, actor.user_id):
        choices.append(("personal", "Personal workspace"))
    organizations = await db.scalars(
        select(Organization)
        .join(OrgMember, OrgMember.organization_id == Organization.id)
        .where(
            OrgMember.user_id == actor.user_id,
            OrgMember.status == MemberStatus.ACTIVE,
            Organization.deleted_at.is_(None),
        )
        .order_by(Organization.name)
        .limit(MAX_PAGE)
    )
    for organization in organizations:
        if P.ORG_WORKSPACE_CREATE in (await org_access(db, cache, actor.user_id, organization.id)).keys:
            choices.append((str(organization.id), organization.name))
    return choices


# --- the settings page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsOverview:
    view: WorkspaceView
    members: list[MemberView]
    invitations: list[InvitationView]
    addable: list[User]  # organization members who could be added
    join_url: str | None


async def settings_overview(
    db: AsyncSession, infra: Infrastructure, actor: Actor, workspace_id: uuid.UUID
) -> SettingsOverview:
    """Everything the settings page shows, limited to what the actor may manage. Loads the workspace
    afresh (a refused form rolls the transaction back, expiring what was loaded before)."""
    workspace = await db.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace_not_found", "No such workspace, or it is not shared with you.")
    view = await describe(db, infra.cache, actor.user_id, workspace)
    members = (await list_members(db, workspace)).items
    manages = P.WORKSPACE_MEMBERS_MANAGE in view.permissions
    invitations = (await pending_invitations(db, workspace)).items if manages else []
    addable = await addable_org_members(db, workspace) if P.WORKSPACE_MEMBERS_ADD_FROM_ORG in view.permissions else []
    code = view.invite_code
    return SettingsOverview(view, members, invitations, addable, join_url(infra, code) if code else None)


# --- onboarding --------------------------------------------------------------------------------------------


async def onboarding_plan(db: AsyncSession, cache: Cache, actor: Actor) -> OnboardingPlan:
    invitations = await invitations_for(db, actor.user.email) if actor.user.email_verified else []
    if actor.user.account_type != AccountType.ORG.value:
        owns = await owns_personal_workspace(db, actor.user_id)
        return OnboardingPlan("none" if owns else "personal", None, invitations)
    organizations = list(
        await db.scalars(
            select(Organization)
            .join(OrgMember, OrgMember.organization_id == Organization.id)
            .where(
                OrgMember.user_id == actor.user_id,
                OrgMember.status == MemberStatus.ACTIVE,
                Organization.deleted_at.is_(None),
            )
            .order_by(Organization.created_at)
            .limit(20)
        )
    )
    for organization in organizations:
        if P.ORG_WORKSPACE_CREATE in (await org_access(db, cache, actor.user_id, organization.id)).keys:
            return OnboardingPlan("org_workspace", organization, invitations)
    return OnboardingPlan("none" if organizations else "new_org", None, invitations)


async def onboard_personal(
    db: AsyncSession, infra: Infrastructure, actor: Actor, *, workspace_name: str
) -> WorkspaceView:
    workspace = await _create_personal_workspace(db, infra.cache, actor, workspace_name)
    return await _view_after_change(db, actor.user_id, workspace)


async def onboard_organization(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    organization_name: str | None,
    size: str | None,
    workspace_name: str,
    client: ClientInfo,
) -> WorkspaceView:
    """The ORG path: the organization (unless the actor may already create workspaces in one) and its
    first workspace, in one transaction."""
    plan = await onboarding_plan(db, infra.cache, actor)
    if plan.kind == "org_workspace" and plan.organization is not None:
        organization = plan.organization
    else:
        if not organization_name:
            raise Invalid("organization_name_required", field="organization_name", detail="Name your organization.")
        organization = await create_organization(db, infra, actor, name=organization_name, size=size, client=client)
    workspace = await _create_org_workspace(
        db, infra.cache, actor, organization=organization, name=workspace_name, client=client
    )
    return await _view_after_change(db, actor.user_id, workspace)


# --- account deletion ------------------------------------------------------------------------------------------


async def last_owner_guard(db: AsyncSession, user_id: uuid.UUID) -> str | None:
    """Refuse to delete the account of a live workspace's last owner, naming the workspace."""
    owned = select(WorkspaceMember.workspace_id).where(
        WorkspaceMember.user_id == user_id, WorkspaceMember.role == WorkspaceRole.OWNER
    )
    co_owned = select(WorkspaceMember.workspace_id).where(
        WorkspaceMember.user_id != user_id, WorkspaceMember.role == WorkspaceRole.OWNER
    )
    name = await db.scalar(
        select(Workspace.name)
        .outerjoin(Organization, Organization.id == Workspace.organization_id)
        .where(
            Workspace.id.in_(owned),
            Workspace.id.not_in(co_owned),
            Workspace.deleted_at.is_(None),
            Organization.deleted_at.is_(None),
        )
        .order_by(Workspace.name)
        .limit(1)
    )
    if name is None:
        return None
    return f"You are the last owner of the workspace “{name}”. Make someone else its owner, or delete it, first."


DELETION_GUARDS.append(last_owner_guard)
