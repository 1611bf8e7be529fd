"""Organizations: creating (or converting a personal account into) one, renaming, soft deletion with a
30-day restore window; members with roles and statuses, created directly with a temporary password and
a first-login link; departments and the permission keys they grant; explicit per-member grants; and the
audit log.

Rules every change obeys:
- At least one ACTIVE OWNER (with a live account) always remains: role and status changes, removals,
  bulk operations and account deletion are refused with 409 `last_owner` otherwise.
- Only an OWNER may make someone an OWNER or change or remove an OWNER; nobody hands out a role above
  their own, or permission keys they do not hold themselves (an OWNER holds them all), so a member who
  may manage members or departments cannot use that to raise their own access.
- Removing a member takes away everything they held in the organization at once: their department
  places, direct grants, and their memberships in the organization's workspaces and in the spaces,
  projects, project teams, project grants and programs inside them (a project membership alone would
  otherwise keep granting access to that project).
- Every change to membership, roles, departments or grants is audited and invalidates cached access
  (`org_access_changed`) once it commits, so it applies on the very next request.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from fairlx.auth import onetime, sessions
from fairlx.auth.actor import Actor
from fairlx.auth.audit import record_event
from fairlx.auth.models import AccountType, AuthEventKind, SignInMethod, TokenPurpose, User
from fairlx.auth.service import DELETION_GUARDS, SignInOutcome, begin_sign_in, link, normalize_email, user_by_email
from fairlx.auth.sessions import ClientInfo
from fairlx.core.clock import utcnow
from fairlx.core.errors import Conflict, Forbidden, Invalid, NotFound
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.pagination import Page
from fairlx.core.ratelimit import Preset
from fairlx.middleware.rate_limit import spend_budget
from fairlx.orgs.audit import OrgAction, record_org_audit
from fairlx.orgs.models import (
    ORG_ROLE_RANK,
    Department,
    DepartmentMember,
    DepartmentPermission,
    MemberStatus,
    Organization,
    OrgAuditEntry,
    OrgMember,
    OrgMemberPermission,
    OrgRole,
)
from fairlx.programs.models import ProgramMember
from fairlx.projects.models import ProjectGrant, ProjectMember, ProjectTeamMember
from fairlx.rbac.access import OrgAccess
from fairlx.rbac.permissions import DEPARTMENT_KEYS, ORG_OWNER_KEYS, Permission
from fairlx.rbac.resolver import org_access, org_access_changed, workspace_access_changed
from fairlx.spaces.models import SpaceMember
from fairlx.web.mail import queue_templated_mail
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember

RESTORE_WINDOW = timedelta(days=30)
DEFAULT_PAGE = 50
TEMPORARY_PASSWORD_LENGTH = 16
# letters and digits, without those easily mistaken for one another
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105
GRANTABLE = frozenset(permission.value for permission in DEPARTMENT_KEYS)
# Everything a member holds inside the organization's workspaces, keyed by user and workspace.
WORKSPACE_MEMBERSHIPS: tuple[Any, ...] = (
    WorkspaceMember,
    SpaceMember,
    ProjectMember,
    ProjectTeamMember,
    ProjectGrant,
    ProgramMember,
)

Row = TypeVar("Row")
Columns = TypeVarTuple("Columns")


# --- pages of rows ------------------------------------------------------------------------------


def encode_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    raw = f"{moment.astimezone(UTC).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment_text, id_text = raw.split("|")
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, uuid.UUID(id_text)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise Invalid(
            "cursor_invalid", field="cursor", detail="This cursor is not valid; start again from the first page."
        ) from error


def _paged(
    query: Select[*Columns],
    moment_column: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[uuid.UUID],
    *,
    limit: int | None,
    cursor: str | None,
    newest_first: bool = False,
) -> Select[*Columns]:
    if cursor:
        moment, row_id = decode_cursor(cursor)
        if newest_first:
            after: ColumnElement[bool] = or_(moment_column < moment, and_(moment_column == moment, id_column < row_id))
        else:
            after = or_(moment_column > moment, and_(moment_column == moment, id_column > row_id))
        query = query.where(after)
    if newest_first:
        query = query.order_by(moment_column.desc(), id_column.desc())
    else:
        query = query.order_by(moment_column, id_column)
    return query if limit is None else query.limit(limit + 1)


def _page_of(rows: Sequence[Row], limit: int | None, key: Callable[[Row], tuple[datetime, uuid.UUID]]) -> Page[Row]:
    items = list(rows)
    if limit is None or len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    return Page(items, encode_cursor(*key(items[-1])))


# --- who may do what --------------------------------------------------------------------------


async def _access(db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization) -> OrgAccess:
    return await org_access(db, infra.cache, actor.user_id, org.id)


async def viewer_access(db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization) -> OrgAccess:
    """The actor's role and keys in the organization (pages show only what they may use). Read it before
    changing anything in the same transaction."""
    return await _access(db, infra, actor, org)


def _role(access: OrgAccess) -> OrgRole:
    if access.role is None:
        raise Forbidden("permission_denied", "You are not an active member of this organization.")
    return access.role


def _check_assignable(actor_role: OrgRole, role: OrgRole) -> None:
    if role == OrgRole.OWNER and actor_role != OrgRole.OWNER:
        raise Forbidden("owner_only", "Only an owner can make someone an owner.")
    if ORG_ROLE_RANK[role] > ORG_ROLE_RANK[actor_role]:
        raise Forbidden("role_above_yours", f"You cannot give a role above your own ({actor_role.value}).")


def _check_manageable(actor_role: OrgRole, target: OrgMember) -> None:
    if target.role is OrgRole.OWNER and actor_role is not OrgRole.OWNER:
        raise Forbidden("owner_only", "Only an owner can change or remove an owner.")
    if ORG_ROLE_RANK[target.role] > ORG_ROLE_RANK[actor_role]:
        raise Forbidden("role_above_yours", "You cannot change a member whose role is above yours.")


def _check_grantable(access: OrgAccess, keys: Iterable[str]) -> None:
    """A non-owner hands out only keys they hold themselves."""
    if access.role is OrgRole.OWNER:
        return
    missing = sorted(set(keys) - {key.value for key in access.keys})
    if missing:
        raise Forbidden(
            "beyond_your_permissions",
            f"You cannot hand out permissions you do not hold yourself: {', '.join(missing)}.",
            extra={"permissions": missing},
        )


def _grantable_keys(keys: Iterable[str]) -> set[str]:
    chosen = set()
    for key in keys:
        if key not in GRANTABLE:
            raise Invalid(
                "unknown_permission",
                field="permissions",
                detail=f"“{key}” cannot be granted; choose from {', '.join(sorted(GRANTABLE))}.",
            )
        chosen.add(key)
    return chosen


async def _active_owners(db: AsyncSession, organization_id: uuid.UUID) -> int:
    await db.flush()
    count = await db.scalar(
        select(func.count())
        .select_from(OrgMember)
        .join(User, User.id == OrgMember.user_id)
        .where(
            OrgMember.organization_id == organization_id,
            OrgMember.role == OrgRole.OWNER,
            OrgMember.status == MemberStatus.ACTIVE,
            User.deleted_at.is_(None),
        )
    )
    return int(count or 0)


async def _serialize_ownership(db: AsyncSession, organization_ids: Select[uuid.UUID] | list[uuid.UUID]) -> None:
    """Changes that could leave an organization without an owner take its row lock first, so two of
    them (two owners stepping down at once) run one after the other and the second sees the first.
    SQLite serializes writers already; PostgreSQL needs the lock."""
    await db.execute(select(Organization.id).where(Organization.id.in_(organization_ids)).with_for_update())


async def _ensure_an_owner_remains(db: AsyncSession, org: Organization) -> None:
    if await _active_owners(db, org.id) == 0:
        raise Conflict(
            "last_owner",
            detail=f"{org.name} needs at least one active owner: make someone else an owner first.",
        )


# --- organizations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationView:
    organization: Organization
    role: OrgRole | None
    permissions: frozenset[Permission]
    member_count: int


@dataclass(frozen=True)
class MyOrganization:
    organization: Organization
    role: OrgRole


async def create_organization(
    db: AsyncSession, infra: Infrastructure, actor: Actor, *, name: str, size: str | None, client: ClientInfo
) -> Organization:
    """A new organization with `actor` as its OWNER (any signed-in user may create one, a few a minute)."""
    await spend_budget(infra.rate_limiter, Preset.ORG_CREATE, f"account:{actor.user_id}")
    return await _new_organization(db, infra, actor.user_id, name=name, size=size, client=client)


async def _new_organization(
    db: AsyncSession, infra: Infrastructure, user_id: uuid.UUID, *, name: str, size: str | None, client: ClientInfo
) -> Organization:
    org = Organization(name=name.strip(), size=size, created_by=user_id, settings={})
    db.add(org)
    await db.flush()
    now = utcnow()
    db.add(
        OrgMember(
            organization_id=org.id, user_id=user_id, role=OrgRole.OWNER, status=MemberStatus.ACTIVE, joined_at=now
        )
    )
    record_org_audit(
        db,
        org.id,
        OrgAction.ORGANIZATION_CREATED,
        actor_id=user_id,
        client=client,
        target_type="organization",
        target_id=org.id,
        target_name=org.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)
    return org


async def list_organizations(
    db: AsyncSession, actor: Actor, *, limit: int = DEFAULT_PAGE, cursor: str | None = None
) -> Page[MyOrganization]:
    """The live organizations the actor is an active member of, oldest first."""
    query = (
        select(Organization, OrgMember.role)
        .join(OrgMember, OrgMember.organization_id == Organization.id)
        .where(
            OrgMember.user_id == actor.user_id,
            OrgMember.status == MemberStatus.ACTIVE,
            Organization.deleted_at.is_(None),
        )
    )
    query = _paged(query, Organization.created_at, Organization.id, limit=limit, cursor=cursor)
    rows = [MyOrganization(org, role) for org, role in (await db.execute(query)).all()]
    return _page_of(rows, limit, lambda row: (row.organization.created_at, row.organization.id))


async def list_restorable(db: AsyncSession, actor: Actor) -> list[Organization]:
    """Organizations deleted in the last 30 days that the actor may restore."""
    owner_of = select(OrgMember.organization_id).where(
        OrgMember.user_id == actor.user_id, OrgMember.role == OrgRole.OWNER
    )
    query = (
        select(Organization)
        .where(
            Organization.deleted_at.is_not(None),
            Organization.deleted_at > utcnow() - RESTORE_WINDOW,
            or_(Organization.id.in_(owner_of), Organization.deleted_by == actor.user_id),
        )
        .order_by(Organization.deleted_at.desc())
        .limit(50)
    )
    return list(await db.scalars(query))


def restorable_until(org: Organization) -> datetime:
    assert org.deleted_at is not None
    return org.deleted_at + RESTORE_WINDOW


def new_owner_view(org: Organization) -> OrganizationView:
    """What the creator of a new organization holds in it."""
    return OrganizationView(org, OrgRole.OWNER, ORG_OWNER_KEYS, 1)


async def organization_view(
    db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization
) -> OrganizationView:
    access = await _access(db, infra, actor, org)
    count = await db.scalar(
        select(func.count())
        .select_from(OrgMember)
        .join(User, User.id == OrgMember.user_id)
        .where(OrgMember.organization_id == org.id, User.deleted_at.is_(None))
    )
    return OrganizationView(org, access.role, access.keys, int(count or 0))


async def update_organization(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    changes: dict[str, Any],
    client: ClientInfo,
) -> Organization:
    """Rename, resize or replace the settings; only the keys present in `changes` change."""
    name = changes.get("name")
    if name is not None and name != org.name:
        record_org_audit(
            db,
            org.id,
            OrgAction.ORGANIZATION_RENAMED,
            actor_id=actor.user_id,
            client=client,
            target_type="organization",
            target_id=org.id,
            target_name=name,
            previous_name=org.name,
        )
        org.name = name
    if "size" in changes:
        org.size = changes["size"]
    if changes.get("settings") is not None:
        org.settings = dict(changes["settings"])
    await db.flush()
    return org


async def delete_organization(
    db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization, client: ClientInfo
) -> None:
    """Soft delete: the organization and its workspaces disappear for everyone at once; an owner can
    restore it within 30 days."""
    org.deleted_at = utcnow()
    org.deleted_by = actor.user_id
    record_org_audit(
        db,
        org.id,
        OrgAction.ORGANIZATION_DELETED,
        actor_id=actor.user_id,
        client=client,
        target_type="organization",
        target_id=org.id,
        target_name=org.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)


async def restore_organization(
    db: AsyncSession, infra: Infrastructure, actor: Actor, organization_id: uuid.UUID, client: ClientInfo
) -> Organization:
    """Bring back a deleted organization: for the owner who deleted it or any of its owners, within 30
    days. To anyone else a deleted organization does not exist."""
    org = await db.get(Organization, organization_id)
    hidden = NotFound("org_not_found", "No such organization, or it is not shared with you.")
    if org is None:
        raise hidden
    owner = await db.scalar(
        select(OrgMember.id).where(
            OrgMember.organization_id == org.id,
            OrgMember.user_id == actor.user_id,
            OrgMember.role == OrgRole.OWNER,
        )
    )
    if org.deleted_at is None:
        member = await db.scalar(
            select(OrgMember.id).where(
                OrgMember.organization_id == org.id,
                OrgMember.user_id == actor.user_id,
                OrgMember.status == MemberStatus.ACTIVE,
            )
        )
        if member is None:
            raise hidden
        raise Conflict("not_deleted", detail=f"{org.name} is not deleted.")
    if owner is None and org.deleted_by != actor.user_id:
        raise hidden
    if utcnow() > restorable_until(org):
        raise Conflict(
            "restore_window_closed",
            detail=f"{org.name} was deleted more than {RESTORE_WINDOW.days} days ago and can no longer be restored.",
        )
    org.deleted_at = None
    org.deleted_by = None
    record_org_audit(
        db,
        org.id,
        OrgAction.ORGANIZATION_RESTORED,
        actor_id=actor.user_id,
        client=client,
        target_type="organization",
        target_id=org.id,
        target_name=org.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)
    return org


async def convert_personal_account(
    db: AsyncSession, infra: Infrastructure, actor: Actor, *, name: str, client: ClientInfo
) -> Organization:
    """Turn a personal account into an organization account, in one transaction: a new organization
    owned by the user, the account type switched, and the user's personal workspaces moved under the
    organization (their invite codes stop working; their members stay)."""
    user = await db.get(User, actor.user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("user_not_found", "This account no longer exists.")
    if user.account_type is not AccountType.PERSONAL:
        raise Conflict(
            "not_personal",
            detail="Only a personal account can be converted; this account is not a personal one.",
        )
    await spend_budget(infra.rate_limiter, Preset.ORG_CREATE, f"account:{actor.user_id}")
    org = await _new_organization(db, infra, user.id, name=name, size=None, client=client)
    user.account_type = AccountType.ORG
    sessions.forget_user(db, infra.cache, user.id)
    workspaces = list(
        await db.scalars(
            select(Workspace).where(Workspace.kind == WorkspaceKind.PERSONAL, Workspace.created_by == user.id)
        )
    )
    for workspace in workspaces:
        workspace.kind = WorkspaceKind.ORGANIZATION
        workspace.organization_id = org.id
        workspace.invite_code = None
        workspace_access_changed(db, infra.cache, workspace.id)
    record_org_audit(
        db,
        org.id,
        OrgAction.ACCOUNT_CONVERTED,
        actor_id=user.id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        workspaces=[str(workspace.id) for workspace in workspaces],
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)
    return org


# --- members ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: OrgMember
    user: User
    departments: list[Department]


async def list_members(
    db: AsyncSession, org: Organization, *, limit: int | None = DEFAULT_PAGE, cursor: str | None = None
) -> Page[MemberRow]:
    """Members with their accounts and departments, in the order they joined: two statements a page."""
    query = (
        select(OrgMember, User)
        .join(User, User.id == OrgMember.user_id)
        .where(OrgMember.organization_id == org.id, User.deleted_at.is_(None))
    )
    query = _paged(query, OrgMember.created_at, OrgMember.id, limit=limit, cursor=cursor)
    pairs = list((await db.execute(query)).all())
    page = _page_of(pairs, limit, lambda pair: (pair[0].created_at, pair[0].id))
    departments = await _departments_of(db, org.id, [member.user_id for member, _ in page.items])
    rows = [MemberRow(member, user, departments.get(user.id, [])) for member, user in page.items]
    return Page(rows, page.next_cursor)


async def _departments_of(
    db: AsyncSession, organization_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Department]]:
    found: defaultdict[uuid.UUID, list[Department]] = defaultdict(list)
    if not user_ids:
        return found
    query = (
        select(DepartmentMember.user_id, Department)
        .join(Department, Department.id == DepartmentMember.department_id)
        .where(DepartmentMember.organization_id == organization_id, DepartmentMember.user_id.in_(user_ids))
        .order_by(Department.name)
    )
    for user_id, department in (await db.execute(query)).all():
        found[user_id].append(department)
    return found


async def member_row(db: AsyncSession, org: Organization, user_id: uuid.UUID) -> MemberRow:
    member, user = await _member_with_user(db, org, user_id)
    departments = await _departments_of(db, org.id, [user_id])
    return MemberRow(member, user, departments.get(user_id, []))


async def _member_with_user(
    db: AsyncSession, org: Organization, user_id: uuid.UUID, field: str | None = None
) -> tuple[OrgMember, User]:
    found = (
        await db.execute(
            select(OrgMember, User)
            .join(User, User.id == OrgMember.user_id)
            .where(OrgMember.organization_id == org.id, OrgMember.user_id == user_id, User.deleted_at.is_(None))
        )
    ).first()
    if found is None:
        raise NotFound("member_not_found", field=field, detail=f"This person is not a member of {org.name}.")
    return found[0], found[1]


async def add_existing_member(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    email: str,
    role: OrgRole,
    client: ClientInfo,
) -> MemberRow:
    """Add someone who already has an account, by address. This tells the caller (who may manage
    members) whether the address has an account; creating the member instead would tell them too, so
    nothing more is revealed than the product must, and only to the organization's administrators."""
    access = await _access(db, infra, actor, org)
    _check_assignable(_role(access), role)
    user = await user_by_email(db, email)
    if user is None:
        raise NotFound(
            "user_not_found",
            field="email",
            detail="No account uses this address; create the member's account instead.",
        )
    existing = await db.scalar(
        select(OrgMember.id).where(OrgMember.organization_id == org.id, OrgMember.user_id == user.id)
    )
    if existing is not None:
        raise Conflict("already_member", field="email", detail=f"{user.email} is already a member of {org.name}.")
    now = utcnow()
    member = OrgMember(organization_id=org.id, user_id=user.id, role=role, status=MemberStatus.ACTIVE, joined_at=now)
    db.add(member)
    record_org_audit(
        db,
        org.id,
        OrgAction.MEMBER_ADDED,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        email=user.email,
        role=role.value,
    )
    await queue_templated_mail(
        db,
        to=user.email,
        subject=f"You were added to {org.name}",
        template="orgs/mail/member_added",
        context={
            "name": user.name,
            "organization": org.name,
            "inviter": actor.user.name,
            "role": role.value.title(),
            "link": link(infra, "/orgs"),
        },
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return MemberRow(member, user, [])


def temporary_password() -> str:
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


async def create_member_account(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    name: str,
    email: str,
    role: OrgRole,
    client: ClientInfo,
) -> MemberRow:
    """Create the account for a new member: verified address, a temporary password they must replace,
    membership INVITED until they open the first-login link mailed to them (valid 24 hours)."""
    access = await _access(db, infra, actor, org)
    _check_assignable(_role(access), role)
    address = normalize_email(email)
    if await db.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict(
            "email_taken",
            field="email",
            detail="An account already uses this address: add it as an existing user instead.",
        )
    now = utcnow()
    password = temporary_password()
    user = User(
        email=address,
        name=name.strip(),
        password_hash=infra.passwords.hash(password),
        password_changed_at=now,
        email_verified_at=now,
        must_reset_password=True,
        account_type=AccountType.ORG,
        onboarded_at=now,
    )
    db.add(user)
    await db.flush()
    member = OrgMember(organization_id=org.id, user_id=user.id, role=role, status=MemberStatus.INVITED, invited_at=now)
    db.add(member)
    record_event(db, AuthEventKind.REGISTERED, user.id, client, created_by=str(actor.user_id), organization=str(org.id))
    record_org_audit(
        db,
        org.id,
        OrgAction.MEMBER_CREATED,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        email=user.email,
        role=role.value,
    )
    await _send_welcome(db, infra, actor, org, user, password=password, client=client)
    await db.flush()
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return MemberRow(member, user, [])


async def _send_welcome(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    user: User,
    *,
    password: str,
    client: ClientInfo,
    resent: bool = False,
) -> None:
    token = await onetime.issue(db, user.id, TokenPurpose.FIRST_LOGIN, client)
    record_org_audit(
        db,
        org.id,
        OrgAction.FIRST_LOGIN_TOKEN_CREATED,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        resent=resent,
    )
    await queue_templated_mail(
        db,
        to=user.email,
        subject=f"Welcome to {org.name}!",
        template="orgs/mail/welcome",
        context={
            "name": user.name,
            "organization": org.name,
            "inviter": actor.user.name,
            "email": user.email,
            "temporary_password": password,
            "link": link(infra, f"/first-login?token={token}"),
            "sign_in_link": link(infra, "/sign-in"),
        },
    )


async def resend_welcome(
    db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization, user_id: uuid.UUID, *, client: ClientInfo
) -> None:
    """A fresh temporary password and first-login link for a member who has not signed in yet. Once
    they have (their membership is active or they chose their own password), their password is theirs
    alone: an administrator can never reset it."""
    member, user = await _member_with_user(db, org, user_id)
    _check_manageable(_role(await _access(db, infra, actor, org)), member)
    if member.status is not MemberStatus.INVITED or not user.must_reset_password:
        raise Conflict(
            "already_signed_in",
            detail=f"{user.name} has already signed in; they can reset their own password from the sign-in page.",
        )
    password = temporary_password()
    user.password_hash = infra.passwords.hash(password)
    user.password_changed_at = utcnow()
    await sessions.end_sessions(db, infra.cache, user.id)
    sessions.forget_user(db, infra.cache, user.id)
    await _send_welcome(db, infra, actor, org, user, password=password, client=client, resent=True)


async def first_login(db: AsyncSession, infra: Infrastructure, token: str, client: ClientInfo) -> SignInOutcome:
    """Open the first-login link: sign the new member in (they then choose their own password) and
    make their invited memberships active."""
    used = await onetime.consume(db, token, TokenPurpose.FIRST_LOGIN)
    user = await db.get(User, used.user_id)
    if user is None or user.deleted_at is not None:
        raise Invalid("token_invalid", field="token", detail="This link or code is not valid.")
    invited = list(
        (
            await db.execute(
                select(OrgMember, Organization)
                .join(Organization, Organization.id == OrgMember.organization_id)
                .where(OrgMember.user_id == user.id, OrgMember.status == MemberStatus.INVITED)
            )
        ).all()
    )
    now = utcnow()
    for member, org in invited:
        member.status = MemberStatus.ACTIVE
        member.joined_at = now
        for action in (OrgAction.FIRST_LOGIN_TOKEN_USED, OrgAction.MEMBER_ACTIVATED):
            record_org_audit(
                db,
                org.id,
                action,
                actor_id=user.id,
                client=client,
                target_type="user",
                target_id=user.id,
                target_name=user.name,
            )
        await db.flush()
        await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return await begin_sign_in(db, infra, user, SignInMethod.MAGIC_LINK, client)


async def update_member(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    user_id: uuid.UUID,
    *,
    role: OrgRole | None,
    status: MemberStatus | None,
    client: ClientInfo,
) -> MemberRow:
    await _serialize_ownership(db, [org.id])
    member, user = await _member_with_user(db, org, user_id)
    actor_role = _role(await _access(db, infra, actor, org))
    _check_manageable(actor_role, member)
    if role is not None and role != member.role:
        _check_assignable(actor_role, role)
        _audit_member(
            db, org, actor, user, OrgAction.MEMBER_ROLE_CHANGED, client=client, before=member.role, after=role
        )
        member.role = role
    if status is not None and status != member.status:
        if status == MemberStatus.INVITED:
            raise Invalid("status_invalid", field="status", detail="A member can be made active or suspended.")
        action = OrgAction.MEMBER_SUSPENDED if status == MemberStatus.SUSPENDED else OrgAction.MEMBER_ACTIVATED
        _audit_member(db, org, actor, user, action, client=client, before=member.status, after=status)
        member.status = status
        member.joined_at = member.joined_at or (utcnow() if status == MemberStatus.ACTIVE else None)
    await _ensure_an_owner_remains(db, org)
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return MemberRow(member, user, (await _departments_of(db, org.id, [user.id])).get(user.id, []))


def _audit_member(
    db: AsyncSession,
    org: Organization,
    actor: Actor,
    user: User,
    action: OrgAction,
    *,
    client: ClientInfo,
    **detail: Any,
) -> None:
    record_org_audit(
        db,
        org.id,
        action,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        email=user.email,
        **{key: value.value if hasattr(value, "value") else value for key, value in detail.items()},
    )


async def remove_member(
    db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization, user_id: uuid.UUID, *, client: ClientInfo
) -> None:
    """Remove a member (needs org.members.manage), or leave (anyone, for themselves); the last active
    owner can do neither."""
    await _serialize_ownership(db, [org.id])
    member, user = await _member_with_user(db, org, user_id)
    leaving = user_id == actor.user_id
    if not leaving:
        access = await _access(db, infra, actor, org)
        if Permission.ORG_MEMBERS_MANAGE not in access.keys:
            raise Forbidden(
                "permission_denied",
                f"Your role does not allow this (it needs {Permission.ORG_MEMBERS_MANAGE.value}).",
                extra={"permission": Permission.ORG_MEMBERS_MANAGE.value},
            )
        _check_manageable(_role(access), member)
    await _remove_membership(db, org, member)
    await _ensure_an_owner_remains(db, org)
    _audit_member(db, org, actor, user, OrgAction.MEMBER_LEFT if leaving else OrgAction.MEMBER_REMOVED, client=client)
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)


