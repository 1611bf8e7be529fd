"""The organization audit trail: one row per change to membership, roles, permissions, ownership,
workspaces or security, with who did it, to what, from where and when."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fairlx.auth.sessions import ClientInfo
from fairlx.orgs.models import OrgAuditEntry


class OrgAction(StrEnum):
    ORGANIZATION_CREATED = "organization_created"
    ORGANIZATION_RENAMED = "organization_renamed"
    ORGANIZATION_DELETED = "organization_deleted"
    ORGANIZATION_RESTORED = "organization_restored"
    ACCOUNT_CONVERTED = "account_converted"
    OWNERSHIP_TRANSFERRED = "ownership_transferred"
    WORKSPACE_CREATED = "workspace_created"
    WORKSPACE_DELETED = "workspace_deleted"
    WORKSPACE_MEMBER_ADDED = "workspace_member_added"
    WORKSPACE_MEMBER_REMOVED = "workspace_member_removed"
    WORKSPACE_MEMBER_ROLE_CHANGED = "workspace_member_role_changed"
    MEMBER_ADDED = "member_added"
    MEMBER_CREATED = "member_created"
    MEMBER_REMOVED = "member_removed"
    MEMBER_ROLE_CHANGED = "member_role_changed"
    MEMBER_ACTIVATED = "member_activated"
    MEMBER_SUSPENDED = "member_suspended"
    MEMBER_LEFT = "member_left"
    DEPARTMENT_CREATED = "department_created"
    DEPARTMENT_UPDATED = "department_updated"
    DEPARTMENT_DELETED = "department_deleted"
    DEPARTMENT_MEMBER_ADDED = "department_member_added"
    DEPARTMENT_MEMBER_REMOVED = "department_member_removed"
    PERMISSION_GRANTED = "permission_granted"
    PERMISSION_REVOKED = "permission_revoked"
    FIRST_LOGIN_TOKEN_CREATED = "first_login_token_created"  # noqa: S105 (an action name)
    FIRST_LOGIN_TOKEN_USED = "first_login_token_used"  # noqa: S105
    ACCOUNT_DELETE_BLOCKED = "account_delete_attempt_blocked"


def record_org_audit(
    db: AsyncSession,
    organization_id: uuid.UUID,
    action: OrgAction,
    *,
    actor_id: uuid.UUID | None,
    client: ClientInfo | None,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    target_name: str | None = None,
    workspace_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    db.add(
        OrgAuditEntry(
            organization_id=organization_id,
            actor_id=actor_id,
            action=action.value,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            target_name=target_name,
            workspace_id=workspace_id,
            detail=detail,
            ip=client.ip if client else None,
        )
    )
