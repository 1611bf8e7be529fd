"""Workspace pages: the onboarding step that creates the first workspace, the header's workspace switcher,
a new-workspace form, the workspace's overview and settings (general, members, invitations, join link),
the join page of an invite code and the landing page of an email invitation."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fairlx.auth.actor import Actor, Lifecycle
from fairlx.core.errors import AppError
from fairlx.core.infrastructure import Infrastructure
from fairlx.dependencies import Client, Db, Infra, MaybeActor
from fairlx.orgs.schemas import ORG_SIZES
from fairlx.rbac.guard import Anyone, Authorized
from fairlx.rbac.permissions import Permission
from fairlx.web.forms import handle_form, refused
from fairlx.web.guards import HOME_PATH, PageActor, redirect
from fairlx.web.templating import render
from fairlx.workspaces import service
from fairlx.workspaces.models import Workspace, WorkspaceRole
from fairlx.workspaces.schemas import (
    GeneralForm,
    InvitationCreate,
    MemberFromOrgIn,
    MemberRoleIn,
    NewWorkspaceForm,
    OrgOnboardingForm,
    PersonalOnboardingForm,
)

P = Permission
Model = TypeVar("Model", bound=BaseModel)
router = APIRouter(include_in_schema=False)

ONBOARDING_WORKSPACE_PATH = "/onboarding/workspace"
FEATURE_LABELS = {
    "spaces": ("Spaces", "Group projects into spaces with their own members."),
    "programs": ("Programs", "Portfolios of projects with milestones."),
    "teams": ("Teams", "Project teams with their own permissions."),
    "custom_fields": ("Custom fields", "Extra fields on work items."),
    "workflows": ("Workflows", "Custom statuses and transitions."),
    "time_tracking": ("Time tracking", "Log time against work items."),
}
ROLE_CHOICES = [(role.value, service.role_label(role)) for role in WorkspaceRole]

Viewable = Annotated[Workspace, Authorized(P.WORKSPACE_VIEW, Workspace, "workspace_id")]
Configurable = Annotated[Workspace, Authorized(P.WORKSPACE_SETTINGS_MANAGE, Workspace, "workspace_id")]
Deletable = Annotated[Workspace, Authorized(P.WORKSPACE_DELETE, Workspace, "workspace_id")]
Manageable = Annotated[Workspace, Authorized(P.WORKSPACE_MEMBERS_MANAGE, Workspace, "workspace_id")]
OpenToOrg = Annotated[Workspace, Authorized(P.WORKSPACE_MEMBERS_ADD_FROM_ORG, Workspace, "workspace_id")]


def toast(title: str, message: str = "") -> dict[str, str]:
    return {"HX-Trigger": json.dumps({"toast": {"kind": "success", "title": title, "message": message}})}


def workspace_path(workspace_id: uuid.UUID) -> str:
    return f"/workspaces/{workspace_id}"


# --- onboarding ------------------------------------------------------------------------------------------------


async def onboarding_context(db: AsyncSession, infra: Infrastructure, actor: Actor) -> dict[str, Any]:
    plan = await service.onboarding_plan(db, infra.cache, actor)
    first_name = actor.user.name.split(" ")[0] if actor.user.name else "My"
    return {
        "plan": plan,
        "sizes": [(size, f"{size} people") for size in ORG_SIZES],
        "suggested_name": f"{first_name}'s workspace",
        "values": {},
        "errors": None,
        "role_label": service.role_label,
    }


@router.get(ONBOARDING_WORKSPACE_PATH, response_class=HTMLResponse)
async def onboarding_page(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    if actor.lifecycle is Lifecycle.ONBOARDING:
        return RedirectResponse("/onboarding", status_code=303)
    context = await onboarding_context(db, infra, actor)
    if context["plan"].kind == "none":
        return RedirectResponse(HOME_PATH, status_code=303)
    return render(request, "workspaces/onboarding.html", context)


@router.post(ONBOARDING_WORKSPACE_PATH)
async def onboard(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    async def context() -> dict[str, Any]:
        return await onboarding_context(db, infra, actor)

    if actor.user.account_type == "ORG":

        async def create_org(form: OrgOnboardingForm) -> Response:
            view = await service.onboard_organization(
                db,
                infra,
                actor,
                organization_name=form.organization_name,
                size=form.size,
                workspace_name=form.workspace_name,
                client=client,
            )
            return redirect(request, workspace_path(view.workspace.id))

        return await handle_form(
            request, db, OrgOnboardingForm, create_org, template="workspaces/_onboarding_form.html", context=context
        )

    async def create_personal(form: PersonalOnboardingForm) -> Response:
        view = await service.onboard_personal(db, infra, actor, workspace_name=form.workspace_name)
        return redirect(request, workspace_path(view.workspace.id))

    return await handle_form(
        request,
        db,
        PersonalOnboardingForm,
        create_personal,
        template="workspaces/_onboarding_form.html",
        context=context,
    )


@router.post("/onboarding/invitations/{invitation_id}/accept")
async def accept_from_onboarding(
    request: Request, invitation_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    view = await service.accept_invitation_by_id(db, infra, actor, invitation_id, client)
    return redirect(request, workspace_path(view.workspace.id))


# --- the switcher and new workspaces ---------------------------------------------------------------------------


@router.get("/workspaces/switcher", response_class=HTMLResponse)
async def switcher_menu(request: Request, actor: PageActor, db: Db) -> Response:
    workspaces = await service.switcher_workspaces(db, actor.user_id)
    current = request.query_params.get("current")
    return render(request, "workspaces/_switcher_menu.html", {"workspaces": workspaces, "current": current})


async def new_workspace_context(db: AsyncSession, infra: Infrastructure, actor: Actor) -> dict[str, Any]:
    choices = await service.workspace_owners(db, infra.cache, actor)
    return {"owners": choices, "values": {}, "errors": None}


@router.get("/workspaces/new", response_class=HTMLResponse)
async def new_workspace_page(request: Request, actor: PageActor, db: Db, infra: Infra) -> Response:
    return render(request, "workspaces/new.html", await new_workspace_context(db, infra, actor))


@router.post("/workspaces/new")
async def create_workspace(request: Request, actor: PageActor, db: Db, infra: Infra, client: Client) -> Response:
    async def act(form: NewWorkspaceForm) -> Response:
        view = await service.create_workspace(
            db, infra, actor, name=form.name, organization_id=form.organization_id(), client=client
        )
        return redirect(request, workspace_path(view.workspace.id))

    async def context() -> dict[str, Any]:
        return await new_workspace_context(db, infra, actor)

    return await handle_form(request, db, NewWorkspaceForm, act, template="workspaces/_new_form.html", context=context)


# --- overview and settings ------------------------------------------------------------------------------------------


@router.get("/workspaces/{workspace_id}", response_class=HTMLResponse)
async def overview_page(request: Request, workspace: Viewable, actor: PageActor, db: Db, infra: Infra) -> Response:
    view = await service.describe(db, infra.cache, actor.user_id, workspace)
    return render(request, "workspaces/overview.html", {"view": view, "feature_labels": FEATURE_LABELS})


async def settings_context(
    db: AsyncSession, infra: Infrastructure, actor: Actor, workspace_id: uuid.UUID
) -> dict[str, Any]:
    overview = await service.settings_overview(db, infra, actor, workspace_id)
    owner = overview.view.role is WorkspaceRole.OWNER
    return {
        "overview": overview,
        "view": overview.view,
        "workspace": overview.view.workspace,
        "feature_labels": FEATURE_LABELS,
        "role_choices": [choice for choice in ROLE_CHOICES if owner or choice[0] != WorkspaceRole.OWNER.value],
        "addable_choices": [(str(user.id), f"{user.name} · {user.email}") for user in overview.addable],
        "role_label": service.role_label,
        "values": {},
        "errors": None,
        "section": None,
    }


@router.get("/workspaces/{workspace_id}/settings", response_class=HTMLResponse)
async def settings_page(request: Request, workspace: Viewable, actor: PageActor, db: Db, infra: Infra) -> Response:
    return render(request, "workspaces/settings.html", await settings_context(db, infra, actor, workspace.id))


async def _section(
    request: Request,
    db: AsyncSession,
    infra: Infrastructure,
    actor: Actor,
    *,
    workspace_id: uuid.UUID,
    template: str,
    title: str,
    message: str = "",
) -> Response:
    """One section of the settings page again, after a change, with a toast saying what happened."""
    context = await settings_context(db, infra, actor, workspace_id)
    return render(request, template, context, headers=toast(title, message))


@router.post("/workspaces/{workspace_id}/settings/general")
async def save_general(request: Request, workspace: Configurable, actor: PageActor, db: Db, infra: Infra) -> Response:
    workspace_id = workspace.id
    template = "workspaces/_general.html"

    async def act(form: GeneralForm) -> Response:
        await service.update_workspace(
            db, infra, actor, workspace, name=form.name, ui_mode=form.ui_mode, features=form.features()
        )
        return await _section(
            request, db, infra, actor, workspace_id=workspace_id, template=template, title="Settings saved"
        )

    async def context() -> dict[str, Any]:
        return await settings_context(db, infra, actor, workspace_id)

    return await handle_form(
        request, db, GeneralForm, act, template=template, context=context, checkboxes=tuple(service.FEATURES)
    )


@router.delete("/workspaces/{workspace_id}")
async def delete_workspace(
    request: Request, workspace: Deletable, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    await service.delete_workspace(db, infra, actor, workspace, client)
    return redirect(request, HOME_PATH)


@router.post("/workspaces/{workspace_id}/members/from-org")
async def add_from_org(
    request: Request, workspace: OpenToOrg, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    workspace_id = workspace.id
    template = "workspaces/_members.html"

    async def act(form: MemberFromOrgIn) -> Response:
        added = await service.add_member_from_org(
            db, infra, actor, workspace, user_id=form.user_id, role=form.role, client=client
        )
        return await _section(
            request,
            db,
            infra,
            actor,
            workspace_id=workspace_id,
            template=template,
            title="Member added",
            message=added.user.name,
        )

    async def context() -> dict[str, Any]:
        return await settings_context(db, infra, actor, workspace_id)

    return await handle_form(request, db, MemberFromOrgIn, act, template=template, context=context)


@router.post("/workspaces/{workspace_id}/members/{user_id}/role")
async def change_role(
    request: Request,
    workspace: Manageable,
    user_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    workspace_id = workspace.id
    template = "workspaces/_members.html"

    async def act(form: MemberRoleIn) -> Response:
        changed = await service.change_member_role(
            db, infra, actor, workspace, user_id=user_id, role=form.role, client=client
        )
        if user_id == actor.user_id:
            return redirect(request, f"{workspace_path(workspace_id)}/settings")
        message = f"{changed.user.name} is now {service.role_label(form.role).lower()}."
        return await _section(
            request,
            db,
            infra,
            actor,
            workspace_id=workspace_id,
            template=template,
            title="Role changed",
            message=message,
        )

    async def context() -> dict[str, Any]:
        return await settings_context(db, infra, actor, workspace_id)

    return await handle_form(request, db, MemberRoleIn, act, template=template, context=context)


@router.post("/workspaces/{workspace_id}/leave")
async def leave(
    request: Request, workspace: Viewable, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    return await remove_member(request, workspace, actor.user_id, actor, db=db, infra=infra, client=client)


@router.delete("/workspaces/{workspace_id}/members/{user_id}")
async def remove_member(
    request: Request,
    workspace: Manageable,
    user_id: uuid.UUID,
    actor: PageActor,
    *,
    db: Db,
    infra: Infra,
    client: Client,
) -> Response:
    """Remove a member; removing your own row is leaving."""
    workspace_id = workspace.id
    template = "workspaces/_members.html"
    try:
        await service.remove_member(db, infra, actor, workspace, user_id=user_id, client=client)
    except AppError as error:
        errors = await refused(db, error)
        context = await settings_context(db, infra, actor, workspace_id)
        return render(request, template, {**context, "errors": errors}, status_code=422)
    if user_id == actor.user_id:
        return redirect(request, HOME_PATH)
    return await _section(
        request, db, infra, actor, workspace_id=workspace_id, template=template, title="Member removed"
    )


@router.post("/workspaces/{workspace_id}/invitations")
async def invite(request: Request, workspace: Manageable, actor: PageActor, db: Db, infra: Infra) -> Response:
    workspace_id = workspace.id
    template = "workspaces/_invitations.html"

    async def act(form: InvitationCreate) -> Response:
        sent = await service.invite(db, infra, actor, workspace, email=form.email, role=form.role)
        return await _section(
            request,
            db,
            infra,
            actor,
            workspace_id=workspace_id,
            template=template,
            title="Invitation sent",
            message=f"We mailed {sent.invitation.email} a link to join.",
        )

    async def context() -> dict[str, Any]:
        return await settings_context(db, infra, actor, workspace_id)

    return await handle_form(request, db, InvitationCreate, act, template=template, context=context)


@router.delete("/workspaces/{workspace_id}/invitations/{invitation_id}")
async def revoke_invitation(
    request: Request, workspace: Manageable, invitation_id: uuid.UUID, actor: PageActor, *, db: Db, infra: Infra
) -> Response:
    await service.revoke_invitation(db, workspace, invitation_id)
    return await _section(
        request,
        db,
        infra,
        actor,
        workspace_id=workspace.id,
        template="workspaces/_invitations.html",
        title="Invitation revoked",
    )


@router.post("/workspaces/{workspace_id}/invite-code/reset")
async def reset_invite_code(
    request: Request, workspace: Manageable, actor: PageActor, db: Db, infra: Infra
) -> Response:
    await service.reset_invite_code(db, workspace)
    return await _section(
        request,
        db,
        infra,
        actor,
        workspace_id=workspace.id,
        template="workspaces/_invite_link.html",
        title="Join link reset",
        message="The previous link no longer works.",
    )


# --- joining with a code ----------------------------------------------------------------------------------------------


@router.get("/join/{code}", response_class=HTMLResponse)
async def join_page(request: Request, code: str, actor: PageActor, db: Db, infra: Infra) -> Response:
    try:
        preview = await service.join_preview(db, infra, actor, code)
    except AppError as error:
        return render(
            request, "workspaces/join.html", {"preview": None, "code": code, "error": error}, status_code=error.status
        )
    return render(request, "workspaces/join.html", {"preview": preview, "code": code, "error": None})


@router.post("/join/{code}")
async def join(request: Request, code: str, actor: PageActor, db: Db, infra: Infra) -> Response:
    view = await service.join_with_code(db, infra, actor, code)
    return redirect(request, workspace_path(view.workspace.id))


# --- email invitations ----------------------------------------------------------------------------------------------


def invitation_context(view: service.InvitationView | None, actor: Actor | None, token: str) -> dict[str, Any]:
    here = f"/invitations/{token}"
    return {
        "invitation": view,
        "token": token,
        "role_label": service.role_label,
        "signed_in_as": actor.user.email if actor else None,
        "addressed_to_viewer": bool(actor and view and actor.user.email.lower() == view.invitation.email),
        "sign_in_url": f"/sign-in?return_to={quote(here, safe='/')}",
        "sign_up_url": f"/sign-up?return_to={quote(here, safe='/')}",
        "error": None,
    }


@router.get("/invitations/{token}", dependencies=[Anyone], response_class=HTMLResponse)
async def invitation_page(request: Request, token: str, db: Db, actor: MaybeActor) -> Response:
    try:
        view = await service.invitation_by_token(db, token)
    except AppError as error:
        context = invitation_context(None, actor, token) | {"error": error}
        return render(request, "workspaces/invitation.html", context, status_code=error.status)
    return render(request, "workspaces/invitation.html", invitation_context(view, actor, token))


@router.post("/invitations/{token}/accept")
async def accept_invitation(
    request: Request, token: str, actor: PageActor, *, db: Db, infra: Infra, client: Client
) -> Response:
    try:
        view = await service.accept_invitation(db, infra, actor, token, client)
    except AppError as error:
        await refused(db, error)
        return await _invitation_refused(request, db, actor, token, error)
    return redirect(request, workspace_path(view.workspace.id))


@router.post("/invitations/{token}/decline", dependencies=[Anyone])
async def decline_invitation(request: Request, token: str, db: Db, actor: MaybeActor) -> Response:
    try:
        view = await service.decline_invitation(db, token)
    except AppError as error:
        await refused(db, error)
        return await _invitation_refused(request, db, actor, token, error)
    context = invitation_context(view, actor, token)
    return render(request, "workspaces/_invitation_card.html", context, headers=toast("Invitation declined"))


async def _invitation_refused(
    request: Request, db: AsyncSession, actor: Actor | None, token: str, error: AppError
) -> Response:
    try:
        view: service.InvitationView | None = await service.invitation_by_token(db, token)
    except AppError:
        view = None
    context = invitation_context(view, actor, token) | {"error": error}
    return render(request, "workspaces/_invitation_card.html", context, status_code=422)