async def _remove_membership(db: AsyncSession, org: Organization, member: OrgMember) -> None:
    in_org_workspaces = select(Workspace.id).where(Workspace.organization_id == org.id)
    for model in WORKSPACE_MEMBERSHIPS:
        await db.execute(
            delete(model)
            .where(model.user_id == member.user_id, model.workspace_id.in_(in_org_workspaces))
            .execution_options(synchronize_session=False)
        )
    for model in (DepartmentMember, OrgMemberPermission):
        await db.execute(
            delete(model)
            .where(model.organization_id == org.id, model.user_id == member.user_id)
            .execution_options(synchronize_session=False)
        )
    await db.delete(member)


async def _members_for_bulk(
    db: AsyncSession, org: Organization, user_ids: list[uuid.UUID]
) -> list[tuple[OrgMember, User]]:
    await _serialize_ownership(db, [org.id])
    wanted = list(dict.fromkeys(user_ids))
    found: list[tuple[OrgMember, User]] = [
        (member, user)
        for member, user in (
            await db.execute(
                select(OrgMember, User)
                .join(User, User.id == OrgMember.user_id)
                .where(
                    OrgMember.organization_id == org.id,
                    OrgMember.user_id.in_(wanted),
                    User.deleted_at.is_(None),
                )
            )
        ).all()
    ]
    missing = set(wanted) - {member.user_id for member, _ in found}
    if missing:
        raise Invalid(
            "not_members",
            field="user_ids",
            detail=f"Not members of {org.name}: {', '.join(sorted(str(each) for each in missing))}.",
        )
    return found


