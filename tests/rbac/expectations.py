"""What each persona of the tenant world may do, stated from the product's rules (inventory §4) rather
than derived from the code under test."""

from __future__ import annotations

from fairlx.rbac.permissions import Permission, Scope

P = Permission


def every(scope: Scope) -> frozenset[Permission]:
    return frozenset(permission for permission in Permission if permission.scope is scope)


ORG_ALL = every(Scope.ORGANIZATION)
WORKSPACE_ALL = every(Scope.WORKSPACE)
SPACE_ALL = every(Scope.SPACE)
PROJECT_ALL = every(Scope.PROJECT)
PROGRAM_ALL = every(Scope.PROGRAM)

WORKSPACE_ADMIN = WORKSPACE_ALL - {P.WORKSPACE_DELETE}
WORKSPACE_EDITOR = frozenset(
    {
        P.WORKSPACE_VIEW,
        P.WORKSPACE_PROJECTS_CREATE,
        P.WORKSPACE_PROJECTS_EDIT,
        P.WORKSPACE_SPACES_CREATE,
        P.WORKSPACE_SPACES_EDIT,
        P.WORKSPACE_PROGRAMS_CREATE,
    }
)
WORKSPACE_VIEWER = frozenset({P.WORKSPACE_VIEW})

SPACE_VIEWING = frozenset(
    {P.SPACE_VIEW, P.SPACE_TEAMS_VIEW, P.SPACE_PROJECTS_VIEW, P.SPACE_ITEMS_VIEW, P.SPACE_ANALYTICS_VIEW}
)
SPACE_MEMBER = SPACE_VIEWING | {P.SPACE_ITEMS_CREATE, P.SPACE_ITEMS_EDIT}

PROJECT_VIEWER = frozenset(
    {
        P.PROJECT_VIEW,
        P.PROJECT_TASKS_VIEW,
        P.PROJECT_SPRINTS_VIEW,
        P.PROJECT_DOCS_VIEW,
        P.PROJECT_MEMBERS_VIEW,
        P.PROJECT_TEAMS_VIEW,
    }
)
PROJECT_MEMBER = PROJECT_VIEWER | {P.PROJECT_TASKS_CREATE, P.PROJECT_TASKS_EDIT}
PROJECT_ADMIN = PROJECT_VIEWER | {
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
}
CUSTOM_ROLE = frozenset({P.PROJECT_VIEW, P.PROJECT_SETTINGS_EDIT, P.PROJECT_MEMBERS_VIEW})
TEAM_GRANT = frozenset({P.PROJECT_VIEW, P.PROJECT_TASKS_VIEW, P.PROJECT_TEAMS_VIEW})
DEPARTMENT_GRANT = frozenset({P.ORG_MEMBERS_VIEW, P.ORG_AUDIT_VIEW, P.ORG_WORKSPACE_ASSIGN})

WORKSPACE_VIEWERS = (
    "ws_viewer",
    "project_owner",
    "project_admin",
    "project_member",
    "project_viewer",
    "custom_role",
    "team_member",
    "space_admin",
    "space_member",
    "space_viewer",
)

EXPECTED: dict[Scope, dict[str, frozenset[Permission]]] = {
    # Only an owner holds org keys by role; the others hold what their departments grant.
    Scope.ORGANIZATION: {
        "org_owner": ORG_ALL,
        "org_admin": frozenset({P.ORG_VIEW}),
        "dept_with_key": frozenset({P.ORG_VIEW}) | DEPARTMENT_GRANT,
        "dept_without_key": frozenset({P.ORG_VIEW}),
    },
    # An org owner is a workspace owner, an org admin a workspace admin; org.workspace.assign lets a
    # member see the workspace and add org members to it.
    Scope.WORKSPACE: {
        "org_owner": WORKSPACE_ALL,
        "org_admin": WORKSPACE_ADMIN,
        "dept_with_key": frozenset({P.WORKSPACE_VIEW, P.WORKSPACE_MEMBERS_ADD_FROM_ORG}),
        "ws_admin": WORKSPACE_ADMIN,
        "ws_editor": WORKSPACE_EDITOR,
        **dict.fromkeys(WORKSPACE_VIEWERS, WORKSPACE_VIEWER),
    },
    # The world's space is private: its members and the workspace's admins see it, nobody else.
    Scope.SPACE: {
        "org_owner": SPACE_ALL,
        "org_admin": SPACE_ALL,
        "ws_admin": SPACE_ALL,
        "space_admin": SPACE_ALL,
        "space_member": SPACE_MEMBER,
        "space_viewer": SPACE_VIEWING,
    },
    # Org owners/admins and workspace admins own every project; the others hold the union of role, team and grants.
    Scope.PROJECT: {
        "org_owner": PROJECT_ALL,
        "org_admin": PROJECT_ALL,
        "ws_admin": PROJECT_ALL,
        "project_owner": PROJECT_ALL,
        "project_admin": PROJECT_ADMIN,
        "project_member": PROJECT_MEMBER,
        "project_viewer": PROJECT_VIEWER,
        "custom_role": CUSTOM_ROLE,
        "team_member": TEAM_GRANT,
    },
    # Every workspace member sees programs; the lead (project_owner) and workspace admins run them.
    Scope.PROGRAM: {
        "org_owner": PROGRAM_ALL,
        "org_admin": PROGRAM_ALL,
        "ws_admin": PROGRAM_ALL,
        "ws_editor": frozenset({P.PROGRAM_VIEW}),
        **dict.fromkeys(WORKSPACE_VIEWERS, frozenset({P.PROGRAM_VIEW})),
        "project_owner": PROGRAM_ALL,
    },
}


def expected_keys(persona: str, scope: Scope) -> frozenset[Permission]:
    return EXPECTED[scope].get(persona, frozenset())
