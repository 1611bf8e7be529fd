"""A member removed from a workspace through one server process loses access on the very next request
to another process, both resolving access through the same Redis."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

import httpx
import pytest

from fairlx.auth.models import SignInMethod, User
from fairlx.auth.sessions import SESSION_COOKIE, ClientInfo, start_session
from fairlx.core.clock import utcnow
from fairlx.core.db import Database
from fairlx.core.security.csrf import CSRF_HEADER, csrf_token
from fairlx.workspaces.models import Workspace, WorkspaceKind, WorkspaceMember, WorkspaceRole
from tests.support.processes import running, wait_until_serving
from tests.support.servers import free_port
from tests.system.conftest import SYSTEM_SECRET_KEY

pytestmark = pytest.mark.system


async def signed_in_users(database_url: str, names: list[str]) -> tuple[dict[str, str], uuid.UUID]:
    """Users with a session each, and a workspace where the first administers and the others edit."""
    database = Database(database_url)
    try:
        async with database.unit_of_work() as db:
            users = [User(email=f"{name}@example.com", name=name, email_verified_at=utcnow()) for name in names]
            db.add_all(users)
            await db.flush()
            workspace = Workspace(name="Shared", kind=WorkspaceKind.PERSONAL, created_by=users[0].id)
            db.add(workspace)
            await db.flush()
            for index, user in enumerate(users):
                role = WorkspaceRole.OWNER if index == 0 else WorkspaceRole.WS_EDITOR
                db.add(WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=role))
            client = ClientInfo(ip="127.0.0.1", user_agent="system test")
            cookies = {
                user.name: (await start_session(db, user, SignInMethod.PASSWORD, client)).token for user in users
            }
            cookies |= {f"{user.name}:id": str(user.id) for user in users}
        return cookies, workspace.id
    finally:
        await database.dispose()


def browser(base: str, cookie: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        cookies={SESSION_COOKIE: cookie},
        headers={CSRF_HEADER: csrf_token(SYSTEM_SECRET_KEY.encode(), cookie)},
    )


async def test_removal_through_one_process_is_seen_by_another(production_like: dict[str, str], tmp_path: Path) -> None:
    env = production_like
    ports = free_port(), free_port()
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    cookies, workspace_id = await signed_in_users(env["FAIRLX_DATABASE_URL"], ["owner", "member"])
    member_id = cookies["member:id"]
    workspace = f"/api/v1/workspaces/{workspace_id}"
    async with contextlib.AsyncExitStack() as stack:
        for port, base in zip(ports, (first, second), strict=True):
            log = tmp_path / f"serve-{port}.log"
            process = await stack.enter_async_context(
                running("serve", "--port", str(port), env=env, cwd=tmp_path, log=log)
            )
            await wait_until_serving(base, process, log)
        owner = await stack.enter_async_context(browser(first, cookies["owner"]))
        member_on_second = await stack.enter_async_context(browser(second, cookies["member"]))

        for _ in range(3):  # warm the second process's view (and Redis) of the member's access
            assert (await member_on_second.get(workspace)).status_code == 200
        removed = await owner.delete(f"{workspace}/members/{member_id}")
        assert removed.status_code == 204, removed.text
        after = await member_on_second.get(workspace)

    assert after.status_code == 404
    assert after.json()["code"] == "workspace_not_found"