async def bulk_update_role(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    user_ids: list[uuid.UUID],
    role: OrgRole,
    client: ClientInfo,
) -> int:
    """Give every listed member `role`, or change nobody if any of them cannot be changed."""
    found = await _members_for_bulk(db, org, user_ids)
    actor_role = _role(await _access(db, infra, actor, org))
    _check_assignable(actor_role, role)
    for member, _ in found:
        _check_manageable(actor_role, member)
    changed = 0
    for member, user in found:
        if member.role != role:
            _audit_member(
                db, org, actor, user, OrgAction.MEMBER_ROLE_CHANGED, client=client, before=member.role, after=role
            )
            member.role = role
            changed += 1
    await _ensure_an_owner_remains(db, org)
    await org_access_changed(db, infra.cache, org.id)
    return changed


async def bulk_remove(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    user_ids: list[uuid.UUID],
    client: ClientInfo,
) -> int:
    """Remove every listed member, or nobody if any of them cannot be removed."""
    found = await _members_for_bulk(db, org, user_ids)
    actor_role = _role(await _access(db, infra, actor, org))
    for member, _ in found:
        _check_manageable(actor_role, member)
    for member, user in found:
        await _remove_membership(db, org, member)
        action = OrgAction.MEMBER_LEFT if user.id == actor.user_id else OrgAction.MEMBER_REMOVED
        _audit_member(db, org, actor, user, action, client=client)
    await _ensure_an_owner_remains(db, org)
    await org_access_changed(db, infra.cache, org.id)
    return len(found)


