"""Bodies of the access routes."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from fairlx.rbac.service import AccessMap, Grants


class GrantsOut(BaseModel):
    id: uuid.UUID
    name: str
    role: str | None
    permissions: list[str]

    @classmethod
    def of(cls, grants: Grants) -> GrantsOut:
        return cls(id=grants.id, name=grants.name, role=grants.role, permissions=sorted(grants.permissions))


class AccessOut(BaseModel):
    organizations: list[GrantsOut]
    workspaces: list[GrantsOut]

    @classmethod
    def of(cls, access: AccessMap) -> AccessOut:
        return cls(
            organizations=[GrantsOut.of(each) for each in access.organizations],
            workspaces=[GrantsOut.of(each) for each in access.workspaces],
        )
