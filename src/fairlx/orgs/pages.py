"""Pages of organizations: the list of mine (create, convert, restore), the settings area (members,
departments, permissions, audit log, general) and the first-login link of members created by an
administrator. Every page needs the permission its JSON route needs, and shows only the controls the
viewer may use.

Forms that replace a set (permission checkboxes) or destroy something shared carry an explicit field
(`intent`, a typed confirmation), so a stray POST without it changes nothing."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fairlx.auth.actor import Actor
from fairlx.auth.pages import signed_in_redirect
from fairlx.core.errors import AppError, Invalid
from fairlx.core.infrastructure import Infrastructure
from fairlx.dependencies import Client, Db, Infra
from fairlx.orgs import service
from fairlx.orgs.api import (
    AuditViewer,
    DepartmentsManager,
    MembersManager,
    MembersViewer,
    OrgOwner,
    OrgSettings,
    OrgViewer,
)
from fairlx.orgs.audit import OrgAction
from fairlx.orgs.models import ORG_ROLE_RANK, MemberStatus, Organization, OrgRole
from fairlx.orgs.schemas import (
    COLOR_PATTERN,
    ORG_SIZES,
    BulkDeleteIn,
    BulkRoleIn,
    ConvertIn,
    DepartmentMemberIn,
    MemberAdd,
    MemberCreate,
    Name,
    OrgSize,
    SettableStatus,
    TokenIn,
)
from fairlx.orgs.service import AuditFilters, DepartmentRow, MemberRow
from fairlx.rbac.guard import Anyone
from fairlx.rbac.permissions import DEPARTMENT_KEYS, Permission
from fairlx.web.forms import FormErrors, form_values, handle_form, parse_form, refused
from fairlx.web.guards import HOME_PATH, PageActor, redirect
from fairlx.web.templating import render

router = APIRouter(include_in_schema=False)

P = Permission
SETTINGS = "/orgs/{organization_id}/settings"
FIRST_LOGIN_DESTINATION = "/settings/security?required=1"
MEMBERS_PER_PAGE = 100
AUDIT_PER_PAGE = 50
ROLE_LABELS = {OrgRole.OWNER: "Owner", OrgRole.ADMIN: "Admin", OrgRole.MODERATOR: "Moderator", OrgRole.MEMBER: "Member"}
SIZE_CHOICES = [("", "Not set"), *((size, f"{size} people") for size in ORG_SIZES)]
TARGET_TYPES = [("", "Any target"), ("organization", "Organization"), ("user", "Person")]
TARGET_TYPES += [("department", "Department"), ("workspace", "Workspace")]
# What each grantable key lets a member do, for the permission checkboxes.
KEY_LABELS: dict[str, tuple[str, str]] = {
    P.ORG_MEMBERS_VIEW: ("See members", "The member list, departments and who holds which role."),
    P.ORG_MEMBERS_MANAGE: ("Manage members", "Add, create, suspend and remove members; change roles and grants."),
    P.ORG_DEPARTMENTS_MANAGE: ("Manage departments", "Create departments, choose their members and their keys."),
    P.ORG_SETTINGS_MANAGE: ("Manage settings", "Rename the organization and change its settings."),
    P.ORG_AUDIT_VIEW: ("Read the audit log", "Every change to members, roles, permissions and workspaces."),
    P.ORG_SECURITY_VIEW: ("See security", "Security settings and sign-in policies."),
    P.ORG_COMPLIANCE_VIEW: ("See compliance", "Legal acceptance and compliance records."),
    P.ORG_BILLING_VIEW: ("See billing", "Plans, invoices and usage."),
    P.ORG_BILLING_MANAGE: ("Manage billing", "Change the plan and payment details."),
    P.ORG_WORKSPACE_CREATE: ("Create workspaces", "Start new workspaces in the organization."),
    P.ORG_WORKSPACE_ASSIGN: ("Assign to workspaces", "See every workspace and add members to it."),
}
GRANTABLE_KEYS = sorted(DEPARTMENT_KEYS, key=lambda key: list(KEY_LABELS).index(key))


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganizationForm(Form):
    name: Name
    size: Annotated[OrgSize | None, Blank] = None


class DeleteOrganizationForm(Form):
    confirm_name: str = Field(min_length=1, max_length=200)


class RoleForm(Form):
    role: OrgRole


class StatusForm(Form):
    status: SettableStatus


class DepartmentForm(Form):
    name: Name
    description: Annotated[Annotated[str, Field(max_length=1000)] | None, Blank] = None
    color: Annotated[Annotated[str, Field(pattern=COLOR_PATTERN)] | None, Blank] = None
    parent_id: Annotated[uuid.UUID | None, Blank] = None


class PermissionsForm(Form):
    intent: Literal["save"]
    permissions: list[str] = Field(default_factory=list, max_length=50)


class AuditQuery(Form):
    action: Annotated[Annotated[str, Field(max_length=60)] | None, Blank] = None
    actor_id: Annotated[uuid.UUID | None, Blank] = None
    target_type: Annotated[Annotated[str, Field(max_length=40)] | None, Blank] = None
    since: Annotated[date | None, Blank] = None
    until: Annotated[date | None, Blank] = None
    cursor: Annotated[Annotated[str, Field(max_length=200)] | None, Blank] = None


def toast(title: str, message: str = "") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": message}})}


def swap_into(target: str, title: str, message: str = "") -> dict[str, str]:
    """Headers that put a fragment in place of `target` (not the form that asked) and show a toast."""
    return {"HX-Retarget": target, "HX-Reswap": "outerHTML", **toast(title, message)}


def settings_path(org: Organization, section: str = "") -> str:
    return f"/orgs/{org.id}/settings" + (f"/{section}" if section else "")


async def base_context(
    db: AsyncSession, infra: Infrastructure, actor: Actor, org: Organization, section: str
) -> dict[str, Any]:
    """What every settings page needs: the organization, the viewer's role and keys, the section."""
    access = await service.viewer_access(db, infra, actor, org)
    my_role = access.role or OrgRole.MEMBER
    return {
        "org": org,
        "keys": frozenset(key.value for key in access.keys),
        "my_role": my_role,
        "org_section": section,
        "role_labels": ROLE_LABELS,
        "role_choices": [
            (role.value, ROLE_LABELS[role])
            for role in OrgRole
            if ORG_ROLE_RANK[role] <= ORG_ROLE_RANK[my_role] and (role is not OrgRole.OWNER or my_role is OrgRole.OWNER)
        ],
        "ranks": ORG_ROLE_RANK,
        "values": {},
        "errors": None,
    }