async def member_permissions(db: AsyncSession, org: Organization, user_id: uuid.UUID) -> list[str]:
    await _member_with_user(db, org, user_id)
    return await _direct_grants(db, org.id, user_id)


async def _direct_grants(db: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> list[str]:
    query = select(OrgMemberPermission.permission).where(
        OrgMemberPermission.organization_id == organization_id, OrgMemberPermission.user_id == user_id
    )
    return sorted(await db.scalars(query))


async def department_keys_of(db: AsyncSession, org: Organization, user_id: uuid.UUID) -> list[str]:
    """The keys a member holds through their departments."""
    query = (
        select(DepartmentPermission.permission)
        .join(DepartmentMember, DepartmentMember.department_id == DepartmentPermission.department_id)
        .where(DepartmentMember.organization_id == org.id, DepartmentMember.user_id == user_id)
        .distinct()
    )
    return sorted(await db.scalars(query))


async def grants_by_member(db: AsyncSession, org: Organization) -> dict[uuid.UUID, list[str]]:
    found: defaultdict[uuid.UUID, list[str]] = defaultdict(list)
    query = (
        select(OrgMemberPermission.user_id, OrgMemberPermission.permission)
        .where(OrgMemberPermission.organization_id == org.id)
        .order_by(OrgMemberPermission.permission)
    )
    for user_id, key in (await db.execute(query)).all():
        found[user_id].append(key)
    return found


async def set_member_permissions(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    user_id: uuid.UUID,
    *,
    keys: list[str],
    client: ClientInfo,
) -> list[str]:
    """Replace a member's explicit grants (on top of what their departments give)."""
    wanted = _grantable_keys(keys)
    member, user = await _member_with_user(db, org, user_id)
    access = await _access(db, infra, actor, org)
    _check_manageable(_role(access), member)
    current = set(await _direct_grants(db, org.id, user_id))
    added, removed = wanted - current, current - wanted
    _check_grantable(access, added)
    if removed:
        await db.execute(
            delete(OrgMemberPermission).where(
                OrgMemberPermission.organization_id == org.id,
                OrgMemberPermission.user_id == user_id,
                OrgMemberPermission.permission.in_(removed),
            )
        )
    now = utcnow()
    db.add_all(
        OrgMemberPermission(
            organization_id=org.id, user_id=user_id, permission=key, granted_by=actor.user_id, granted_at=now
        )
        for key in sorted(added)
    )
    _audit_grants(
        db,
        org,
        actor,
        client=client,
        added=added,
        removed=removed,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return sorted(wanted)


def _audit_grants(
    db: AsyncSession,
    org: Organization,
    actor: Actor,
    *,
    client: ClientInfo,
    added: set[str],
    removed: set[str],
    target_type: str,
    target_id: uuid.UUID,
    target_name: str,
) -> None:
    for action, keys in ((OrgAction.PERMISSION_GRANTED, added), (OrgAction.PERMISSION_REVOKED, removed)):
        if keys:
            record_org_audit(
                db,
                org.id,
                action,
                actor_id=actor.user_id,
                client=client,
                target_type=target_type,
                target_id=target_id,
                target_name=target_name,
                permissions=sorted(keys),
            )


# --- departments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    member_count: int
    permissions: list[str]


async def list_departments(
    db: AsyncSession, org: Organization, *, limit: int | None = DEFAULT_PAGE, cursor: str | None = None
) -> Page[DepartmentRow]:
    """Departments with their member counts and keys, oldest first: three statements a page."""
    query = _paged(
        select(Department).where(Department.organization_id == org.id),
        Department.created_at,
        Department.id,
        limit=limit,
        cursor=cursor,
    )
    page = _page_of(list(await db.scalars(query)), limit, lambda row: (row.created_at, row.id))
    ids = [department.id for department in page.items]
    counts: dict[uuid.UUID, int] = {}
    keys: defaultdict[uuid.UUID, list[str]] = defaultdict(list)
    if ids:
        counted = await db.execute(
            select(DepartmentMember.department_id, func.count())
            .join(User, User.id == DepartmentMember.user_id)
            .where(DepartmentMember.department_id.in_(ids), User.deleted_at.is_(None))
            .group_by(DepartmentMember.department_id)
        )
        counts = {department_id: int(count) for department_id, count in counted.all()}
        granted = await db.execute(
            select(DepartmentPermission.department_id, DepartmentPermission.permission)
            .where(DepartmentPermission.department_id.in_(ids))
            .order_by(DepartmentPermission.permission)
        )
        for department_id, key in granted.all():
            keys[department_id].append(key)
    rows = [DepartmentRow(each, counts.get(each.id, 0), keys.get(each.id, [])) for each in page.items]
    return Page(rows, page.next_cursor)


async def department_row(db: AsyncSession, org: Organization, department_id: uuid.UUID) -> DepartmentRow:
    department = await get_department(db, org, department_id)
    count = await db.scalar(
        select(func.count())
        .select_from(DepartmentMember)
        .join(User, User.id == DepartmentMember.user_id)
        .where(DepartmentMember.department_id == department.id, User.deleted_at.is_(None))
    )
    return DepartmentRow(department, int(count or 0), await department_permissions(db, department))


async def get_department(
    db: AsyncSession, org: Organization, department_id: uuid.UUID, *, field: str | None = None
) -> Department:
    department = await db.get(Department, department_id)
    if department is None or department.organization_id != org.id:
        if field is not None:
            raise Invalid("department_invalid", field=field, detail=f"No such department in {org.name}.")
        raise NotFound("department_not_found", f"No such department in {org.name}.")
    return department


async def _check_name_free(db: AsyncSession, org: Organization, name: str, except_id: uuid.UUID | None = None) -> None:
    query = select(Department.id).where(
        Department.organization_id == org.id, func.lower(Department.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Department.id != except_id)
    if await db.scalar(query) is not None:
        raise Conflict("department_exists", field="name", detail=f"{org.name} already has a department named {name}.")


async def create_department(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    *,
    name: str,
    description: str | None,
    color: str | None,
    parent_id: uuid.UUID | None,
    client: ClientInfo,
) -> Department:
    await _check_name_free(db, org, name)
    if parent_id is not None:
        await get_department(db, org, parent_id, field="parent_id")
    department = Department(
        organization_id=org.id, name=name, description=description or None, color=color, parent_id=parent_id
    )
    db.add(department)
    await db.flush()
    _audit_department(db, org, actor, department, OrgAction.DEPARTMENT_CREATED, client=client)
    await org_access_changed(db, infra.cache, org.id)
    return department


def _audit_department(
    db: AsyncSession,
    org: Organization,
    actor: Actor,
    department: Department,
    action: OrgAction,
    *,
    client: ClientInfo,
    **detail: Any,
) -> None:
    record_org_audit(
        db,
        org.id,
        action,
        actor_id=actor.user_id,
        client=client,
        target_type="department",
        target_id=department.id,
        target_name=department.name,
        **detail,
    )


async def update_department(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    department: Department,
    *,
    changes: dict[str, Any],
    client: ClientInfo,
) -> Department:
    """Change the fields present in `changes`; a new parent must be in the same organization and not
    inside the department itself."""
    if changes.get("name") is not None and changes["name"] != department.name:
        await _check_name_free(db, org, changes["name"], except_id=department.id)
        department.name = changes["name"]
    if "description" in changes:
        department.description = changes["description"] or None
    if "color" in changes:
        department.color = changes["color"]
    if "parent_id" in changes:
        parent_id = changes["parent_id"]
        if parent_id is not None:
            await get_department(db, org, parent_id, field="parent_id")
            await _check_no_cycle(db, org, department.id, parent_id)
        department.parent_id = parent_id
    changed = sorted(key for key in changes if key in {"name", "description", "color", "parent_id"})
    _audit_department(db, org, actor, department, OrgAction.DEPARTMENT_UPDATED, client=client, changed=changed)
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)
    return department


async def _check_no_cycle(db: AsyncSession, org: Organization, department_id: uuid.UUID, parent_id: uuid.UUID) -> None:
    parents = dict(
        (
            await db.execute(select(Department.id, Department.parent_id).where(Department.organization_id == org.id))
        ).all()
    )
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = parent_id
    while current is not None and current not in seen:
        if current == department_id:
            raise Invalid(
                "parent_cycle",
                field="parent_id",
                detail="A department cannot sit inside itself or one of its own sub-departments.",
            )
        seen.add(current)
        current = parents.get(current)


async def delete_department(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    department: Department,
    *,
    client: ClientInfo,
) -> None:
    """Delete a department: its members lose what it granted, its sub-departments move up a level."""
    await db.execute(
        update(Department)
        .where(Department.organization_id == org.id, Department.parent_id == department.id)
        .values(parent_id=department.parent_id)
        .execution_options(synchronize_session=False)
    )
    for model in (DepartmentMember, DepartmentPermission):
        await db.execute(
            delete(model).where(model.department_id == department.id).execution_options(synchronize_session=False)
        )
    _audit_department(db, org, actor, department, OrgAction.DEPARTMENT_DELETED, client=client)
    await db.delete(department)
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)


@dataclass(frozen=True)
class DepartmentMemberRow:
    membership: DepartmentMember
    user: User


async def list_department_members(
    db: AsyncSession,
    department: Department,
    *,
    limit: int | None = DEFAULT_PAGE,
    cursor: str | None = None,
) -> Page[DepartmentMemberRow]:
    query = (
        select(DepartmentMember, User)
        .join(User, User.id == DepartmentMember.user_id)
        .where(DepartmentMember.department_id == department.id, User.deleted_at.is_(None))
    )
    query = _paged(query, DepartmentMember.added_at, DepartmentMember.user_id, limit=limit, cursor=cursor)
    rows = [DepartmentMemberRow(membership, user) for membership, user in (await db.execute(query)).all()]
    return _page_of(rows, limit, lambda row: (row.membership.added_at, row.membership.user_id))


async def add_department_member(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    department: Department,
    *,
    user_id: uuid.UUID,
    client: ClientInfo,
) -> DepartmentMemberRow:
    """Put an organization member in a department. A non-owner may only do so when they hold every key
    the department grants (otherwise they could lend themselves its keys)."""
    try:
        _, user = await _member_with_user(db, org, user_id)
    except NotFound as error:
        raise Invalid(
            "not_member", field="user_id", detail=f"Only members of {org.name} can join its departments."
        ) from error
    _check_grantable(await _access(db, infra, actor, org), await department_permissions(db, department))
    existing = await db.scalar(
        select(DepartmentMember.user_id).where(
            DepartmentMember.department_id == department.id, DepartmentMember.user_id == user_id
        )
    )
    if existing is not None:
        raise Conflict("already_in_department", field="user_id", detail=f"{user.name} is already in {department.name}.")
    membership = DepartmentMember(
        department_id=department.id, user_id=user_id, organization_id=org.id, added_at=utcnow()
    )
    db.add(membership)
    record_org_audit(
        db,
        org.id,
        OrgAction.DEPARTMENT_MEMBER_ADDED,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        department_id=str(department.id),
        department=department.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)
    return DepartmentMemberRow(membership, user)


async def remove_department_member(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    department: Department,
    *,
    user_id: uuid.UUID,
    client: ClientInfo,
) -> None:
    found = (
        await db.execute(
            select(DepartmentMember, User)
            .join(User, User.id == DepartmentMember.user_id)
            .where(DepartmentMember.department_id == department.id, DepartmentMember.user_id == user_id)
        )
    ).first()
    if found is None:
        raise NotFound("department_member_not_found", f"This person is not in {department.name}.")
    membership, user = found
    await db.delete(membership)
    record_org_audit(
        db,
        org.id,
        OrgAction.DEPARTMENT_MEMBER_REMOVED,
        actor_id=actor.user_id,
        client=client,
        target_type="user",
        target_id=user.id,
        target_name=user.name,
        department_id=str(department.id),
        department=department.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id, user_id=user.id)


async def department_permissions(db: AsyncSession, department: Department) -> list[str]:
    query = select(DepartmentPermission.permission).where(DepartmentPermission.department_id == department.id)
    return sorted(await db.scalars(query))


async def set_department_permissions(
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    org: Organization,
    department: Department,
    *,
    keys: list[str],
    client: ClientInfo,
) -> list[str]:
    """Replace the keys a department grants its members."""
    wanted = _grantable_keys(keys)
    current = set(await department_permissions(db, department))
    added, removed = wanted - current, current - wanted
    _check_grantable(await _access(db, infra, actor, org), added)
    if removed:
        await db.execute(
            delete(DepartmentPermission).where(
                DepartmentPermission.department_id == department.id, DepartmentPermission.permission.in_(removed)
            )
        )
    now = utcnow()
    db.add_all(
        DepartmentPermission(
            department_id=department.id,
            permission=key,
            organization_id=org.id,
            granted_by=actor.user_id,
            granted_at=now,
        )
        for key in sorted(added)
    )
    _audit_grants(
        db,
        org,
        actor,
        client=client,
        added=added,
        removed=removed,
        target_type="department",
        target_id=department.id,
        target_name=department.name,
    )
    await db.flush()
    await org_access_changed(db, infra.cache, org.id)
    return sorted(wanted)


# --- audit log --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor_id: uuid.UUID | None = None
    target_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    entry: OrgAuditEntry
    actor: User | None


AUDIT_ACTIONS = frozenset(action.value for action in OrgAction)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def audit_log(
    db: AsyncSession,
    org: Organization,
    filters: AuditFilters,
    *,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> Page[AuditRow]:
    """The organization's audit trail, newest first, filtered: one statement a page."""
    if filters.action is not None and filters.action not in AUDIT_ACTIONS:
        raise Invalid("unknown_action", field="action", detail=f"“{filters.action}” is not an audited action.")
    since, until = _aware(filters.since), _aware(filters.until)
    if since is not None and until is not None and since > until:
        raise Invalid("range_invalid", field="until", detail="The end of the range comes before its start.")
    query = (
        select(OrgAuditEntry, User)
        .outerjoin(User, User.id == OrgAuditEntry.actor_id)
        .where(OrgAuditEntry.organization_id == org.id)
    )
    if filters.action is not None:
        query = query.where(OrgAuditEntry.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(OrgAuditEntry.actor_id == filters.actor_id)
    if filters.target_type is not None:
        query = query.where(OrgAuditEntry.target_type == filters.target_type)
    if since is not None:
        query = query.where(OrgAuditEntry.created_at >= since)
    if until is not None:
        query = query.where(OrgAuditEntry.created_at <= until)
    query = _paged(query, OrgAuditEntry.created_at, OrgAuditEntry.id, limit=limit, cursor=cursor, newest_first=True)
    rows = [AuditRow(entry, actor) for entry, actor in (await db.execute(query)).all()]
    return _page_of(rows, limit, lambda row: (row.entry.created_at, row.entry.id))


# --- account deletion -------------------------------------------------------------------------


async def last_owner_of(db: AsyncSession, user_id: uuid.UUID) -> str | None:
    """Why `user_id` may not delete their account: the live organizations they alone own."""
    owned = select(OrgMember.organization_id).where(
        OrgMember.user_id == user_id, OrgMember.role == OrgRole.OWNER, OrgMember.status == MemberStatus.ACTIVE
    )
    await _serialize_ownership(db, owned)
    co_owned = (
        select(OrgMember.organization_id)
        .join(User, User.id == OrgMember.user_id)
        .where(
            OrgMember.user_id != user_id,
            OrgMember.role == OrgRole.OWNER,
            OrgMember.status == MemberStatus.ACTIVE,
            User.deleted_at.is_(None),
        )
    )
    names = list(
        await db.scalars(
            select(Organization.name)
            .where(
                Organization.id.in_(owned),
                Organization.id.not_in(co_owned),
                Organization.deleted_at.is_(None),
            )
            .order_by(Organization.name)
        )
    )
    if not names:
        return None
    listed = ", ".join(names)
    return (
        f"You are the only owner of {listed}. Make someone else an owner, or delete the organization, "
        "before deleting your account."
    )


DELETION_GUARDS.append(last_owner_of)
