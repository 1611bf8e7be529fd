"""The fields and work item types settings pages, driven like a browser with htmx."""

from __future__ import annotations

from tests.fields.conftest import Desk

HTMX = {"HX-Request": "true"}


def settings(desk: Desk, owner: str = "project") -> str:
    return desk.base(owner).removeprefix("/api/v1") + "/settings"


async def test_a_field_is_added_from_the_project_settings_form(desk: Desk) -> None:
    url = settings(desk)

    page = await desk.owner.get(f"{url}/fields")
    form = await desk.owner.get(f"{url}/fields/form", params={"type": "SELECT", "name": ""}, headers=HTMX)
    added = await desk.owner.post(
        f"{url}/fields",
        data={
            "name": "Risk",
            "type": "SELECT",
            "option_value_0": "Low",
            "option_color_0": "#16a34a",
            "option_value_1": "High",
            "option_color_1": "#dc2626",
            "option_value_2": "",
            "option_default": "1",
            "applies_BUG": "on",
            "show_in_list": "on",
        },
        headers=HTMX,
    )
    listed = (await desk.owner.get(desk.fields())).json()["items"]

    assert page.status_code == 200
    assert "No fields yet" in page.text
    assert 'name="option_value_0"' in form.text
    assert added.status_code == 200, added.text
    assert 'data-field="risk"' in added.text
    assert [(each["name"], each["applies_to_types"]) for each in listed] == [("Risk", ["BUG"])]
    assert [option["is_default"] for option in listed[0]["options"]] == [False, True]


async def test_a_refused_form_says_why_beside_the_field(desk: Desk) -> None:
    answer = await desk.owner.post(
        f"{settings(desk)}/fields",
        data={"name": "Cost", "type": "CURRENCY", "min_value": "5", "max_value": "1"},
        headers=HTMX,
    )

    assert answer.status_code == 422
    assert "Choose the currency" in answer.text
    assert (await desk.owner.get(desk.fields())).json()["items"] == []


async def test_templates_archive_and_order_from_the_workspace_page(desk: Desk) -> None:
    url = settings(desk, "workspace")

    seeded = await desk.owner.post(
        f"{url}/fields/templates", data={"template_Severity": "on", "template_Reviewer": "on"}, headers=HTMX
    )
    severity, reviewer = (await desk.owner.get(desk.fields("workspace"))).json()["items"]
    await desk.owner.post(f"{url}/fields/{reviewer['id']}/move?step=-1", headers=HTMX)
    archived = await desk.owner.post(f"{url}/fields/{severity['id']}/archive", data={"archived": "true"}, headers=HTMX)
    after = (await desk.owner.get(desk.fields("workspace"))).json()["items"]

    assert seeded.status_code == 200
    assert "Archive Severity" in seeded.text
    assert archived.status_code == 200
    assert "Restore Severity" in archived.text
    assert [(each["key"], each["archived"]) for each in after] == [("reviewer", False), ("severity", True)]


async def test_the_types_section_lists_the_hierarchy_and_adds_a_type(desk: Desk) -> None:
    url = settings(desk)

    page = await desk.owner.get(f"{url}/types")
    added = await desk.owner.post(
        f"{url}/types",
        data={"name": "Spike", "key": "spike", "icon": "sparkles", "color": "#7c3aed", "parent_EPIC": "on"},
        headers=HTMX,
    )
    refused = await desk.owner.post(f"{url}/types", data={"name": "Bug", "key": "BUG"}, headers=HTMX)

    assert page.status_code == 200
    assert 'data-type="SUBTASK"' in page.text
    assert 'data-type="SPIKE"' in added.text
    assert refused.status_code == 422
    assert "built-in work item type" in refused.text


async def test_people_without_the_permission_cannot_open_the_pages(desk: Desk) -> None:
    viewer = await desk.viewer.get(f"{settings(desk, 'workspace')}/fields")
    outsider = await desk.outsider.get(f"{settings(desk)}/fields")

    assert viewer.status_code == 403
    assert outsider.status_code == 404