Context = Callable[[], Awaitable[dict[str, Any]]]
Model = TypeVar("Model", bound=BaseModel)


def fixed(context: dict[str, Any]) -> Context:
    async def build() -> dict[str, Any]:
        return context

    return build


def parsed(request: Request, model: type[Model]) -> Callable[[], Awaitable[Model]]:
    async def parse() -> Model:
        return parse_form(model, await form_values(request))

    return parse


async def recover(db: AsyncSession, error: AppError, org: Organization) -> FormErrors:
    """A service refused: undo its writes, and reload the organization the page shows (a rollback
    expires every row the session had loaded)."""
    errors = await refused(db, error)
    await db.refresh(org)
    return errors


async def org_form(
    request: Request,
    db: AsyncSession,
    org: Organization,
    *,
    parse: Callable[[], Awaitable[Any]],
    act: Callable[[Any], Awaitable[Response]],
    template: str,
    context: Context,
) -> Response:
    """`handle_form` for the settings pages: on bad input or a refusal, `template` comes back (422)
    around what was typed, with its context built afresh once the refused writes are undone."""
    values = await form_values(request)
    try:
        return await act(await parse())
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await recover(db, error, org)
    return render(request, template, {**await context(), "values": values, "errors": errors}, status_code=422)


# --- my organizations ---------------------------------------------------------------------------


async def list_context(db: AsyncSession, actor: Actor) -> dict[str, Any]:
    mine = await service.list_organizations(db, actor, limit=200)
    restorable = await service.list_restorable(db, actor)
    return {
        "organizations": mine.items,
        "restorable": [(org, service.restorable_until(org)) for org in restorable],
        "role_labels": ROLE_LABELS,
        "size_choices": SIZE_CHOICES,
        "values": {},
        "errors": None,
    }


@router.get("/orgs", response_class=HTMLResponse)
async def organizations_page(request: Request, actor: PageActor, db: Db) -> Response:
    return render(request, "orgs/list.html", await list_context(db, actor))


