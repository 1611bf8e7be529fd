"""The workspace pages, driven as htmx drives them: onboarding's workspace step, home, the switcher, the
overview and settings, joining with a link and answering an invitation."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from fairlx.settings import Settings
from tests.support.accounts import Drain
from tests.support.assets import require_built_assets
from tests.workspaces.conftest import (
    HTMX,
    ORGS,
    WORKSPACES,
    MakePerson,
    add_member,
    add_to_org,
    create_org,
    create_workspace,
    invitation_mail,
    invitation_token,
    join_personal,
)

WORKSPACE_PATH = re.compile(r"^/workspaces/([0-9a-f-]{36})$")


@pytest.fixture(autouse=True)
def built_assets() -> dict[str, str]:
    return require_built_assets()


def workspace_id_of(answer: httpx.Response) -> str:
    assert answer.status_code == 204, answer.text
    found = WORKSPACE_PATH.match(answer.headers["hx-redirect"])
    assert found, answer.headers["hx-redirect"]
    return found.group(1)


# --- onboarding and home -------------------------------------------------------------------------------------


async def test_a_personal_account_creates_its_workspace_after_choosing_its_type(people: MakePerson) -> None:
    ada = await people("Ada Lovelace")
    chosen = await ada.client.post("/onboarding", data={"account_type": "PERSONAL"}, headers=HTMX)
    assert chosen.headers["hx-redirect"] == "/home"
    home = await ada.client.get("/home")
    assert home.status_code == 303
    assert home.headers["location"] == "/onboarding/workspace"

    page = await ada.client.get("/onboarding/workspace")
    assert page.status_code == 200
    assert "Create your workspace" in page.text
    assert 'value="Ada&#39;s workspace"' in page.text
    assert 'name="organization_name"' not in page.text

    blank = await ada.client.post("/onboarding/workspace", data={"workspace_name": "  "}, headers=HTMX)
    assert blank.status_code == 422
    assert 'aria-invalid="true"' in blank.text
    created = await ada.client.post("/onboarding/workspace", data={"workspace_name": "Lab notes"}, headers=HTMX)
    workspace_id = workspace_id_of(created)

    home = await ada.client.get("/home")
    assert home.status_code == 200
    assert "Lab notes" in home.text
    assert f'href="/workspaces/{workspace_id}"' in home.text
    assert "No workspaces yet" not in home.text
    done = await ada.client.get("/onboarding/workspace")
    assert done.status_code == 303
    assert done.headers["location"] == "/home"


async def test_an_organization_account_sets_up_its_organization_and_first_workspace(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    assert (await olga.client.get("/home")).headers["location"] == "/onboarding/workspace"
    page = await olga.client.get("/onboarding/workspace")
    assert "Set up your organization" in page.text
    assert 'name="organization_name"' in page.text
    assert 'name="size"' in page.text

    missing = await olga.client.post(
        "/onboarding/workspace", data={"workspace_name": "Engineering", "size": "11-50"}, headers=HTMX
    )
    assert missing.status_code == 422
    assert "Name your organization." in missing.text
    bad_size = await olga.client.post(
        "/onboarding/workspace",
        data={"organization_name": "Acme", "size": "lots", "workspace_name": "Engineering"},
        headers=HTMX,
    )
    assert bad_size.status_code == 422
    created = await olga.client.post(
        "/onboarding/workspace",
        data={"organization_name": "Acme", "size": "11-50", "workspace_name": "Engineering"},
        headers=HTMX,
    )
    workspace_id = workspace_id_of(created)
    workspace = (await olga.client.get(f"{WORKSPACES}/{workspace_id}")).json()
    assert workspace["organization_name"] == "Acme"
    assert workspace["role"] == "OWNER"
    organizations = (await olga.client.get(ORGS)).json()["items"]
    assert [(item["name"], item["size"], item["role"]) for item in organizations] == [("Acme", "11-50", "OWNER")]


async def test_an_org_owner_without_workspaces_only_names_the_first_one(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    organization_id = await create_org(olga, "Globex")
    page = await olga.client.get("/onboarding/workspace")
    assert "Create the first workspace of Globex" in page.text
    assert 'name="organization_name"' not in page.text
    created = await olga.client.post("/onboarding/workspace", data={"workspace_name": "Ops"}, headers=HTMX)
    workspace = (await olga.client.get(f"{WORKSPACES}/{workspace_id_of(created)}")).json()
    assert workspace["organization_id"] == organization_id
    assert len((await olga.client.get(ORGS)).json()["items"]) == 1


async def test_an_org_member_who_cannot_create_workspaces_is_not_stuck_in_onboarding(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    mel = await people("Mel", account_type="ORG")
    organization_id = await create_org(olga)
    await add_to_org(olga, organization_id, mel)
    home = await mel.client.get("/home")
    assert home.status_code == 200
    assert "No workspaces yet" in home.text
    assert (await mel.client.get("/onboarding/workspace")).headers["location"] == "/home"


async def test_onboarding_offers_the_invitations_waiting_for_the_address(
    people: MakePerson, settings: Settings, drain: Drain
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada, "Ada's lab")
    sent = await ada.client.post(
        f"{WORKSPACES}/{workspace['id']}/invitations", json={"email": "grace@example.com", "role": "WS_VIEWER"}
    )
    assert sent.status_code == 201
    await invitation_mail(settings, drain, "grace@example.com")  # delivered before Grace signs up
    grace = await people("Grace", account_type="PERSONAL")
    page = await grace.client.get("/onboarding/workspace")
    assert "You have been invited" in page.text
    assert "Ada&#39;s lab" in page.text
    accept_url = f"/onboarding/invitations/{sent.json()['id']}/accept"
    assert f'hx-post="{accept_url}"' in page.text
    stranger = await people("Sam", account_type="PERSONAL")
    assert (await stranger.client.post(accept_url, headers=HTMX)).status_code == 404  # not their invitation
    joined = await grace.client.post(accept_url, headers=HTMX)
    assert workspace_id_of(joined) == workspace["id"]
    assert (await grace.client.get("/home")).status_code == 200  # a workspace now: no onboarding


# --- pages of a workspace ------------------------------------------------------------------------------------------


async def test_workspace_pages_are_guarded(people: MakePerson, second_client: httpx.AsyncClient) -> None:
    ada = await people("Ada")
    sam = await people("Sam")
    workspace = await create_workspace(ada)
    for path in (f"/workspaces/{workspace['id']}", f"/workspaces/{workspace['id']}/settings", "/workspaces/new"):
        signed_out = await second_client.get(path)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/sign-in?return_to=")
    for path in (f"/workspaces/{workspace['id']}", f"/workspaces/{workspace['id']}/settings"):
        hidden = await sam.client.get(path, headers={"Accept": "text/html"})
        assert hidden.status_code == 404
        assert "text/html" in hidden.headers["content-type"]
    missing = await ada.client.get(f"/workspaces/{uuid.uuid4()}", headers={"Accept": "text/html"})
    assert missing.status_code == 404


async def test_the_overview_shows_members_role_and_settings(people: MakePerson) -> None:
    ada = await people("Ada")
    vic = await people("Vic")
    workspace = await create_workspace(ada, "Ada's lab")
    await join_personal(ada, workspace, vic, "WS_VIEWER")
    page = await vic.client.get(f"/workspaces/{workspace['id']}")
    assert page.status_code == 200
    assert "<h1" in page.text
    assert "Ada&#39;s lab" in page.text
    assert re.search(r"data-member-count>\s*2\s*<", page.text)
    assert re.search(r"data-your-role>\s*Viewer\s*<", page.text)
    assert f'href="/workspaces/{workspace["id"]}/settings"' in page.text
    assert "Invite people" not in page.text
    assert f'href="/workspaces/{workspace["id"]}/projects"' in page.text
    assert f'href="/workspaces/{workspace["id"]}/spaces"' not in page.text  # SIMPLE mode hides spaces
    assert "Invite people" in (await ada.client.get(f"/workspaces/{workspace['id']}")).text


async def test_the_switcher_loads_its_list_on_demand(people: MakePerson, second_client: httpx.AsyncClient) -> None:
    olga = await people("Olga", account_type="ORG")
    first = await create_workspace(olga, "Alpha")
    await create_workspace(olga, "Beta")
    page = await olga.client.get(f"/workspaces/{first['id']}")
    assert f'hx-get="/workspaces/switcher?current={first["id"]}"' in page.text
    assert 'hx-trigger="click once"' in page.text
    settings_page = await olga.client.get("/settings/profile")
    assert 'hx-get="/workspaces/switcher"' in settings_page.text
    assert "data-workspace-switcher" not in (await second_client.get("/sign-in")).text

    menu = await olga.client.get(f"/workspaces/switcher?current={first['id']}", headers=HTMX)
    assert menu.status_code == 200
    assert re.findall(r'href="/workspaces/([0-9a-f-]{36})"', menu.text) == [
        first["id"],
        (await olga.client.get(WORKSPACES)).json()["items"][1]["id"],
    ]
    assert 'aria-current="page"' in menu.text
    assert 'href="/workspaces/new"' in menu.text
    assert (await second_client.get("/workspaces/switcher", headers=HTMX)).status_code == 204


async def test_the_new_workspace_page_offers_the_owners_the_viewer_may_use(people: MakePerson) -> None:
    ada = await people("Ada", account_type="PERSONAL")
    await create_workspace(ada)
    full = await ada.client.get("/workspaces/new")
    assert "You cannot create another workspace" in full.text

    olga = await people("Olga", account_type="ORG")
    organization_id = await create_org(olga)
    page = await olga.client.get("/workspaces/new")
    assert 'value="personal"' in page.text
    assert f'value="{organization_id}"' in page.text
    blank = await olga.client.post("/workspaces/new", data={"name": "", "owner": organization_id}, headers=HTMX)
    assert blank.status_code == 422
    created = await olga.client.post("/workspaces/new", data={"name": "Design", "owner": organization_id}, headers=HTMX)
    workspace = (await olga.client.get(f"{WORKSPACES}/{workspace_id_of(created)}")).json()
    assert workspace["organization_id"] == organization_id

    mel = await people("Mel", account_type="ORG")
    await add_to_org(olga, organization_id, mel)
    refused = await mel.client.post("/workspaces/new", data={"name": "Sneaky", "owner": organization_id}, headers=HTMX)
    assert refused.status_code == 422
    assert "org.workspace.create" in refused.text


async def test_settings_show_what_the_role_allows(people: MakePerson) -> None:
    ada = await people("Ada")
    vic = await people("Vic")
    workspace = await create_workspace(ada, "Ada's lab")
    await join_personal(ada, workspace, vic, "WS_VIEWER")
    base = f"/workspaces/{workspace['id']}"

    owner_page = await ada.client.get(f"{base}/settings")
    assert owner_page.status_code == 200
    for marker in ('id="general"', 'id="members"', 'id="invitations"', 'id="invite-link"', "Delete workspace"):
        assert marker in owner_page.text
    assert workspace["invite_code"] in owner_page.text

    viewer_page = await vic.client.get(f"{base}/settings")
    assert viewer_page.status_code == 200
    assert 'id="members"' in viewer_page.text
    for marker in ('id="general"', 'id="invitations"', 'id="invite-link"', "Delete workspace", 'name="role"'):
        assert marker not in viewer_page.text
    assert f'hx-post="{base}/leave"' in viewer_page.text
    refused = await vic.client.post(f"{base}/settings/general", data={"name": "Mine"}, headers=HTMX)
    assert refused.status_code == 403


async def test_general_settings_are_saved_from_the_form(people: MakePerson) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    url = f"/workspaces/{workspace['id']}/settings/general"
    bad = await ada.client.post(url, data={"name": "", "ui_mode": "ADVANCED", "spaces": "on"}, headers=HTMX)
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text
    saved = await ada.client.post(
        url, data={"name": "Renamed", "ui_mode": "ADVANCED", "spaces": "on", "time_tracking": "on"}, headers=HTMX
    )
    assert saved.status_code == 200
    assert "Settings saved" in saved.headers["hx-trigger"]
    assert 'value="Renamed"' in saved.text
    body = (await ada.client.get(f"{WORKSPACES}/{workspace['id']}")).json()
    assert body["name"] == "Renamed"
    assert body["ui_mode"] == "ADVANCED"
    assert body["enabled_features"] == ["spaces", "time_tracking"]


async def test_members_are_managed_from_the_settings_page(people: MakePerson) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    vic = await people("Vic")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, eve)
    await join_personal(ada, workspace, vic)
    base = f"/workspaces/{workspace['id']}"

    changed = await ada.client.post(f"{base}/members/{eve.id}/role", data={"role": "WS_ADMIN"}, headers=HTMX)
    assert changed.status_code == 200
    assert "Role changed" in changed.headers["hx-trigger"]
    assert (await eve.client.get(f"{WORKSPACES}/{workspace['id']}")).json()["role"] == "WS_ADMIN"
    bad = await ada.client.post(f"{base}/members/{eve.id}/role", data={"role": "KING"}, headers=HTMX)
    assert bad.status_code == 422

    last = await ada.client.delete(f"{base}/members/{ada.id}", headers=HTMX)
    assert last.status_code == 422
    assert "last owner" in last.text
    removed = await eve.client.delete(f"{base}/members/{vic.id}", headers=HTMX)
    assert removed.status_code == 200
    assert f'data-member="{vic.id}"' not in removed.text
    assert (await vic.client.get(base, headers={"Accept": "text/html"})).status_code == 404
    left = await eve.client.delete(f"{base}/members/{eve.id}", headers=HTMX)
    assert left.status_code == 204
    assert left.headers["hx-redirect"] == "/home"


async def test_org_members_are_added_from_the_settings_page(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    mel = await people("Mel")
    organization_id = await create_org(olga)
    await add_to_org(olga, organization_id, mel)
    workspace = await create_workspace(olga, "Engineering", organization_id=organization_id)
    base = f"/workspaces/{workspace['id']}"
    page = await olga.client.get(f"{base}/settings")
    assert "Add from your organization" in page.text
    assert f'<option value="{mel.id}"' in page.text
    missing = await olga.client.post(f"{base}/members/from-org", data={"role": "WS_EDITOR"}, headers=HTMX)
    assert missing.status_code == 422
    added = await olga.client.post(
        f"{base}/members/from-org", data={"user_id": mel.id, "role": "WS_EDITOR"}, headers=HTMX
    )
    assert added.status_code == 200
    assert f'data-member="{mel.id}"' in added.text
    assert "Every active member of the organization is already here." in added.text


async def test_invitations_and_the_join_link_from_the_settings_page(
    people: MakePerson, settings: Settings, drain: Drain
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    base = f"/workspaces/{workspace['id']}"

    bad = await ada.client.post(f"{base}/invitations", data={"email": "nope", "role": "WS_EDITOR"}, headers=HTMX)
    assert bad.status_code == 422
    assert "Enter a valid email address." in bad.text
    sent = await ada.client.post(
        f"{base}/invitations", data={"email": "grace@example.com", "role": "WS_VIEWER"}, headers=HTMX
    )
    assert sent.status_code == 200
    assert "Invitation sent" in sent.headers["hx-trigger"]
    assert "grace@example.com" in sent.text
    await invitation_mail(settings, drain, "grace@example.com")
    invitation_id = (await ada.client.get(f"{WORKSPACES}/{workspace['id']}/invitations")).json()["items"][0]["id"]
    revoked = await ada.client.delete(f"{base}/invitations/{invitation_id}", headers=HTMX)
    assert revoked.status_code == 200
    assert "No pending invitations" in revoked.text

    reset = await ada.client.post(f"{base}/invite-code/reset", headers=HTMX)
    assert reset.status_code == 200
    new_code = (await ada.client.get(f"{WORKSPACES}/{workspace['id']}")).json()["invite_code"]
    assert new_code != workspace["invite_code"]
    assert f"/join/{new_code}" in reset.text


async def test_the_join_page(people: MakePerson, second_client: httpx.AsyncClient) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    workspace = await create_workspace(ada, "Ada's lab")
    code = workspace["invite_code"]
    signed_out = await second_client.get(f"/join/{code}")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/sign-in?return_to=/join/{code}"

    page = await eve.client.get(f"/join/{code}")
    assert page.status_code == 200
    assert "Join Ada&#39;s lab" in page.text
    assert re.search(r"data-member-count>\s*1 member\s*<", page.text)
    assert f'hx-post="/join/{code}"' in page.text
    joined = await eve.client.post(f"/join/{code}", headers=HTMX)
    assert workspace_id_of(joined) == workspace["id"]
    assert "You are already a member" in (await eve.client.get(f"/join/{code}")).text
    dead = await eve.client.get("/join/ZZZZZZ")
    assert dead.status_code == 404
    assert "This link does not work" in dead.text


async def test_the_invitation_page(
    people: MakePerson, settings: Settings, drain: Drain, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada, "Ada's lab")
    sent = await ada.client.post(
        f"{WORKSPACES}/{workspace['id']}/invitations", json={"email": "grace@example.com", "role": "WS_EDITOR"}
    )
    assert sent.status_code == 201
    token = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    path = f"/invitations/{token}"

    signed_out = await second_client.get(path)
    assert signed_out.status_code == 200
    assert "Join Ada&#39;s lab" in signed_out.text
    assert "Ada invited you" in signed_out.text
    assert f'href="/sign-in?return_to={path}"' in signed_out.text
    assert f'href="/sign-up?return_to={path}"' in signed_out.text
    assert "Accept invitation" not in signed_out.text

    mallory = await people("Mallory")
    other = await mallory.client.get(path)
    assert "This invitation is for another address" in other.text
    assert "Accept invitation" not in other.text
    refused = await mallory.client.post(f"{path}/accept", headers=HTMX)
    assert refused.status_code == 422
    assert "sign in with that address" in refused.text

    grace = await people("Grace")
    page = await grace.client.get(path)
    assert f'hx-post="{path}/accept"' in page.text
    assert f'hx-post="{path}/decline"' in page.text
    accepted = await grace.client.post(f"{path}/accept", headers=HTMX)
    assert workspace_id_of(accepted) == workspace["id"]
    after = await grace.client.get(path)
    assert "This invitation was accepted." in after.text
    assert (await second_client.get("/invitations/made-up")).status_code == 404


async def test_declining_from_the_invitation_page(
    people: MakePerson, settings: Settings, drain: Drain, second_client: httpx.AsyncClient
) -> None:
    ada = await people("Ada")
    workspace = await create_workspace(ada)
    await ada.client.post(f"{WORKSPACES}/{workspace['id']}/invitations", json={"email": "grace@example.com"})
    token = invitation_token(await invitation_mail(settings, drain, "grace@example.com"))
    declined = await second_client.post(f"/invitations/{token}/decline", headers=HTMX)
    assert declined.status_code == 200
    assert "This invitation was declined." in declined.text
    again = await second_client.post(f"/invitations/{token}/decline", headers=HTMX)
    assert again.status_code == 422
    assert "already" in again.text or "declined" in again.text


async def test_org_workspace_pages_for_an_org_admin(people: MakePerson) -> None:
    olga = await people("Olga", account_type="ORG")
    abe = await people("Abe")
    organization_id = await create_org(olga)
    await add_to_org(olga, organization_id, abe, "ADMIN")
    workspace = await create_workspace(olga, "Engineering", organization_id=organization_id)
    await add_member(olga, workspace, abe, "WS_VIEWER")
    page = await abe.client.get(f"/workspaces/{workspace['id']}/settings")
    assert page.status_code == 200
    assert 'id="general"' in page.text  # an org admin is a workspace admin
    assert 'id="invite-link"' not in page.text  # organization workspaces have no join link
    assert "Delete workspace" not in page.text


async def test_deleting_the_workspace_from_its_settings(people: MakePerson) -> None:
    ada = await people("Ada")
    eve = await people("Eve")
    workspace = await create_workspace(ada)
    await join_personal(ada, workspace, eve, "WS_ADMIN")
    base = f"/workspaces/{workspace['id']}"
    assert (await eve.client.delete(base, headers=HTMX)).status_code == 403
    deleted = await ada.client.delete(base, headers=HTMX)
    assert deleted.status_code == 204
    assert deleted.headers["hx-redirect"] == "/home"
    for person in (ada, eve):
        assert (await person.client.get(base, headers={"Accept": "text/html"})).status_code == 404
