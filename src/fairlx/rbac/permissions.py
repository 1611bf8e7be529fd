"""Every permission key, the scope it applies to, and what each role grants.

Keys follow the original product where it named them (`org.*`, `project.*`); workspace, space and
program keys spell out its permission matrices in the same style.
"""

from __future__ import annotations

from enum import StrEnum

from fairlx.orgs.models import OrgRole
from fairlx.programs.models import ProgramRole
from fairlx.spaces.models import SpaceRole
from fairlx.workspaces.models import WorkspaceRole


class Scope(StrEnum):
    ORGANIZATION = "org"
    WORKSPACE = "workspace"
    SPACE = "space"
    PROJECT = "project"
    PROGRAM = "program"


class Permission(StrEnum):
    # organization (the 11 department keys, plus what membership and ownership give)
    ORG_VIEW = "org.view"
    ORG_DELETE = "org.delete"
    ORG_BILLING_VIEW = "org.billing.view"
    ORG_BILLING_MANAGE = "org.billing.manage"
    ORG_MEMBERS_VIEW = "org.members.view"
    ORG_MEMBERS_MANAGE = "org.members.manage"
    ORG_SETTINGS_MANAGE = "org.settings.manage"
    ORG_AUDIT_VIEW = "org.audit.view"
    ORG_COMPLIANCE_VIEW = "org.compliance.view"
    ORG_DEPARTMENTS_MANAGE = "org.departments.manage"
    ORG_SECURITY_VIEW = "org.security.view"
    ORG_WORKSPACE_CREATE = "org.workspace.create"
    ORG_WORKSPACE_ASSIGN = "org.workspace.assign"
    # workspace (the WS_ADMIN / WS_EDITOR / WS_VIEWER matrix)
    WORKSPACE_VIEW = "workspace.view"
    WORKSPACE_MEMBERS_MANAGE = "workspace.members.manage"
    WORKSPACE_MEMBERS_ADD_FROM_ORG = "workspace.members.add_from_org"
    WORKSPACE_SETTINGS_MANAGE = "workspace.settings.manage"
    WORKSPACE_PROJECTS_CREATE = "workspace.projects.create"
    WORKSPACE_PROJECTS_EDIT = "workspace.projects.edit"
    WORKSPACE_SPACES_CREATE = "workspace.spaces.create"
    WORKSPACE_SPACES_EDIT = "workspace.spaces.edit"
    WORKSPACE_PROGRAMS_CREATE = "workspace.programs.create"
    WORKSPACE_DELETE = "workspace.delete"
    # space (the 20 space permissions)
    SPACE_SETTINGS_EDIT = "space.settings.edit"
    SPACE_DELETE = "space.delete"
    SPACE_MEMBERS_MANAGE = "space.members.manage"
    SPACE_TEAMS_CREATE = "space.teams.create"
    SPACE_TEAMS_DELETE = "space.teams.delete"
    SPACE_TEAMS_SETTINGS = "space.teams.settings"
    SPACE_TEAMS_ASSIGN = "space.teams.assign"
    SPACE_PROJECTS_CREATE = "space.projects.create"
    SPACE_PROJECTS_DELETE = "space.projects.delete"
    SPACE_PROJECTS_SETTINGS = "space.projects.settings"
    SPACE_PROJECTS_ASSIGN = "space.projects.assign"
    SPACE_ITEMS_CREATE = "space.items.create"
    SPACE_ITEMS_EDIT = "space.items.edit"
    SPACE_ITEMS_DELETE = "space.items.delete"
    SPACE_ITEMS_ASSIGN = "space.items.assign"
    SPACE_VIEW = "space.view"
    SPACE_TEAMS_VIEW = "space.teams.view"
    SPACE_PROJECTS_VIEW = "space.projects.view"
    SPACE_ITEMS_VIEW = "space.items.view"
    SPACE_ANALYTICS_VIEW = "space.analytics.view"
    # project (the 34 keys of the original)
    PROJECT_VIEW = "project.view"
    PROJECT_TASKS_VIEW = "project.tasks.view"
    PROJECT_SPRINTS_VIEW = "project.sprints.view"
    PROJECT_DOCS_VIEW = "project.docs.view"
    PROJECT_MEMBERS_VIEW = "project.members.view"
    PROJECT_TEAMS_VIEW = "project.teams.view"
    PROJECT_BOARD_VIEW = "project.board.view"
    PROJECT_REPORTS_VIEW = "project.reports.view"
    PROJECT_TASKS_CREATE = "project.tasks.create"
    PROJECT_SPRINTS_CREATE = "project.sprints.create"
    PROJECT_DOCS_CREATE = "project.docs.create"
    PROJECT_TEAMS_CREATE = "project.teams.create"
    PROJECT_COMMENTS_CREATE = "project.comments.create"
    PROJECT_ROLES_CREATE = "project.roles.create"
    PROJECT_TASKS_EDIT = "project.tasks.edit"
    PROJECT_SPRINTS_EDIT = "project.sprints.edit"
    PROJECT_DOCS_EDIT = "project.docs.edit"
    PROJECT_SETTINGS_EDIT = "project.settings.edit"
    PROJECT_BOARD_UPDATE = "project.board.update"
    PROJECT_TASKS_ASSIGN = "project.tasks.assign"
    PROJECT_TASKS_DELETE = "project.tasks.delete"
    PROJECT_SPRINTS_DELETE = "project.sprints.delete"
    PROJECT_DOCS_DELETE = "project.docs.delete"
    PROJECT_DELETE = "project.delete"
    PROJECT_COMMENTS_DELETE = "project.comments.delete"
    PROJECT_ROLES_DELETE = "project.roles.delete"
    PROJECT_SPRINTS_START = "project.sprints.start"
    PROJECT_SPRINTS_COMPLETE = "project.sprints.complete"
    PROJECT_MEMBERS_MANAGE = "project.members.manage"
    PROJECT_TEAMS_MANAGE = "project.teams.manage"
    PROJECT_PERMISSIONS_MANAGE = "project.permissions.manage"
    PROJECT_SETTINGS_MANAGE = "project.settings.manage"
    PROJECT_MEMBERS_INVITE = "project.members.invite"
    PROJECT_MEMBERS_REMOVE = "project.members.remove"
    # program
    PROGRAM_VIEW = "program.view"
    PROGRAM_EDIT = "program.edit"
    PROGRAM_MEMBERS_MANAGE = "program.members.manage"
    PROGRAM_MILESTONES_MANAGE = "program.milestones.manage"
    PROGRAM_DELETE = "program.delete"

    @property
    def scope(self) -> Scope:
        return Scope(self.value.split(".", 1)[0])


