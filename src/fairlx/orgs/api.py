"""JSON routes of organizations under /api/v1/organizations: the organizations themselves, members,
departments, explicit grants and the audit log. Each route names the permission it needs; a deleted
organization is not found (except by its owners, to restore it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fairlx.auth.api import sign_in_answer
from fairlx.auth.schemas import SignedInOut, TwoFactorChallengeOut
from fairlx.core.pagination import CursorParam, Limit
from fairlx.dependencies import Client, Ctx, Db, Infra
from fairlx.orgs import service
from fairlx.orgs.models import Organization
from fairlx.orgs.schemas import (
    AuditActor,
    AuditEntryOut,
    AuditPage,
    BulkDeleteIn,
    BulkResult,
    BulkRoleIn,
    ConvertIn,
    DeletedOrganizationOut,
    DepartmentCreate,
    DepartmentMemberIn,
    DepartmentMemberOut,
    DepartmentMemberPage,
    DepartmentOut,
    DepartmentPage,
    DepartmentRef,
    DepartmentUpdate,
    MemberAdd,
    MemberCreate,
    MemberOut,
    MemberPage,
    MemberUpdate,
    OrganizationCreate,
    OrganizationOut,
    OrganizationPage,
    OrganizationSummary,
    OrganizationUpdate,
    PermissionsIn,
    PermissionsOut,
    TokenIn,
    member_avatar,
)
from fairlx.orgs.service import AuditFilters, AuditRow, DepartmentMemberRow, DepartmentRow, MemberRow, OrganizationView
from fairlx.rbac.guard import Anyone, Authorized
from fairlx.rbac.permissions import Permission

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"])

P = Permission
OrgViewer = Annotated[Organization, Authorized(P.ORG_VIEW, Organization, "organization_id")]
OrgSettings = Annotated[Organization, Authorized(P.ORG_SETTINGS_MANAGE, Organization, "organization_id")]
OrgOwner = Annotated[Organization, Authorized(P.ORG_DELETE, Organization, "organization_id")]
MembersViewer = Annotated[Organization, Authorized(P.ORG_MEMBERS_VIEW, Organization, "organization_id")]
MembersManager = Annotated[Organization, Authorized(P.ORG_MEMBERS_MANAGE, Organization, "organization_id")]
DepartmentsManager = Annotated[Organization, Authorized(P.ORG_DEPARTMENTS_MANAGE, Organization, "organization_id")]
AuditViewer = Annotated[Organization, Authorized(P.ORG_AUDIT_VIEW, Organization, "organization_id")]


def organization_out(view: OrganizationView) -> OrganizationOut:
    org = view.organization
    return OrganizationOut(
        id=org.id,
        name=org.name,
        size=org.size,
        settings=dict(org.settings or {}),
        created_at=org.created_at,
        role=view.role,
        permissions=sorted(view.permissions),
        member_count=view.member_count,
    )


def member_out(row: MemberRow) -> MemberOut:
    return MemberOut(
        user_id=row.user.id,
        name=row.user.name,
        email=row.user.email,
        avatar_url=member_avatar(row.user.id, row.user.avatar_key),
        role=row.member.role,
        status=row.member.status,
        departments=[DepartmentRef(id=each.id, name=each.name) for each in row.departments],
        invited_at=row.member.invited_at,
        joined_at=row.member.joined_at,
    )


def department_out(row: DepartmentRow) -> DepartmentOut:
    department = row.department
    return DepartmentOut(
        id=department.id,
        name=department.name,
        description=department.description,
        color=department.color,
        parent_id=department.parent_id,
        member_count=row.member_count,
        permissions=row.permissions,
        created_at=department.created_at,
    )


def department_member_out(row: DepartmentMemberRow) -> DepartmentMemberOut:
    return DepartmentMemberOut(
        user_id=row.user.id,
        name=row.user.name,
        email=row.user.email,
        avatar_url=member_avatar(row.user.id, row.user.avatar_key),
        added_at=row.membership.added_at,
    )


def audit_out(row: AuditRow) -> AuditEntryOut:
    entry = row.entry
    actor = None if row.actor is None else AuditActor(id=row.actor.id, name=row.actor.name, email=row.actor.email)
    return AuditEntryOut(
        id=entry.id,
        action=entry.action,
        actor=actor,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_name=entry.target_name,
        workspace_id=entry.workspace_id,
        detail=dict(entry.detail or {}),
        ip=entry.ip,
        created_at=entry.created_at,
    )


# --- organizations ------------------------------------------------------------------------------


@router.post("", status_code=201)
async def create_organization(body: OrganizationCreate, ctx: Ctx) -> OrganizationOut:
    org = await service.create_organization(
        ctx.db, ctx.infra, ctx.actor, name=body.name, size=body.size, client=ctx.client
    )
    return organization_out(service.new_owner_view(org))


@router.get("")
async def list_organizations(ctx: Ctx, limit: Limit = 50, cursor: CursorParam = None) -> OrganizationPage:
    page = await service.list_organizations(ctx.db, ctx.actor, limit=limit, cursor=cursor)
    items = [
        OrganizationSummary(
            id=row.organization.id,
            name=row.organization.name,
            size=row.organization.size,
            created_at=row.organization.created_at,
            role=row.role,
        )
        for row in page.items
    ]
    return OrganizationPage(items=items, next_cursor=page.next_cursor)


@router.get("/deleted")
async def list_restorable(ctx: Ctx) -> list[DeletedOrganizationOut]:
    """Organizations deleted in the last 30 days that the caller may still restore."""
    return [
        DeletedOrganizationOut(
            id=org.id,
            name=org.name,
            deleted_at=org.deleted_at,
            restorable_until=service.restorable_until(org),
        )
        for org in await service.list_restorable(ctx.db, ctx.actor)
        if org.deleted_at is not None
    ]


@router.post("/convert", status_code=201)
async def convert_personal_account(body: ConvertIn, ctx: Ctx) -> OrganizationOut:
    org = await service.convert_personal_account(ctx.db, ctx.infra, ctx.actor, name=body.name, client=ctx.client)
    return organization_out(service.new_owner_view(org))


@router.post("/first-login", dependencies=[Anyone])
async def first_login(
    body: TokenIn, db: Db, infra: Infra, client: Client, response: Response
) -> SignedInOut | TwoFactorChallengeOut:
    """Trade the first-login link mailed to a member created by an administrator for a session."""
    return sign_in_answer(infra, response, await service.first_login(db, infra, body.token, client))


@router.get("/{organization_id}")
async def get_organization(org: OrgViewer, ctx: Ctx) -> OrganizationOut:
    return organization_out(await service.organization_view(ctx.db, ctx.infra, ctx.actor, org))


@router.patch("/{organization_id}")
async def update_organization(org: OrgSettings, body: OrganizationUpdate, ctx: Ctx) -> OrganizationOut:
    changes = body.model_dump(include=body.model_fields_set)
    await service.update_organization(ctx.db, ctx.infra, ctx.actor, org, changes=changes, client=ctx.client)
    return organization_out(await service.organization_view(ctx.db, ctx.infra, ctx.actor, org))


@router.post("/{organization_id}/restore")
async def restore_organization(organization_id: uuid.UUID, ctx: Ctx) -> OrganizationOut:
    """Deleted organizations are hidden from `Authorized`; the service checks the caller was an owner."""
    org = await service.restore_organization(ctx.db, ctx.infra, ctx.actor, organization_id, ctx.client)
    return organization_out(await service.organization_view(ctx.db, ctx.infra, ctx.actor, org))


# --- members ----------------------------------------------------------------------------------


@router.get("/{organization_id}/members")
async def list_members(org: MembersViewer, ctx: Ctx, limit: Limit = 50, cursor: CursorParam = None) -> MemberPage:
    page = await service.list_members(ctx.db, org, limit=limit, cursor=cursor)
    return MemberPage(items=[member_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/{organization_id}/members", status_code=201)
async def add_member(org: MembersManager, body: MemberAdd, ctx: Ctx) -> MemberOut:
    row = await service.add_existing_member(
        ctx.db, ctx.infra, ctx.actor, org, email=str(body.email), role=body.role, client=ctx.client
    )
    return member_out(row)


@router.post("/{organization_id}/members/create-user", status_code=201)
async def create_member(org: MembersManager, body: MemberCreate, ctx: Ctx) -> MemberOut:
    row = await service.create_member_account(
        ctx.db, ctx.infra, ctx.actor, org, name=body.name, email=str(body.email), role=body.role, client=ctx.client
    )
    return member_out(row)


@router.post("/{organization_id}/members/bulk-update-role")
async def bulk_update_role(org: MembersManager, body: BulkRoleIn, ctx: Ctx) -> BulkResult:
    changed = await service.bulk_update_role(
        ctx.db, ctx.infra, ctx.actor, org, user_ids=body.user_ids, role=body.role, client=ctx.client
    )
    return BulkResult(updated=changed)


@router.post("/{organization_id}/members/bulk-delete")
async def bulk_delete(org: MembersManager, body: BulkDeleteIn, ctx: Ctx) -> BulkResult:
    removed = await service.bulk_remove(ctx.db, ctx.infra, ctx.actor, org, user_ids=body.user_ids, client=ctx.client)
    return BulkResult(updated=removed)


@router.post("/{organization_id}/members/{user_id}/resend-welcome", status_code=202)
async def resend_welcome(org: MembersManager, user_id: uuid.UUID, ctx: Ctx) -> Response:
    await service.resend_welcome(ctx.db, ctx.infra, ctx.actor, org, user_id, client=ctx.client)
    return Response(status_code=202)


@router.patch("/{organization_id}/members/{user_id}")
async def update_member(org: MembersManager, user_id: uuid.UUID, body: MemberUpdate, ctx: Ctx) -> MemberOut:
    row = await service.update_member(
        ctx.db, ctx.infra, ctx.actor, org, user_id, role=body.role, status=body.status, client=ctx.client
    )
    return member_out(row)


@router.delete("/{organization_id}/members/{user_id}", status_code=204)
async def remove_member(org: MembersManager, user_id: uuid.UUID, ctx: Ctx) -> None:
    await service.remove_member(ctx.db, ctx.infra, ctx.actor, org, user_id, client=ctx.client)


@router.post("/{organization_id}/leave", status_code=204)
async def leave(org: OrgViewer, ctx: Ctx) -> None:
    """Any member may leave, except the last owner."""
    await service.remove_member(ctx.db, ctx.infra, ctx.actor, org, ctx.actor.user_id, client=ctx.client)


@router.get("/{organization_id}/members/{user_id}/permissions")
async def member_permissions(org: MembersManager, user_id: uuid.UUID, ctx: Ctx) -> PermissionsOut:
    return PermissionsOut(permissions=await service.member_permissions(ctx.db, org, user_id))


@router.put("/{organization_id}/members/{user_id}/permissions")
async def set_member_permissions(
    org: MembersManager, user_id: uuid.UUID, body: PermissionsIn, ctx: Ctx
) -> PermissionsOut:
    keys = await service.set_member_permissions(
        ctx.db, ctx.infra, ctx.actor, org, user_id, keys=body.permissions, client=ctx.client
    )
    return PermissionsOut(permissions=keys)


# --- departments ------------------------------------------------------------------------------


@router.get("/{organization_id}/departments")
async def list_departments(
    org: MembersViewer, ctx: Ctx, limit: Limit = 50, cursor: CursorParam = None
) -> DepartmentPage:
    page = await service.list_departments(ctx.db, org, limit=limit, cursor=cursor)
    return DepartmentPage(items=[department_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/{organization_id}/departments", status_code=201)
async def create_department(org: DepartmentsManager, body: DepartmentCreate, ctx: Ctx) -> DepartmentOut:
    department = await service.create_department(
        ctx.db,
        ctx.infra,
        ctx.actor,
        org,
        name=body.name,
        description=body.description,
        color=body.color,
        parent_id=body.parent_id,
        client=ctx.client,
    )
    return department_out(DepartmentRow(department, 0, []))


@router.patch("/{organization_id}/departments/{department_id}")
async def update_department(
    org: DepartmentsManager, department_id: uuid.UUID, body: DepartmentUpdate, ctx: Ctx
) -> DepartmentOut:
    department = await service.get_department(ctx.db, org, department_id)
    changes = body.model_dump(include=body.model_fields_set)
    await service.update_department(ctx.db, ctx.infra, ctx.actor, org, department, changes=changes, client=ctx.client)
    return department_out(await service.department_row(ctx.db, org, department_id))


@router.get("/{organization_id}/departments/{department_id}/members")
async def list_department_members(
    org: MembersViewer, department_id: uuid.UUID, ctx: Ctx, limit: Limit = 50, cursor: CursorParam = None
) -> DepartmentMemberPage:
    department = await service.get_department(ctx.db, org, department_id)
    page = await service.list_department_members(ctx.db, department, limit=limit, cursor=cursor)
    return DepartmentMemberPage(items=[department_member_out(row) for row in page.items], next_cursor=page.next_cursor)


@router.post("/{organization_id}/departments/{department_id}/members", status_code=201)
async def add_department_member(
    org: DepartmentsManager, department_id: uuid.UUID, body: DepartmentMemberIn, ctx: Ctx
) -> DepartmentMemberOut:
    department = await service.get_department(ctx.db, org, department_id)
    row = await service.add_department_member(
        ctx.db, ctx.infra, ctx.actor, org, department, user_id=body.user_id, client=ctx.client
    )
    return department_member_out(row)


@router.delete("/{organization_id}/departments/{department_id}/members/{user_id}", status_code=204)
async def remove_department_member(
    org: DepartmentsManager, department_id: uuid.UUID, user_id: uuid.UUID, ctx: Ctx
) -> None:
    department = await service.get_department(ctx.db, org, department_id)
    await service.remove_department_member(
        ctx.db, ctx.infra, ctx.actor, org, department, user_id=user_id, client=ctx.client
    )


@router.get("/{organization_id}/departments/{department_id}/permissions")
async def department_permissions(org: MembersViewer, department_id: uuid.UUID, ctx: Ctx) -> PermissionsOut:
    department = await service.get_department(ctx.db, org, department_id)
    return PermissionsOut(permissions=await service.department_permissions(ctx.db, department))


@router.put("/{organization_id}/departments/{department_id}/permissions")
async def set_department_permissions(
    org: DepartmentsManager, department_id: uuid.UUID, body: PermissionsIn, ctx: Ctx
) -> PermissionsOut:
    department = await service.get_department(ctx.db, org, department_id)
    keys = await service.set_department_permissions(
        ctx.db, ctx.infra, ctx.actor, org, department, keys=body.permissions, client=ctx.client
    )
    return PermissionsOut(permissions=keys)


@router.delete("/{organization_id}/departments/{department_id}", status_code=204)
async def delete_department(org: DepartmentsManager, department_id: uuid.UUID, ctx: Ctx) -> None:
    department = await service.get_department(ctx.db, org, department_id)
    await service.delete_department(ctx.db, ctx.infra, ctx.actor, org, department, client=ctx.client)


# --- audit log --------------------------------------------------------------------------------


@router.get("/{organization_id}/audit-log")
async def audit_log(
    org: AuditViewer,
    ctx: Ctx,
    *,
    action: Annotated[str | None, Query(max_length=60)] = None,
    actor_id: uuid.UUID | None = None,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> AuditPage:
    filters = AuditFilters(action=action, actor_id=actor_id, target_type=target_type, since=since, until=until)
    page = await service.audit_log(ctx.db, org, filters, limit=limit, cursor=cursor)
    return AuditPage(items=[audit_out(row) for row in page.items], next_cursor=page.next_cursor)


# --- deletion (last: the organization is gone for every route after it) ------------------------


@router.delete("/{organization_id}", status_code=204)
async def delete_organization(org: OrgOwner, ctx: Ctx) -> None:
    """Soft delete; the owners can restore it within 30 days."""
    await service.delete_organization(ctx.db, ctx.infra, ctx.actor, org, ctx.client)
