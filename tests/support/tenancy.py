"""A small tenant world written straight into the database, for authorization tests: one organization
with a workspace, a private space, a project in it and a program, people in every role, and a second
tenant next door. Accounts are real (signed up through the API, each with its own signed-in client)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import (
    Department,
    DepartmentMember,
    DepartmentPermission,
    MemberStatus,
    Organization,
    OrgMember,
    OrgRole,
)
from fairlx.programs.models import Milestone, Program, ProgramMember, ProgramRole
from fairlx.projects.models import (
    Project,
    ProjectGrant,
    ProjectMember,
    ProjectRole,
    ProjectTeam,
    ProjectTeamMember,
    TeamRole,
)
from fairlx.rbac.permissions import PROJECT_DEFAULT_ROLES, Permission
from fairlx.settings import Settings
from fairlx.spaces.models import Space, SpaceMember, SpaceRole, SpaceVisibility
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.support.accounts import Drain, sign_up
from tests.support.planning_world import PlanningRows, write_planning

# Who the world has, and where each stands. Personas not listed hold no membership at all.
ORG_ROLES = {"org_owner": OrgRole.OWNER, "org_admin": OrgRole.ADMIN, "dept_with_key": OrgRole.MEMBER}
ORG_ROLES |= {"dept_without_key": OrgRole.MEMBER}
WORKSPACE_ROLES = {
    "ws_admin": WorkspaceRole.WS_ADMIN,
    "ws_editor": WorkspaceRole.WS_EDITOR,
    "ws_viewer": WorkspaceRole.WS_VIEWER,
    "project_owner": WorkspaceRole.WS_VIEWER,
    "project_admin": WorkspaceRole.WS_VIEWER,
    "project_member": WorkspaceRole.WS_VIEWER,
    "project_viewer": WorkspaceRole.WS_VIEWER,
    "custom_role": WorkspaceRole.WS_VIEWER,
    "team_member": WorkspaceRole.WS_VIEWER,
    "space_admin": WorkspaceRole.WS_VIEWER,
    "space_member": WorkspaceRole.WS_VIEWER,
    "space_viewer": WorkspaceRole.WS_VIEWER,
}
PROJECT_ROLES = {
    "project_owner": "OWNER",
    "project_admin": "ADMIN",
    "project_member": "MEMBER",
    "project_viewer": "VIEWER",
    "custom_role": "Release manager",
}
SPACE_ROLES = {"space_admin": SpaceRole.ADMIN, "space_member": SpaceRole.MEMBER, "space_viewer": SpaceRole.VIEWER}
CUSTOM_ROLE_KEYS = frozenset(
    {Permission.PROJECT_VIEW, Permission.PROJECT_SETTINGS_EDIT, Permission.PROJECT_MEMBERS_VIEW}
)
TEAM_KEYS = frozenset({Permission.PROJECT_VIEW, Permission.PROJECT_TASKS_VIEW, Permission.PROJECT_TEAMS_VIEW})
DEPARTMENT_KEYS = frozenset({Permission.ORG_MEMBERS_VIEW, Permission.ORG_AUDIT_VIEW, Permission.ORG_WORKSPACE_ASSIGN})
SIGNED_IN_PERSONAS = (
    *ORG_ROLES,
    *WORKSPACE_ROLES,
    "non_member",
    "other_tenant",
)
# Someone in every group, but no persona: routes that remove a member or delete a group act on them,
# so the personas' standing stays as the expectations describe.
BYSTANDER = "bystander"


@dataclass
class World:
    organization: Organization
    workspace: Workspace
    space: Space
    project: Project
    program: Program
    milestone: Milestone
    team: ProjectTeam
    department: Department
    bystander_team: ProjectTeam
    bystander_department: Department
    member_role: ProjectRole
    other_organization: Organization
    other_workspace: Workspace
    planning: PlanningRows
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def ids(self) -> dict[str, Any]:
        """Values for the path parameters of every route that names a resource of this world."""
        return {
            "organization_id": self.organization.id,
            "workspace_id": self.workspace.id,
            "space_id": self.space.id,
            "project_id": self.project.id,
            "program_id": self.program.id,
            "milestone_id": self.milestone.id,
            "team_id": self.bystander_team.id,
            "department_id": self.bystander_department.id,
            "role_id": self.member_role.id,
            "user_id": self.users[BYSTANDER],
        } | self.planning.ids()


@asynccontextmanager
async def tenant_world(app: FastAPI, settings: Settings, infra: Infrastructure, drain: Drain) -> AsyncIterator[World]:
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        users = {}
        for number, persona in enumerate((*SIGNED_IN_PERSONAS, BYSTANDER), start=2):
            transport = httpx.ASGITransport(app=app, client=(f"127.0.1.{number}", 50000))
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            clients[persona] = client
            account = await sign_up(client, settings, drain, f"{persona.replace('_', '.')}@example.com", name=persona)
            users[persona] = uuid.UUID(account.user_id)
        world = await write_world(infra, users)
        world.clients = clients
        yield world
    finally:
        for client in clients.values():
            await client.aclose()


async def write_world(infra: Infrastructure, users: dict[str, uuid.UUID]) -> World:
    async with infra.db.unit_of_work() as db:
        org = Organization(name="Acme", created_by=users["org_owner"])
        other_org = Organization(name="Globex", created_by=users["other_tenant"])
        db.add_all([org, other_org])
        await db.flush()
        for persona, role in ORG_ROLES.items():
            db.add(OrgMember(organization_id=org.id, user_id=users[persona], role=role, status=MemberStatus.ACTIVE))
        db.add(OrgMember(organization_id=other_org.id, user_id=users["other_tenant"], role=OrgRole.OWNER))
        department = Department(organization_id=org.id, name="Operations")
        plain = Department(organization_id=org.id, name="Sales")
        db.add_all([department, plain])
        await db.flush()
        db.add_all(
            DepartmentPermission(department_id=department.id, permission=key, organization_id=org.id)
            for key in DEPARTMENT_KEYS
        )
        db.add(DepartmentMember(department_id=department.id, user_id=users["dept_with_key"], organization_id=org.id))
        db.add(DepartmentMember(department_id=plain.id, user_id=users["dept_without_key"], organization_id=org.id))

        workspace = Workspace(name="Engineering", kind=WorkspaceKind.ORGANIZATION, organization_id=org.id)
        other_workspace = Workspace(name="Globex HQ", kind=WorkspaceKind.ORGANIZATION, organization_id=other_org.id)
        db.add_all([workspace, other_workspace])
        await db.flush()
        for persona, workspace_role in WORKSPACE_ROLES.items():
            db.add(WorkspaceMember(workspace_id=workspace.id, user_id=users[persona], role=workspace_role))
        db.add(
            WorkspaceMember(workspace_id=other_workspace.id, user_id=users["other_tenant"], role=WorkspaceRole.OWNER)
        )

        space = Space(workspace_id=workspace.id, name="Platform", key="PLAT", visibility=SpaceVisibility.PRIVATE)
        db.add(space)
        await db.flush()
        for persona, space_role in SPACE_ROLES.items():
            db.add(SpaceMember(workspace_id=workspace.id, space_id=space.id, user_id=users[persona], role=space_role))

        program = Program(workspace_id=workspace.id, name="Launch")
        db.add(program)
        await db.flush()
        milestone = Milestone(workspace_id=workspace.id, program_id=program.id, name="Beta")
        db.add(milestone)
        project = Project(workspace_id=workspace.id, space_id=space.id, program_id=program.id, name="Web", key="WEB")
        db.add(project)
        await db.flush()
        roles = {
            name: ProjectRole(
                workspace_id=workspace.id, project_id=project.id, name=name, permissions=sorted(keys), is_default=True
            )
            for name, keys in PROJECT_DEFAULT_ROLES.items()
        }
        roles["Release manager"] = ProjectRole(
            workspace_id=workspace.id,
            project_id=project.id,
            name="Release manager",
            permissions=sorted(CUSTOM_ROLE_KEYS),
        )
        db.add_all(roles.values())
        await db.flush()
        for persona, role_name in PROJECT_ROLES.items():
            db.add(
                ProjectMember(
                    workspace_id=workspace.id,
                    project_id=project.id,
                    user_id=users[persona],
                    role_id=roles[role_name].id,
                )
            )
        team = ProjectTeam(workspace_id=workspace.id, project_id=project.id, name="Frontend")
        db.add(team)
        await db.flush()
        db.add(
            ProjectTeamMember(
                team_id=team.id,
                user_id=users["team_member"],
                workspace_id=workspace.id,
                project_id=project.id,
                role=TeamRole.MEMBER,
            )
        )
        db.add_all(
            ProjectGrant(workspace_id=workspace.id, project_id=project.id, permission=key, team_id=team.id)
            for key in TEAM_KEYS
        )
        db.add(
            ProgramMember(
                workspace_id=workspace.id, program_id=program.id, user_id=users["project_owner"], role=ProgramRole.LEAD
            )
        )
        bystander_team = ProjectTeam(workspace_id=workspace.id, project_id=project.id, name="Bystanders")
        db.add(bystander_team)
        await db.flush()
        planning = await write_planning(db, project, users["project_owner"])
        world = World(
            organization=org,
            workspace=workspace,
            space=space,
            project=project,
            program=program,
            milestone=milestone,
            team=team,
            department=department,
            bystander_team=bystander_team,
            bystander_department=plain,
            member_role=roles["MEMBER"],
            other_organization=other_org,
            other_workspace=other_workspace,
            planning=planning,
            users=users,
        )
        await add_bystander(db, world, users[BYSTANDER], roles["VIEWER"])
    return world


async def add_bystander(db: AsyncSession, world: World, user_id: uuid.UUID, viewer_role: ProjectRole) -> None:
    """The bystander joins every group of the world, each with the least role."""
    org, workspace = world.organization.id, world.workspace.id
    db.add(OrgMember(organization_id=org, user_id=user_id, role=OrgRole.MEMBER, status=MemberStatus.ACTIVE))
    db.add(DepartmentMember(department_id=world.bystander_department.id, user_id=user_id, organization_id=org))
    db.add(WorkspaceMember(workspace_id=workspace, user_id=user_id, role=WorkspaceRole.WS_VIEWER))
    db.add(SpaceMember(workspace_id=workspace, space_id=world.space.id, user_id=user_id, role=SpaceRole.VIEWER))
    db.add(ProjectMember(workspace_id=workspace, project_id=world.project.id, user_id=user_id, role_id=viewer_role.id))
    db.add(
        ProjectTeamMember(
            team_id=world.bystander_team.id, user_id=user_id, workspace_id=workspace, project_id=world.project.id
        )
    )
    db.add(ProgramMember(workspace_id=workspace, program_id=world.program.id, user_id=user_id, role=ProgramRole.VIEWER))