@router.post("/orgs")
async def create_organization(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    async def act(form: OrganizationForm) -> Response:
        org = await service.create_organization(db, infra, actor, name=form.name, size=form.size, client=client)
        return redirect(request, settings_path(org, "members"))

    context = {"size_choices": SIZE_CHOICES}
    return await handle_form(request, db, OrganizationForm, act, template="orgs/_create_form.html", context=context)


@router.post("/orgs/convert")
async def convert_personal_account(
    request: Request, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    async def act(form: ConvertIn) -> Response:
        org = await service.convert_personal_account(db, infra, actor, name=form.name, client=client)
        return redirect(request, settings_path(org, "general"))

    return await handle_form(request, db, ConvertIn, act, template="orgs/_convert_form.html")


@router.post("/orgs/{organization_id}/restore")
async def restore_organization(
    request: Request, *, organization_id: uuid.UUID, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    """Deleted organizations are hidden from `Authorized`; the service checks the viewer was an owner."""
    org = await service.restore_organization(db, infra, actor, organization_id, client)
    return redirect(request, settings_path(org, "general"))


# --- settings: members --------------------------------------------------------------------------


@router.get(SETTINGS)
async def settings_home(request: Request, org: OrgViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await base_context(db, infra, actor, org, "")
    section = "members" if P.ORG_MEMBERS_VIEW.value in context["keys"] else "general"
    return redirect(request, settings_path(org, section))


async def members_context(db: AsyncSession, org: Organization, cursor: str | None = None) -> dict[str, Any]:
    page = await service.list_members(db, org, limit=MEMBERS_PER_PAGE, cursor=cursor)
    return {"members": page.items, "next_cursor": page.next_cursor}


@router.get(SETTINGS + "/members", response_class=HTMLResponse)
async def members_page(
    request: Request, *, org: MembersViewer, actor: PageActor, db: Db, infra: Infra, cursor: str | None = None
) -> Response:
    context = await base_context(db, infra, actor, org, "members")
    return render(request, "orgs/members.html", {**context, **await members_context(db, org, cursor)})


MEMBER_FORMS = {MemberCreate: "orgs/_member_create_form.html", MemberAdd: "orgs/_member_add_form.html"}


async def members_form(
    request: Request,
    db: AsyncSession,
    *,
    model: type[MemberCreate] | type[MemberAdd],
    act: Callable[[Any], Awaitable[MemberRow]],
    context: dict[str, Any],
) -> Response:
    """A form of the members section: refused, it comes back with its messages; accepted, the whole
    members section comes back in place of the section."""
    org: Organization = context["org"]

    async def done(form: Any) -> Response:
        row = await act(form)
        section = {**context, **await members_context(db, org)}
        message = "A welcome mail is on its way." if row.member.status is MemberStatus.INVITED else ""
        headers = swap_into("#members-section", f"{row.user.name} added", message)
        return render(request, "orgs/_members.html", section, headers=headers)

    template = MEMBER_FORMS[model]
    return await org_form(
        request, db, org, parse=parsed(request, model), act=done, template=template, context=fixed(context)
    )


@router.post(SETTINGS + "/members/create")
async def create_member(
    request: Request, *, org: MembersManager, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act(form: MemberCreate) -> MemberRow:
        return await service.create_member_account(
            db, infra, actor, org, name=form.name, email=str(form.email), role=form.role, client=client
        )

    return await members_form(request, db, model=MemberCreate, act=act, context=context)


@router.post(SETTINGS + "/members/add")
async def add_member(
    request: Request, *, org: MembersManager, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act(form: MemberAdd) -> MemberRow:
        return await service.add_existing_member(
            db, infra, actor, org, email=str(form.email), role=form.role, client=client
        )

    return await members_form(request, db, model=MemberAdd, act=act, context=context)


async def member_action(
    request: Request,
    db: AsyncSession,
    context: dict[str, Any],
    act: Callable[[], Awaitable[tuple[str, str]]],
) -> Response:
    """Change members and answer with the members section: with a toast, or (422) with why not."""
    org: Organization = context["org"]
    try:
        title, message = await act()
    except FormErrors as invalid:
        errors = invalid
    except AppError as error:
        errors = await recover(db, error, org)
    else:
        section = {**context, **await members_context(db, org)}
        return render(request, "orgs/_members.html", section, headers=toast(title, message))
    section = {**context, **await members_context(db, org), "errors": errors}
    return render(request, "orgs/_members.html", section, status_code=422)


@router.post(SETTINGS + "/members/{user_id}/role")
async def change_role(
    request: Request, org: MembersManager, user_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        form = parse_form(RoleForm, await form_values(request))
        row = await service.update_member(db, infra, actor, org, user_id, role=form.role, status=None, client=client)
        return "Role changed", f"{row.user.name} is now {ROLE_LABELS[row.member.role].lower()}."

    return await member_action(request, db, context, act)


@router.post(SETTINGS + "/members/{user_id}/status")
async def change_status(
    request: Request, org: MembersManager, user_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        form = parse_form(StatusForm, await form_values(request))
        row = await service.update_member(db, infra, actor, org, user_id, role=None, status=form.status, client=client)
        suspended = row.member.status is MemberStatus.SUSPENDED
        return ("Member suspended" if suspended else "Member reactivated"), row.user.name

    return await member_action(request, db, context, act)


@router.post(SETTINGS + "/members/{user_id}/resend-welcome")
async def resend_welcome(
    request: Request, org: MembersManager, user_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        await service.resend_welcome(db, infra, actor, org, user_id, client=client)
        return "Welcome mail sent", "With a new temporary password and first-login link."

    return await member_action(request, db, context, act)


@router.post(SETTINGS + "/leave")
async def leave(
    request: Request, org: OrgViewer, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    await service.remove_member(db, infra, actor, org, actor.user_id, client=client)
    return redirect(request, "/orgs")


@router.post(SETTINGS + "/members/{user_id}/remove")
async def remove_member(
    request: Request, org: MembersManager, user_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        await service.remove_member(db, infra, actor, org, user_id, client=client)
        return "Member removed", "They lost access to the organization and its workspaces."

    return await member_action(request, db, context, act)


async def chosen_members(request: Request) -> list[str]:
    return [value for value in (await request.form()).getlist("user_ids") if isinstance(value, str)]


def bulk_form(model: type[BulkRoleIn] | type[BulkDeleteIn], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise FormErrors(summary="Select at least one member first.") from error


@router.post(SETTINGS + "/members/bulk-role")
async def bulk_change_role(
    request: Request, *, org: MembersManager, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        role = (await form_values(request)).get("role", "")
        form = bulk_form(BulkRoleIn, {"user_ids": await chosen_members(request), "role": role})
        changed = await service.bulk_update_role(
            db, infra, actor, org, user_ids=form.user_ids, role=form.role, client=client
        )
        return "Roles changed", f"{changed} member{'s' if changed != 1 else ''} now {ROLE_LABELS[form.role].lower()}."

    return await member_action(request, db, context, act)


@router.post(SETTINGS + "/members/bulk-remove")
async def bulk_remove(
    request: Request, *, org: MembersManager, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    context = await base_context(db, infra, actor, org, "members")

    async def act() -> tuple[str, str]:
        form = bulk_form(BulkDeleteIn, {"user_ids": await chosen_members(request)})
        removed = await service.bulk_remove(db, infra, actor, org, user_ids=form.user_ids, client=client)
        return "Members removed", f"{removed} member{'s' if removed != 1 else ''} removed."

    return await member_action(request, db, context, act)


# --- settings: departments ----------------------------------------------------------------------


def department_tree(rows: list[DepartmentRow]) -> tuple[list[DepartmentRow], dict[uuid.UUID, list[DepartmentRow]]]:
    """The top-level departments, and each department's children, by name."""
    known = {row.department.id for row in rows}
    children: defaultdict[uuid.UUID, list[DepartmentRow]] = defaultdict(list)
    roots = []
    for row in sorted(rows, key=lambda each: each.department.name.lower()):
        parent = row.department.parent_id
        if parent is not None and parent in known:
            children[parent].append(row)
        else:
            roots.append(row)
    return roots, children


async def departments_context(db: AsyncSession, org: Organization) -> dict[str, Any]:
    rows = (await service.list_departments(db, org, limit=None)).items
    roots, children = department_tree(rows)
    parents = [("", "None (top level)"), *((str(row.department.id), row.department.name) for row in rows)]
    return {"roots": roots, "children": children, "parent_choices": parents, "key_labels": KEY_LABELS}


@router.get(SETTINGS + "/departments", response_class=HTMLResponse)
async def departments_page(request: Request, org: MembersViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await base_context(db, infra, actor, org, "departments")
    return render(request, "orgs/departments.html", {**context, **await departments_context(db, org)})


@router.post(SETTINGS + "/departments")
async def create_department(
    request: Request, *, org: DepartmentsManager, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")

    async def act(form: DepartmentForm) -> Response:
        department = await service.create_department(
            db,
            infra,
            actor,
            org,
            name=form.name,
            description=form.description,
            color=form.color,
            parent_id=form.parent_id,
            client=client,
        )
        return redirect(request, settings_path(org, f"departments/{department.id}"))

    async def context() -> dict[str, Any]:
        return {**base, **await departments_context(db, org)}

    return await org_form(
        request,
        db,
        org,
        parse=parsed(request, DepartmentForm),
        act=act,
        template="orgs/_department_create_form.html",
        context=context,
    )


async def department_context(db: AsyncSession, org: Organization, department_id: uuid.UUID) -> dict[str, Any]:
    row = await service.department_row(db, org, department_id)
    all_rows = (await service.list_departments(db, org, limit=None)).items
    _, children = department_tree(all_rows)
    inside = {row.department.id}
    pending = [row.department.id]
    while pending:
        for child in children.get(pending.pop(), []):
            inside.add(child.department.id)
            pending.append(child.department.id)
    parents = [("", "None (top level)")]
    parents += [
        (str(each.department.id), each.department.name) for each in all_rows if each.department.id not in inside
    ]
    members = (await service.list_department_members(db, row.department, limit=None)).items
    in_department = {each.user.id for each in members}
    everyone = (await service.list_members(db, org, limit=None)).items
    candidates = [
        (str(each.user.id), f"{each.user.name} ({each.user.email})")
        for each in everyone
        if each.user.id not in in_department
    ]
    return {
        "department": row.department,
        "row": row,
        "parent_choices": parents,
        "department_members": members,
        "candidates": candidates,
        "granted": set(row.permissions),
        "grantable": GRANTABLE_KEYS,
        "key_labels": KEY_LABELS,
    }


def department_values(row: DepartmentRow) -> dict[str, str]:
    department = row.department
    return {
        "name": department.name,
        "description": department.description or "",
        "color": department.color or "",
        "parent_id": str(department.parent_id) if department.parent_id else "",
    }


@router.get(SETTINGS + "/departments/{department_id}", response_class=HTMLResponse)
async def department_page(
    request: Request, org: MembersViewer, department_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")
    context = {**base, **await department_context(db, org, department_id)}
    return render(request, "orgs/department.html", {**context, "values": department_values(context["row"])})


def department_form_context(
    db: AsyncSession, org: Organization, department_id: uuid.UUID, base: dict[str, Any]
) -> Context:
    async def build() -> dict[str, Any]:
        return {**base, **await department_context(db, org, department_id)}

    return build


@router.post(SETTINGS + "/departments/{department_id}")
async def update_department(
    request: Request,
    org: DepartmentsManager,
    department_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")
    context = department_form_context(db, org, department_id, base)
    department = await service.get_department(db, org, department_id)

    async def act(form: DepartmentForm) -> Response:
        await service.update_department(db, infra, actor, org, department, changes=form.model_dump(), client=client)
        fresh = await context()
        values = department_values(fresh["row"])
        headers = toast("Department saved")
        return render(request, "orgs/_department_edit_form.html", {**fresh, "values": values}, headers=headers)

    return await org_form(
        request,
        db,
        org,
        parse=parsed(request, DepartmentForm),
        act=act,
        template="orgs/_department_edit_form.html",
        context=context,
    )


@router.post(SETTINGS + "/departments/{department_id}/delete")
async def delete_department(
    request: Request,
    org: DepartmentsManager,
    department_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    if (await form_values(request)).get("confirm") != "delete":
        raise Invalid("confirmation_required", field="confirm", detail="Confirm that the department should go.")
    department = await service.get_department(db, org, department_id)
    await service.delete_department(db, infra, actor, org, department, client=client)
    return redirect(request, settings_path(org, "departments"))


def permissions_form(request: Request) -> Callable[[], Awaitable[PermissionsForm]]:
    """The ticked keys; `intent` must be there, so a POST without the form changes nothing."""

    async def parse() -> PermissionsForm:
        form = await request.form()
        keys = [key for key in form.getlist("permissions") if isinstance(key, str)]
        return parse_form(PermissionsForm, {"intent": form.get("intent"), "permissions": keys})

    return parse


@router.post(SETTINGS + "/departments/{department_id}/permissions")
async def set_department_permissions(
    request: Request,
    org: DepartmentsManager,
    department_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")
    context = department_form_context(db, org, department_id, base)
    department = await service.get_department(db, org, department_id)

    async def act(form: PermissionsForm) -> Response:
        keys = await service.set_department_permissions(
            db, infra, actor, org, department, keys=form.permissions, client=client
        )
        fresh = {**await context(), "granted": set(keys)}
        return render(request, "orgs/_department_permissions_form.html", fresh, headers=toast("Permissions saved"))

    return await org_form(
        request,
        db,
        org,
        parse=permissions_form(request),
        act=act,
        template="orgs/_department_permissions_form.html",
        context=context,
    )


@router.post(SETTINGS + "/departments/{department_id}/members")
async def add_department_member(
    request: Request,
    org: DepartmentsManager,
    department_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")
    context = department_form_context(db, org, department_id, base)
    department = await service.get_department(db, org, department_id)

    async def act(form: DepartmentMemberIn) -> Response:
        row = await service.add_department_member(
            db, infra, actor, org, department, user_id=form.user_id, client=client
        )
        headers = toast("Added to the department", row.user.name)
        return render(request, "orgs/_department_members.html", await context(), headers=headers)

    return await org_form(
        request,
        db,
        org,
        parse=parsed(request, DepartmentMemberIn),
        act=act,
        template="orgs/_department_members.html",
        context=context,
    )


@router.post(SETTINGS + "/departments/{department_id}/members/{user_id}/remove")
async def remove_department_member(
    request: Request,
    org: DepartmentsManager,
    department_id: uuid.UUID,
    user_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    base = await base_context(db, infra, actor, org, "departments")
    department = await service.get_department(db, org, department_id)
    await service.remove_department_member(db, infra, actor, org, department, user_id=user_id, client=client)
    fresh = {**base, **await department_context(db, org, department_id), "values": {}, "errors": None}
    return render(request, "orgs/_department_members.html", fresh, headers=toast("Removed from the department"))


# --- settings: explicit grants ------------------------------------------------------------------


@router.get(SETTINGS + "/permissions", response_class=HTMLResponse)
async def permissions_page(request: Request, org: MembersManager, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await base_context(db, infra, actor, org, "permissions")
    members = (await service.list_members(db, org, limit=None)).items
    grants = await service.grants_by_member(db, org)
    return render(request, "orgs/permissions.html", {**context, "members": members, "grants": grants})


async def member_permissions_context(db: AsyncSession, org: Organization, user_id: uuid.UUID) -> dict[str, Any]:
    row = await service.member_row(db, org, user_id)
    granted = await service.member_permissions(db, org, user_id)
    from_departments = await service.department_keys_of(db, org, user_id)
    return {
        "row": row,
        "granted": set(granted),
        "from_departments": from_departments,
        "grantable": GRANTABLE_KEYS,
        "key_labels": KEY_LABELS,
    }


@router.get(SETTINGS + "/permissions/{user_id}", response_class=HTMLResponse)
async def member_permissions_page(
    request: Request, org: MembersManager, user_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    base = await base_context(db, infra, actor, org, "permissions")
    return render(
        request, "orgs/member_permissions.html", {**base, **await member_permissions_context(db, org, user_id)}
    )


@router.post(SETTINGS + "/permissions/{user_id}")
async def set_member_permissions(
    request: Request,
    org: MembersManager,
    user_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    base = await base_context(db, infra, actor, org, "permissions")
    await service.member_row(db, org, user_id)  # 404 before reading the form

    async def context() -> dict[str, Any]:
        return {**base, **await member_permissions_context(db, org, user_id)}

    async def act(form: PermissionsForm) -> Response:
        keys = await service.set_member_permissions(
            db, infra, actor, org, user_id, keys=form.permissions, client=client
        )
        fresh = {**await context(), "granted": set(keys)}
        return render(request, "orgs/_member_permissions_form.html", fresh, headers=toast("Permissions saved"))

    return await org_form(
        request,
        db,
        org,
        parse=permissions_form(request),
        act=act,
        template="orgs/_member_permissions_form.html",
        context=context,
    )


# --- settings: audit log ------------------------------------------------------------------------


def audit_filters(query: AuditQuery) -> AuditFilters:
    since = datetime.combine(query.since, time.min, tzinfo=UTC) if query.since else None
    until = datetime.combine(query.until, time.max, tzinfo=UTC) if query.until else None
    return AuditFilters(
        action=query.action, actor_id=query.actor_id, target_type=query.target_type, since=since, until=until
    )


@router.get(SETTINGS + "/audit", response_class=HTMLResponse)
async def audit_page(request: Request, org: AuditViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await base_context(db, infra, actor, org, "audit")
    values = {key: value for key, value in request.query_params.items() if key != "cursor"}
    members = (await service.list_members(db, org, limit=None)).items
    context |= {
        "values": values,
        "actions": [(action.value, action.value.replace("_", " ").capitalize()) for action in OrgAction],
        "people": [(str(row.user.id), row.user.name) for row in members],
        "target_types": TARGET_TYPES,
        "entries": [],
        "next_cursor": None,
        "filters": urlencode({key: value for key, value in values.items() if value}),
    }
    try:
        query = parse_form(AuditQuery, dict(request.query_params))
        page = await service.audit_log(db, org, audit_filters(query), limit=AUDIT_PER_PAGE, cursor=query.cursor)
    except FormErrors as invalid:
        return render(request, "orgs/audit.html", {**context, "errors": invalid}, status_code=422)
    except AppError as error:
        return render(request, "orgs/audit.html", {**context, "errors": FormErrors.of(error)}, status_code=422)
    return render(
        request,
        "orgs/audit.html",
        {**context, "entries": page.items, "next_cursor": page.next_cursor},
    )


# --- settings: general ----------------------------------------------------------------------------


@router.get(SETTINGS + "/general", response_class=HTMLResponse)
async def general_page(request: Request, org: OrgViewer, actor: PageActor, db: Db, infra: Infra) -> Response:
    context = await base_context(db, infra, actor, org, "general")
    values = {"name": org.name, "size": org.size or ""}
    return render(request, "orgs/general.html", {**context, "values": values, "size_choices": SIZE_CHOICES})


@router.post(SETTINGS + "/general")
async def save_general(
    request: Request, *, org: OrgSettings, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    context = {**await base_context(db, infra, actor, org, "general"), "size_choices": SIZE_CHOICES}

    async def act(form: OrganizationForm) -> Response:
        await service.update_organization(db, infra, actor, org, changes=form.model_dump(), client=client)
        values = {"name": org.name, "size": org.size or ""}
        headers = toast("Organization saved")
        return render(request, "orgs/_general_form.html", {**context, "values": values}, headers=headers)

    return await org_form(
        request,
        db,
        org,
        parse=parsed(request, OrganizationForm),
        act=act,
        template="orgs/_general_form.html",
        context=fixed(context),
    )


@router.post(SETTINGS + "/delete")
async def delete_organization(
    request: Request, *, org: OrgOwner, actor: PageActor, db: Db, infra: Infra, client: Client
) -> Response:
    """The form asks for the organization's name, typed, before anything is deleted."""
    context = await base_context(db, infra, actor, org, "general")

    async def act(form: DeleteOrganizationForm) -> Response:
        if form.confirm_name != org.name:
            raise FormErrors(fields={"confirm_name": "Type the organization's name exactly to confirm."})
        await service.delete_organization(db, infra, actor, org, client)
        return redirect(request, "/orgs")

    return await org_form(
        request,
        db,
        org,
        parse=parsed(request, DeleteOrganizationForm),
        act=act,
        template="orgs/_delete_form.html",
        context=fixed(context),
    )


# --- first login --------------------------------------------------------------------------------


@router.get("/first-login", dependencies=[Anyone], response_class=HTMLResponse)
async def first_login_page(request: Request, token: str = "") -> Response:
    return render(request, "orgs/first_login.html", {"token": token, "values": {}, "errors": None})


@router.post("/first-login", dependencies=[Anyone])
async def first_login(request: Request, db: Db, infra: Infra, client: Client) -> Response:
    """Sign in from the link in the welcome mail, then straight to choosing a password."""

    async def act(form: TokenIn) -> Response:
        outcome = await service.first_login(db, infra, form.token, client)
        destination = FIRST_LOGIN_DESTINATION if outcome.user.must_reset_password else HOME_PATH
        return signed_in_redirect(request, infra, outcome, destination)

    return await handle_form(request, db, TokenIn, act, template="orgs/_first_login_form.html")
