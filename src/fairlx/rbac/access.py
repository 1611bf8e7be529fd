"""What one user may do in one organization or one workspace, resolved from the four layers and kept
as plain data (so it caches as JSON). The rules live here, as pure functions of that data:

- organization: OWNER holds every key; other active members hold `org.view` plus the keys of their
  departments and their own direct grants. A suspended member holds nothing there, nor in any of the
  organization's workspaces, whatever their memberships in them.
- workspace: the member's role (OWNER, WS_ADMIN, WS_EDITOR, WS_VIEWER). In an organization's workspace an
  org OWNER counts as OWNER, an org ADMIN as WS_ADMIN and a MODERATOR as WS_VIEWER, whichever is higher
  than their own membership; `org.workspace.assign` lets a member see the workspace and add org members.
- space: workspace admins and space ADMINs hold all 20 keys, space MEMBERs and VIEWERs their sets; a
  PUBLIC space lends workspace editors the MEMBER set and viewers the VIEWER set. A PRIVATE space is
  invisible to everyone else.
- project: workspace admins and org OWNER/ADMIN/MODERATOR are implicit project owners (all 34 keys);
  anyone else holds the union of their project role, their teams' grants and their direct grants.
- program: workspace admins hold every key, program members their role's; other workspace members view.

A resource is visible when its view key is held; otherwise it does not exist for the user (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fairlx.orgs.models import OrgRole
from fairlx.programs.models import ProgramRole
from fairlx.rbac.permissions import (
    ORG_OWNER_KEYS,
    ORG_ROLES_OWNING_PROJECTS,
    PROGRAM_ROLE_KEYS,
    SPACE_ROLE_KEYS,
    WORKSPACE_ROLE_KEYS,
    Permission,
    Scope,
    in_scope,
)
from fairlx.spaces.models import SpaceRole, SpaceVisibility
from fairlx.workspaces.models import WORKSPACE_ROLE_RANK, WorkspaceRole

P = Permission
NOTHING: frozenset[Permission] = frozenset()
VIEW_KEY = {
    Scope.ORGANIZATION: P.ORG_VIEW,
    Scope.WORKSPACE: P.WORKSPACE_VIEW,
    Scope.SPACE: P.SPACE_VIEW,
    Scope.PROJECT: P.PROJECT_VIEW,
    Scope.PROGRAM: P.PROGRAM_VIEW,
}
ROLE_IMPLIED_BY_ORG = {OrgRole.OWNER: WorkspaceRole.OWNER, OrgRole.ADMIN: WorkspaceRole.WS_ADMIN}
ORG_ASSIGNER_KEYS = frozenset({P.WORKSPACE_VIEW, P.WORKSPACE_MEMBERS_ADD_FROM_ORG})


@dataclass(frozen=True)
class OrgAccess:
    organization_id: uuid.UUID
    role: OrgRole | None  # None: not an active member
    granted: frozenset[Permission] = NOTHING  # from departments and direct grants
    suspended: bool = False  # a suspended member reaches nothing of the organization's

    @property
    def keys(self) -> frozenset[Permission]:
        if self.role is None:
            return NOTHING
        if self.role is OrgRole.OWNER:
            return ORG_OWNER_KEYS
        return self.granted | {P.ORG_VIEW}

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "granted": sorted(self.granted), "suspended": self.suspended}

    @classmethod
    def from_json(cls, organization_id: uuid.UUID, data: Mapping[str, Any]) -> OrgAccess:
        role = OrgRole(data["role"]) if data["role"] else None
        granted = frozenset(Permission(key) for key in data["granted"])
        return cls(organization_id, role, granted, suspended=data["suspended"])


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace_id: uuid.UUID
    member_role: WorkspaceRole | None = None  # the direct membership
    org: OrgAccess | None = None  # for an organization's workspace
    spaces: Mapping[uuid.UUID, SpaceRole] = field(default_factory=dict)
    projects: Mapping[uuid.UUID, frozenset[Permission]] = field(default_factory=dict)
    programs: Mapping[uuid.UUID, ProgramRole] = field(default_factory=dict)

    @property
    def role(self) -> WorkspaceRole | None:
        """The effective workspace role: the membership's, or the one the org role implies if higher."""
        candidates = [self.member_role] if self.member_role else []
        if self.org is not None and self.org.role in ROLE_IMPLIED_BY_ORG:
            candidates.append(ROLE_IMPLIED_BY_ORG[self.org.role])
        if self.org is not None and self.org.role is OrgRole.MODERATOR:
            candidates.append(WorkspaceRole.WS_VIEWER)
        return max(candidates, key=WORKSPACE_ROLE_RANK.__getitem__, default=None)

    @property
    def is_admin(self) -> bool:
        return self.role in (WorkspaceRole.OWNER, WorkspaceRole.WS_ADMIN)

    @property
    def owns_projects(self) -> bool:
        return self.is_admin or (self.org is not None and self.org.role in ORG_ROLES_OWNING_PROJECTS)

    def workspace_keys(self) -> frozenset[Permission]:
        keys = WORKSPACE_ROLE_KEYS[self.role] if self.role else NOTHING
        if self.org is not None and P.ORG_WORKSPACE_ASSIGN in self.org.keys:
            keys = keys | ORG_ASSIGNER_KEYS
        return keys

    def space_keys(self, space_id: uuid.UUID, visibility: SpaceVisibility) -> frozenset[Permission]:
        if self.is_admin:
            return in_scope(Scope.SPACE)
        if space_id in self.spaces:
            return SPACE_ROLE_KEYS[self.spaces[space_id]]
        if visibility is SpaceVisibility.PUBLIC and self.role is not None:
            lent = SpaceRole.VIEWER if self.role is WorkspaceRole.WS_VIEWER else SpaceRole.MEMBER
            return SPACE_ROLE_KEYS[lent]
        return NOTHING

    def project_keys(self, project_id: uuid.UUID) -> frozenset[Permission]:
        if self.owns_projects:
            return in_scope(Scope.PROJECT)
        return self.projects.get(project_id, NOTHING)

    def program_keys(self, program_id: uuid.UUID) -> frozenset[Permission]:
        if self.is_admin:
            return in_scope(Scope.PROGRAM)
        if program_id in self.programs:
            return PROGRAM_ROLE_KEYS[self.programs[program_id]]
        return frozenset({P.PROGRAM_VIEW}) if self.role is not None else NOTHING

    def as_json(self) -> dict[str, Any]:
        return {
            "member_role": self.member_role,
            "org": None if self.org is None else {"id": str(self.org.organization_id), **self.org.as_json()},
            "spaces": {str(key): role for key, role in self.spaces.items()},
            "projects": {str(key): sorted(keys) for key, keys in self.projects.items()},
            "programs": {str(key): role for key, role in self.programs.items()},
        }

    @classmethod
    def from_json(cls, workspace_id: uuid.UUID, data: Mapping[str, Any]) -> WorkspaceAccess:
        org = data["org"]
        return cls(
            workspace_id=workspace_id,
            member_role=WorkspaceRole(data["member_role"]) if data["member_role"] else None,
            org=None if org is None else OrgAccess.from_json(uuid.UUID(org["id"]), org),
            spaces={uuid.UUID(key): SpaceRole(role) for key, role in data["spaces"].items()},
            projects={
                uuid.UUID(key): frozenset(Permission(value) for value in keys) for key, keys in data["projects"].items()
            },
            programs={uuid.UUID(key): ProgramRole(role) for key, role in data["programs"].items()},
        )
