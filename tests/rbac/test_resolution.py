"""Resolution through the cache: a warm check runs no SQL, any change to access is seen at once, and the
caller's access map drives navigation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update

from fairlx.core.clock import utcnow
from fairlx.core.infrastructure import Infrastructure
from fairlx.orgs.models import DepartmentMember, MemberStatus, Organization, OrgMember, OrgRole
from fairlx.projects.models import Project
from fairlx.rbac.authorize import permissions_on
from fairlx.rbac.permissions import Permission
from fairlx.rbac.resolver import org_access_changed, workspace_access_changed
from fairlx.workspaces.models import Workspace, WorkspaceMember
from tests.rbac.expectations import PROJECT_MEMBER
from tests.support.tenancy import World


async def keys_on(
    infra: Infrastructure, world: World, persona: str, model: Any, resource_id: Any
) -> frozenset[Permission]:
    async with infra.db.unit_of_work(read_only=True) as db:
        resource = await db.get(model, resource_id)
        assert resource is not None
        return await permissions_on(db, infra.cache, world.users[persona], resource)


async def test_a_warm_permission_check_runs_no_sql(infra: Infrastructure, world: World, count_sql: Any) -> None:
    await keys_on(infra, world, "project_member", Project, world.project.id)  # warms the cache
    async with infra.db.unit_of_work(read_only=True) as db:
        project = await db.get(Project, world.project.id)
        assert project is not None
        with count_sql() as counter:
            keys = await permissions_on(db, infra.cache, world.users["project_member"], project)
    assert keys == PROJECT_MEMBER
    assert counter.statements == []


async def test_removing_a_workspace_member_takes_effect_at_once(infra: Infrastructure, world: World) -> None:
    assert Permission.WORKSPACE_VIEW in await keys_on(infra, world, "ws_editor", Workspace, world.workspace.id)
    async with infra.db.unit_of_work() as db:
        await db.execute(delete(WorkspaceMember).where(WorkspaceMember.user_id == world.users["ws_editor"]))
        workspace_access_changed(db, infra.cache, world.workspace.id)
    assert await keys_on(infra, world, "ws_editor", Workspace, world.workspace.id) == frozenset()


async def test_a_change_rolled_back_leaves_the_cache_alone(infra: Infrastructure, world: World) -> None:
    before = await keys_on(infra, world, "ws_editor", Workspace, world.workspace.id)

    async def failing_change() -> None:
        async with infra.db.unit_of_work() as db:
            workspace_access_changed(db, infra.cache, world.workspace.id)
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await keys_on(infra, world, "ws_editor", Workspace, world.workspace.id) == before


async def test_org_changes_reach_every_workspace_of_the_org(infra: Infrastructure, world: World) -> None:
    assert await keys_on(infra, world, "org_admin", Project, world.project.id)
    async with infra.db.unit_of_work() as db:
        await db.execute(
            update(OrgMember).where(OrgMember.user_id == world.users["org_admin"]).values(role=OrgRole.MEMBER)
        )
        await org_access_changed(db, infra.cache, world.organization.id)
    assert await keys_on(infra, world, "org_admin", Project, world.project.id) == frozenset()


async def test_leaving_a_department_drops_its_keys(infra: Infrastructure, world: World) -> None:
    assert Permission.ORG_AUDIT_VIEW in await keys_on(
        infra, world, "dept_with_key", Organization, world.organization.id
    )
    async with infra.db.unit_of_work() as db:
        await db.execute(delete(DepartmentMember).where(DepartmentMember.user_id == world.users["dept_with_key"]))
        await org_access_changed(db, infra.cache, world.organization.id)
    keys = await keys_on(infra, world, "dept_with_key", Organization, world.organization.id)
    assert keys == frozenset({Permission.ORG_VIEW})


async def test_a_deleted_workspace_hides_everything_in_it(infra: Infrastructure, world: World) -> None:
    async with infra.db.unit_of_work() as db:
        await db.execute(update(Workspace).where(Workspace.id == world.workspace.id).values(deleted_at=utcnow()))
        workspace_access_changed(db, infra.cache, world.workspace.id)
    assert await keys_on(infra, world, "org_owner", Project, world.project.id) == frozenset()


async def test_my_access_lists_what_i_may_do_where(world: World) -> None:
    owner = (await world.clients["org_owner"].get("/api/v1/me/access")).json()
    [org] = owner["organizations"]
    [workspace] = owner["workspaces"]
    assert (org["name"], org["role"]) == ("Acme", "OWNER")
    assert "org.delete" in org["permissions"]
    assert (workspace["name"], workspace["role"]) == ("Engineering", "OWNER")
    viewer = (await world.clients["ws_viewer"].get("/api/v1/me/access")).json()
    assert viewer["organizations"] == []
    assert [(each["name"], each["permissions"]) for each in viewer["workspaces"]] == [
        ("Engineering", ["workspace.view"])
    ]
    stranger = (await world.clients["non_member"].get("/api/v1/me/access")).json()
    assert stranger == {"organizations": [], "workspaces": []}


async def test_my_access_needs_a_sign_in(second_client: httpx.AsyncClient) -> None:
    assert (await second_client.get("/api/v1/me/access")).status_code == 401


async def test_a_suspended_org_member_reaches_nothing_of_the_org(infra: Infrastructure, world: World) -> None:
    assert await keys_on(infra, world, "project_member", Project, world.project.id) == PROJECT_MEMBER
    async with infra.db.unit_of_work() as db:
        db.add(
            OrgMember(
                organization_id=world.organization.id,
                user_id=world.users["project_member"],
                role=OrgRole.MEMBER,
                status=MemberStatus.SUSPENDED,
            )
        )
        await org_access_changed(db, infra.cache, world.organization.id)
    assert await keys_on(infra, world, "project_member", Project, world.project.id) == frozenset()
    assert await keys_on(infra, world, "project_member", Workspace, world.workspace.id) == frozenset()


async def test_one_members_change_drops_only_their_entry(infra: Infrastructure, world: World, count_sql: Any) -> None:
    await keys_on(infra, world, "ws_viewer", Workspace, world.workspace.id)  # cached
    async with infra.db.unit_of_work() as db:
        await db.execute(delete(WorkspaceMember).where(WorkspaceMember.user_id == world.users["ws_editor"]))
        workspace_access_changed(db, infra.cache, world.workspace.id, user_id=world.users["ws_editor"])
    assert await keys_on(infra, world, "ws_editor", Workspace, world.workspace.id) == frozenset()
    async with infra.db.unit_of_work(read_only=True) as db:
        workspace = await db.get(Workspace, world.workspace.id)
        assert workspace is not None
        with count_sql() as counter:
            keys = await permissions_on(db, infra.cache, world.users["ws_viewer"], workspace)
    assert keys == frozenset({Permission.WORKSPACE_VIEW})
    assert counter.statements == []  # the viewer's entry survived the editor's removal