def in_scope(scope: Scope) -> frozenset[Permission]:
    return frozenset(permission for permission in Permission if permission.scope is scope)


P = Permission

# The keys a department (or a direct grant) can give an organization member.
DEPARTMENT_KEYS = in_scope(Scope.ORGANIZATION) - {P.ORG_VIEW, P.ORG_DELETE}
ORG_OWNER_KEYS = in_scope(Scope.ORGANIZATION)

WORKSPACE_ROLE_KEYS: dict[WorkspaceRole, frozenset[Permission]] = {
    WorkspaceRole.OWNER: in_scope(Scope.WORKSPACE),
    WorkspaceRole.WS_ADMIN: in_scope(Scope.WORKSPACE) - {P.WORKSPACE_DELETE},
    WorkspaceRole.WS_EDITOR: frozenset(
        {
            P.WORKSPACE_VIEW,
            P.WORKSPACE_PROJECTS_CREATE,
            P.WORKSPACE_PROJECTS_EDIT,
            P.WORKSPACE_SPACES_CREATE,
            P.WORKSPACE_SPACES_EDIT,
            P.WORKSPACE_PROGRAMS_CREATE,
        }
    ),
    WorkspaceRole.WS_VIEWER: frozenset({P.WORKSPACE_VIEW}),
}

SPACE_VIEW_KEYS = frozenset(
    {P.SPACE_VIEW, P.SPACE_TEAMS_VIEW, P.SPACE_PROJECTS_VIEW, P.SPACE_ITEMS_VIEW, P.SPACE_ANALYTICS_VIEW}
)
SPACE_ROLE_KEYS: dict[SpaceRole, frozenset[Permission]] = {
    SpaceRole.ADMIN: in_scope(Scope.SPACE),
    SpaceRole.MEMBER: SPACE_VIEW_KEYS | {P.SPACE_ITEMS_CREATE, P.SPACE_ITEMS_EDIT},
    SpaceRole.VIEWER: SPACE_VIEW_KEYS,
}

PROJECT_BASIC_VIEW_KEYS = frozenset(
    {
        P.PROJECT_VIEW,
        P.PROJECT_TASKS_VIEW,
        P.PROJECT_SPRINTS_VIEW,
        P.PROJECT_DOCS_VIEW,
        P.PROJECT_MEMBERS_VIEW,
        P.PROJECT_TEAMS_VIEW,
    }
)
# The four roles every project starts with; their names are those of the original.
PROJECT_DEFAULT_ROLES: dict[str, frozenset[Permission]] = {
    "OWNER": in_scope(Scope.PROJECT),
    "ADMIN": PROJECT_BASIC_VIEW_KEYS
    | {
        P.PROJECT_TASKS_CREATE,
        P.PROJECT_TASKS_EDIT,
        P.PROJECT_TASKS_DELETE,
        P.PROJECT_SPRINTS_CREATE,
        P.PROJECT_SPRINTS_EDIT,
        P.PROJECT_SPRINTS_DELETE,
        P.PROJECT_DOCS_CREATE,
        P.PROJECT_DOCS_EDIT,
        P.PROJECT_DOCS_DELETE,
        P.PROJECT_SPRINTS_START,
        P.PROJECT_SPRINTS_COMPLETE,
        P.PROJECT_MEMBERS_MANAGE,
        P.PROJECT_TEAMS_MANAGE,
        P.PROJECT_PERMISSIONS_MANAGE,
        P.PROJECT_SETTINGS_EDIT,
    },
    "MEMBER": PROJECT_BASIC_VIEW_KEYS | {P.PROJECT_TASKS_CREATE, P.PROJECT_TASKS_EDIT},
    "VIEWER": PROJECT_BASIC_VIEW_KEYS,
}
PROJECT_OWNER_ROLE = "OWNER"

PROGRAM_ROLE_KEYS: dict[ProgramRole, frozenset[Permission]] = {
    ProgramRole.LEAD: in_scope(Scope.PROGRAM),
    ProgramRole.ADMIN: in_scope(Scope.PROGRAM) - {P.PROGRAM_DELETE},
    ProgramRole.MEMBER: frozenset({P.PROGRAM_VIEW, P.PROGRAM_MILESTONES_MANAGE}),
    ProgramRole.VIEWER: frozenset({P.PROGRAM_VIEW}),
}

# Organization roles that make someone an owner of every project in the org's workspaces.
ORG_ROLES_OWNING_PROJECTS = frozenset({OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MODERATOR})
