"""The organization pages over HTTP, as a browser and htmx drive them: each renders for those allowed,
refuses (403), hides (404) or sends to sign in otherwise, and its forms answer with messages beside the
fields or with the refreshed section."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from fairlx.settings import Settings
from tests.orgs.conftest import ORGS, MakeBrowser, MakePerson, add_member, department_with
from tests.support.accounts import Account, Drain, latest_mail, token_in, use_session

HTMX = {"HX-Request": "true"}
HTML = {"Accept": "text/html"}


def settings_url(org: dict[str, Any], section: str = "") -> str:
    return f"/orgs/{org['id']}/settings" + (f"/{section}" if section else "")


def toast_of(response: httpx.Response) -> dict[str, Any]:
    toast: dict[str, Any] = json.loads(response.headers["hx-trigger"])["toast"]
    return toast


# --- my organizations ---------------------------------------------------------------------------


async def test_the_organizations_page_needs_sign_in(second_client: httpx.AsyncClient) -> None:
    page = await second_client.get("/orgs")

    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?return_to=/orgs"


async def test_creating_an_organization_from_the_page(api: httpx.AsyncClient, account: Account) -> None:
    empty = await api.get("/orgs")
    assert empty.status_code == 200
    assert "No organizations yet" in empty.text
    assert 'hx-post="/orgs"' in empty.text
    assert "Convert your personal account" not in empty.text

    refused = await api.post("/orgs", data={"name": "", "size": "huge"}, headers=HTMX)
    created = await api.post("/orgs", data={"name": "Acme", "size": "11-50"}, headers=HTMX)

    assert refused.status_code == 422
    assert 'id="create-org-form"' in refused.text
    assert refused.text.count('aria-invalid="true"') == 2
    assert created.status_code == 204
    organization_id = (await api.get(ORGS)).json()["items"][0]["id"]
    assert created.headers["hx-redirect"] == f"/orgs/{organization_id}/settings/members"
    listed = await api.get("/orgs")
    assert f'data-org-id="{organization_id}"' in listed.text
    assert "Owner" in listed.text
    assert "11-50 people" in listed.text


async def test_a_personal_account_converts_from_the_page(api: httpx.AsyncClient, account: Account) -> None:
    await api.post("/api/v1/auth/onboarding", json={"account_type": "PERSONAL"})
    page = await api.get("/orgs")
    assert "Convert your personal account" in page.text

    converted = await api.post("/orgs/convert", data={"name": "Ada Inc"}, headers=HTMX)

    assert converted.status_code == 204
    organization_id = (await api.get(ORGS)).json()["items"][0]["id"]
    assert converted.headers["hx-redirect"] == f"/orgs/{organization_id}/settings/general"
    assert "Convert your personal account" not in (await api.get("/orgs")).text
    again = await api.post("/orgs/convert", data={"name": "Again"}, headers=HTMX)
    assert again.status_code == 422
    assert "Only a personal account can be converted" in again.text


# --- settings: who sees what ----------------------------------------------------------------------


async def test_settings_pages_follow_the_viewers_permissions(
    api: httpx.AsyncClient, second_client: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member, outsider = await people("Grace"), await people("Linus")
    await add_member(api, org["id"], member)

    assert (await api.get(settings_url(org))).headers["location"] == settings_url(org, "members")
    assert (await member.client.get(settings_url(org))).headers["location"] == settings_url(org, "general")
    for section in ("members", "departments", "permissions", "audit", "general"):
        assert (await api.get(settings_url(org, section))).status_code == 200, section
        hidden = await outsider.client.get(settings_url(org, section), headers=HTML)
        assert hidden.status_code == 404, section
        signed_out = await second_client.get(settings_url(org, section))
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/sign-in?return_to=/orgs/")
    for section in ("members", "departments", "permissions", "audit"):
        refused = await member.client.get(settings_url(org, section), headers=HTML)
        assert refused.status_code == 403, section
        assert "text/html" in refused.headers["content-type"]
    general = await member.client.get(settings_url(org, "general"))
    assert general.status_code == 200
    assert 'id="general-form"' not in general.text
    assert 'id="delete-org-form"' not in general.text
    assert "Leave organization" in general.text
    assert f'href="/orgs/{org["id"]}/settings/members"' not in general.text
    owners = await api.get(settings_url(org, "general"))
    assert 'id="general-form"' in owners.text
    assert 'id="delete-org-form"' in owners.text
    for section in ("members", "departments", "permissions", "audit", "general"):
        assert f'href="/orgs/{org["id"]}/settings/{section}"' in owners.text


async def test_a_department_key_opens_its_page(api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    await department_with(api, org["id"], "Compliance", ["org.audit.view"], grace)

    audit = await grace.client.get(settings_url(org, "audit"))

    assert audit.status_code == 200
    assert f'href="/orgs/{org["id"]}/settings/audit" aria-current="page"' in audit.text
    assert f'href="/orgs/{org["id"]}/settings/members"' not in audit.text


# --- members --------------------------------------------------------------------------------------


async def test_the_members_page_shows_controls_only_to_managers(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    viewer = await people("Grace")
    await add_member(api, org["id"], viewer)
    await department_with(api, org["id"], "Viewers", ["org.members.view"], viewer)

    owners = await api.get(settings_url(org, "members"))
    viewers = await viewer.client.get(settings_url(org, "members"))

    assert owners.status_code == viewers.status_code == 200
    for page in (owners, viewers):
        assert account.email in page.text
        assert viewer.email in page.text
        assert "Viewers" in page.text
    assert 'id="member-create-form"' in owners.text
    assert 'id="member-add-form"' in owners.text
    assert 'id="bulk-members"' in owners.text
    assert f'hx-post="/orgs/{org["id"]}/settings/members/{viewer.id}/role"' in owners.text
    assert f'hx-post="/orgs/{org["id"]}/settings/members/{account.user_id}/role"' in owners.text
    for control in ("member-create-form", "bulk-members", "/role"):
        assert control not in viewers.text


async def test_creating_a_member_from_the_page(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any]
) -> None:
    url = settings_url(org, "members/create")

    refused = await api.post(url, data={"name": "Barbara", "email": "not-an-address", "role": "MEMBER"}, headers=HTMX)
    created = await api.post(
        url, data={"name": "Barbara", "email": "barbara@example.com", "role": "MEMBER"}, headers=HTMX
    )

    assert refused.status_code == 422
    assert 'id="member-create-form"' in refused.text
    assert "Enter a valid email address." in refused.text
    assert created.status_code == 200
    assert created.headers["hx-retarget"] == "#members-section"
    assert toast_of(created)["title"] == "Barbara added"
    row = created.text.split('data-member-id="')[2]
    assert "barbara@example.com" in row
    assert "Invited" in row
    assert "Resend welcome" in row
    assert (await latest_mail(settings, drain, "barbara@example.com"))["Subject"] == "Welcome to Acme!"
    taken = await api.post(
        settings_url(org, "members/add"), data={"email": "nobody@example.com", "role": "MEMBER"}, headers=HTMX
    )
    assert taken.status_code == 422
    assert "No account uses this address" in taken.text


async def test_changing_roles_from_the_page_keeps_an_owner(
    api: httpx.AsyncClient, account: Account, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)

    promoted = await api.post(settings_url(org, f"members/{grace.id}/role"), data={"role": "ADMIN"}, headers=HTMX)
    demoted = await api.post(
        settings_url(org, f"members/{account.user_id}/role"), data={"role": "MEMBER"}, headers=HTMX
    )

    assert promoted.status_code == 200
    assert toast_of(promoted)["message"] == "Grace is now admin."
    assert demoted.status_code == 422
    assert 'id="members-section"' in demoted.text
    assert "Acme needs at least one active owner" in demoted.text
    rows = {row["email"]: row["role"] for row in (await api.get(f"{ORGS}/{org['id']}/members")).json()["items"]}
    assert rows == {account.email: "OWNER", grace.email: "ADMIN"}


async def test_bulk_changes_from_the_page(api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson) -> None:
    grace, linus = await people("Grace"), await people("Linus")
    for person in (grace, linus):
        await add_member(api, org["id"], person)

    nothing_chosen = await api.post(settings_url(org, "members/bulk-role"), data={"role": "MODERATOR"}, headers=HTMX)
    changed = await api.post(
        settings_url(org, "members/bulk-role"),
        data={"role": "MODERATOR", "user_ids": [grace.id, linus.id]},
        headers=HTMX,
    )
    removed = await api.post(settings_url(org, "members/bulk-remove"), data={"user_ids": [linus.id]}, headers=HTMX)

    assert nothing_chosen.status_code == 422
    assert "Select at least one member first." in nothing_chosen.text
    assert changed.status_code == 200
    assert toast_of(changed)["message"] == "2 members now moderator."
    assert removed.status_code == 200
    assert linus.email not in removed.text
    rows = {row["email"]: row["role"] for row in (await api.get(f"{ORGS}/{org['id']}/members")).json()["items"]}
    assert rows[grace.email] == "MODERATOR"
    assert linus.email not in rows


async def test_suspending_resending_and_removing_from_the_page(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)

    suspended = await api.post(
        settings_url(org, f"members/{grace.id}/status"), data={"status": "SUSPENDED"}, headers=HTMX
    )
    resend = await api.post(settings_url(org, f"members/{grace.id}/resend-welcome"), headers=HTMX)
    removed = await api.post(settings_url(org, f"members/{grace.id}/remove"), headers=HTMX)

    assert suspended.status_code == 200
    assert toast_of(suspended)["title"] == "Member suspended"
    assert "Reactivate" in suspended.text
    assert resend.status_code == 422
    assert "has already signed in" in resend.text
    assert removed.status_code == 200
    assert grace.email not in removed.text


async def test_a_member_leaves_from_the_general_page(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)

    left = await grace.client.post(settings_url(org, "leave"), headers=HTMX)

    assert left.status_code == 204
    assert left.headers["hx-redirect"] == "/orgs"
    assert (await grace.client.get(settings_url(org, "general"), headers=HTML)).status_code == 404


# --- departments and permissions ----------------------------------------------------------------


async def test_departments_from_the_pages(api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    parent_id = await department_with(api, org["id"], "Engineering", ["org.members.view"])

    refused = await api.post(settings_url(org, "departments"), data={"name": "", "parent_id": ""}, headers=HTMX)
    created = await api.post(
        settings_url(org, "departments"),
        data={"name": "Platform", "parent_id": parent_id, "description": ""},
        headers=HTMX,
    )
    assert refused.status_code == 422
    assert 'id="department-create-form"' in refused.text
    assert created.status_code == 204
    child_id = created.headers["hx-redirect"].rsplit("/", 1)[1]
    tree = await api.get(settings_url(org, "departments"))
    parent_item = tree.text.split(f'data-department-id="{parent_id}"')[1]
    assert f'data-department-id="{child_id}"' in parent_item  # nested inside its parent
    assert "See members" in parent_item

    page = await api.get(settings_url(org, f"departments/{child_id}"))
    assert page.status_code == 200
    assert 'id="department-permissions-form"' in page.text
    assert f'<option value="{child_id}"' not in page.text  # cannot sit inside itself

    keyless = await api.post(
        settings_url(org, f"departments/{child_id}/permissions"), data={"permissions": ["org.audit.view"]}, headers=HTMX
    )
    saved = await api.post(
        settings_url(org, f"departments/{child_id}/permissions"),
        data={"intent": "save", "permissions": ["org.audit.view", "org.members.view"]},
        headers=HTMX,
    )
    joined = await api.post(
        settings_url(org, f"departments/{child_id}/members"), data={"user_id": grace.id}, headers=HTMX
    )

    assert keyless.status_code == 422
    assert saved.status_code == 200
    assert toast_of(saved)["title"] == "Permissions saved"
    assert saved.text.count("checked") == 2
    assert joined.status_code == 200
    assert f'data-department-member="{grace.id}"' in joined.text
    assert (await grace.client.get(settings_url(org, "audit"))).status_code == 200

    left = await api.post(settings_url(org, f"departments/{child_id}/members/{grace.id}/remove"), headers=HTMX)
    assert f'data-department-member="{grace.id}"' not in left.text
    assert (await grace.client.get(settings_url(org, "audit"), headers=HTML)).status_code == 403

    unconfirmed = await api.post(settings_url(org, f"departments/{child_id}/delete"), headers=HTMX)
    deleted = await api.post(
        settings_url(org, f"departments/{child_id}/delete"), data={"confirm": "delete"}, headers=HTMX
    )
    assert unconfirmed.status_code == 422
    assert deleted.headers["hx-redirect"] == settings_url(org, "departments")
    assert (await api.get(settings_url(org, f"departments/{child_id}"), headers=HTML)).status_code == 404


async def test_explicit_grants_from_the_permissions_pages(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    grace = await people("Grace")
    await add_member(api, org["id"], grace)
    overview = await api.get(settings_url(org, "permissions"))
    assert f'href="/orgs/{org["id"]}/settings/permissions/{grace.id}"' in overview.text

    page = await api.get(settings_url(org, f"permissions/{grace.id}"))
    saved = await api.post(
        settings_url(org, f"permissions/{grace.id}"),
        data={"intent": "save", "permissions": ["org.members.view"]},
        headers=HTMX,
    )
    refused = await api.post(
        settings_url(org, f"permissions/{grace.id}"),
        data={"intent": "save", "permissions": ["org.delete"]},
        headers=HTMX,
    )

    assert page.status_code == 200
    assert 'id="member-permissions-form"' in page.text
    assert saved.status_code == 200
    assert refused.status_code == 422
    assert "org.delete" in refused.text
    assert (await grace.client.get(settings_url(org, "members"))).status_code == 200
    assert "org.members.view" in (await api.get(settings_url(org, "permissions"))).text


# --- audit log and general ------------------------------------------------------------------------


async def test_the_audit_page_filters_and_pages(api: httpx.AsyncClient, org: dict[str, Any]) -> None:
    for number in range(3):
        await api.post(f"{ORGS}/{org['id']}/departments", json={"name": f"Team {number}"})

    everything = await api.get(settings_url(org, "audit"))
    created = await api.get(settings_url(org, "audit"), params={"action": "organization_created"})
    unknown = await api.get(settings_url(org, "audit"), params={"action": "tea_made"})
    bad_date = await api.get(settings_url(org, "audit"), params={"since": "soon"})

    assert everything.status_code == 200
    assert everything.text.count("data-audit-id=") == 4
    assert created.text.count("data-audit-id=") == 1
    assert "Organization created" in created.text
    assert unknown.status_code == bad_date.status_code == 422
    assert "is not an audited action" in unknown.text
    assert 'aria-invalid="true"' in bad_date.text
    assert "Older entries" not in everything.text


async def test_the_audit_page_links_to_older_entries_keeping_the_filters(
    api: httpx.AsyncClient, org: dict[str, Any]
) -> None:
    for number in range(51):
        await api.post(f"{ORGS}/{org['id']}/departments", json={"name": f"Team {number}"})

    first = await api.get(settings_url(org, "audit"), params={"action": "department_created"})
    older = re.search(r'href="([^"]*cursor=[^"]+)"', first.text)

    assert first.text.count("data-audit-id=") == 50
    assert older is not None
    assert "action=department_created" in older.group(1)
    second = await api.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count("data-audit-id=") == 1
    assert "Team 0" in second.text


async def test_renaming_deleting_and_restoring_from_the_pages(
    api: httpx.AsyncClient, org: dict[str, Any], people: MakePerson
) -> None:
    member = await people("Grace")
    await add_member(api, org["id"], member)

    renamed = await api.post(settings_url(org, "general"), data={"name": "Acme Corp", "size": ""}, headers=HTMX)
    by_member = await member.client.post(settings_url(org, "general"), data={"name": "Mine"}, headers=HTMX | HTML)
    mistyped = await api.post(settings_url(org, "delete"), data={"confirm_name": "Acme"}, headers=HTMX)

    assert renamed.status_code == 200
    assert toast_of(renamed)["title"] == "Organization saved"
    assert by_member.status_code == 403
    assert mistyped.status_code == 422
    assert "Type the organization&#39;s name exactly to confirm." in mistyped.text
    assert (await api.get(f"{ORGS}/{org['id']}")).json()["name"] == "Acme Corp"

    deleted = await api.post(settings_url(org, "delete"), data={"confirm_name": "Acme Corp"}, headers=HTMX)

    assert deleted.headers["hx-redirect"] == "/orgs"
    listing = await api.get("/orgs")
    assert f'data-deleted-org-id="{org["id"]}"' in listing.text
    assert f'hx-post="/orgs/{org["id"]}/restore"' in listing.text
    assert (await member.client.post(f"/orgs/{org['id']}/restore", headers=HTMX)).status_code == 404
    restored = await api.post(f"/orgs/{org['id']}/restore", headers=HTMX)
    assert restored.headers["hx-redirect"] == settings_url(org, "general")
    assert (await member.client.get(settings_url(org, "general"))).status_code == 200


# --- first login ----------------------------------------------------------------------------------


async def test_a_bad_first_login_link_says_so(browsers: MakeBrowser, settings: Settings) -> None:
    visitor = browsers()

    page = await visitor.get("/first-login?token=made-up")
    refused = await visitor.post("/first-login", data={"token": "made-up"}, headers=HTMX)

    assert page.status_code == 200
    assert "Sign in and choose my password" in page.text
    assert refused.status_code == 422
    assert "This link cannot be used" in refused.text
    assert "fairlx-session" not in refused.headers.get("set-cookie", "")


async def test_the_first_login_page_signs_in_with_htmx_too(
    api: httpx.AsyncClient, settings: Settings, drain: Drain, org: dict[str, Any], browsers: MakeBrowser
) -> None:
    created = await api.post(
        f"{ORGS}/{org['id']}/members/create-user", json={"name": "Barbara", "email": "barbara@example.com"}
    )
    assert created.status_code == 201
    mail = await latest_mail(settings, drain, "barbara@example.com")
    barbara = browsers()

    signed_in = await barbara.post("/first-login", data={"token": token_in(mail)}, headers=HTMX)

    assert signed_in.status_code == 204
    assert signed_in.headers["hx-redirect"] == "/settings/security?required=1"
    use_session(barbara, settings)
    security = await barbara.get("/settings/security?required=1")
    assert "Choose a new password to continue" in security.text
