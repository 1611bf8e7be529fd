"""What a search may show: only tasks of projects where the searcher holds the task view keys, only
projects and spaces they may see, nothing deleted, nothing of another tenant; and the bad requests."""

from __future__ import annotations

import uuid

from tests.projects.helpers import add_member, create_role, problem
from tests.search.conftest import Desk, search, task_keys


async def test_only_people_who_may_view_a_projects_tasks_find_them(desk: Desk) -> None:
    crew = desk.crew
    await desk.add_task("Quarterly budget review", "Numbers for the board")

    assert await task_keys(crew.owner, "budget") == ["WEB-1"]
    assert await task_keys(crew.admin, "budget") == ["WEB-1"]  # workspace admins own every project
    assert await task_keys(crew.editor, "budget") == []
    assert await task_keys(crew.viewer, "budget") == []
    assert await task_keys(crew.outsider, "budget") == []
    assert await task_keys(crew.outsider, "WEB-1") == []

    await add_member(crew.owner, desk.project, crew.editor, "MEMBER")
    assert await task_keys(crew.editor, "budget") == ["WEB-1"]


async def test_viewing_a_project_without_its_tasks_shows_the_project_only(desk: Desk) -> None:
    crew = desk.crew
    await desk.add_task("Website budget review")
    await create_role(crew.owner, desk.project, "Onlooker", ["project.view"])
    await add_member(crew.owner, desk.project, crew.viewer, "Onlooker")

    found = await search(crew.viewer, "website")

    assert found["tasks"] == []
    assert [project["key"] for project in found["projects"]] == ["WEB"]


async def test_another_tenants_tasks_never_show(desk: Desk) -> None:
    crew = desk.crew
    theirs = await desk.create_project("Website", "WEB", who=crew.outsider, workspace_id=crew.other_workspace_id)
    await desk.add_task("Budget for next door", project=theirs)
    await desk.add_task("Budget for us")

    ours = await search(crew.owner, "budget")
    next_door = await search(crew.outsider, "budget")

    assert [(hit["title"], hit["workspace_id"]) for hit in ours["tasks"]] == [("Budget for us", str(crew.workspace_id))]
    assert [(hit["title"], hit["workspace_id"]) for hit in next_door["tasks"]] == [
        ("Budget for next door", str(crew.other_workspace_id))
    ]
    assert [hit["workspace_id"] for hit in (await search(crew.owner, "website"))["projects"]] == [
        str(crew.workspace_id)
    ]


async def test_deleted_tasks_do_not_show(desk: Desk) -> None:
    trashed, purged, kept = await desk.add_tasks([("Budget draft", None), ("Budget copy", None), ("Budget", None)])

    await desk.trash_task(trashed)
    await desk.purge_task(purged)

    assert await task_keys(desk.crew.owner, "budget") == [kept["key"]]
    assert await task_keys(desk.crew.owner, trashed["key"]) == []
    assert await task_keys(desk.crew.owner, purged["key"]) == []


async def test_the_index_follows_edits(desk: Desk) -> None:
    task = await desk.add_task("Budget review", "Numbers for the board")

    await desk.edit_task(task, title="Hiring plan", description="Roles we open next quarter")

    assert await task_keys(desk.crew.owner, "hiring") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "quarter") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "budget") == []
    assert await task_keys(desk.crew.owner, "board") == []


async def test_a_search_can_keep_to_one_workspace(desk: Desk) -> None:
    crew = desk.crew
    second = await crew.town.new_workspace(crew.owner, name="Side projects")
    side = await desk.create_project("Side", "SIDE", workspace_id=second)
    await desk.add_task("Budget for the side project", project=side)
    await desk.add_task("Budget for the website")

    everywhere = await task_keys(crew.owner, "budget")
    only_second = await search(crew.owner, "budget", workspace_id=str(second))

    assert sorted(everywhere) == ["SIDE-1", "WEB-1"]
    assert [hit["key"] for hit in only_second["tasks"]] == ["SIDE-1"]
    assert only_second["tasks"][0]["workspace"] == {"id": str(second), "name": "Side projects"}
    problem(
        await crew.owner.get("/api/v1/search", params={"q": "budget", "workspace_id": str(crew.other_workspace_id)}),
        404,
        "workspace_not_found",
    )
    problem(
        await crew.owner.get("/api/v1/search", params={"q": "budget", "workspace_id": str(uuid.uuid4())}),
        404,
        "workspace_not_found",
    )


async def test_spaces_show_to_those_who_may_see_them(desk: Desk) -> None:
    crew = desk.crew
    url = f"/api/v1/workspaces/{crew.workspace_id}/spaces"
    for body in (
        {"name": "Platform team", "key": "PLAT"},
        {"name": "Platform secrets", "key": "SECRET", "visibility": "PRIVATE"},
        {"name": "Platform archive", "key": "OLD"},
    ):
        assert (await crew.owner.post(url, body)).status_code == 201
    archived = next(space for space in (await crew.owner.get(url)).json()["items"] if space["key"] == "OLD")
    assert (await crew.owner.post(f"/api/v1/spaces/{archived['id']}/archive")).status_code == 200

    by_owner = (await search(crew.owner, "platform"))["spaces"]
    by_viewer = (await search(crew.viewer, "platform"))["spaces"]
    by_outsider = (await search(crew.outsider, "platform"))["spaces"]

    assert [space["name"] for space in by_owner] == ["Platform secrets", "Platform team"]
    assert by_owner[1]["url"] == f"/spaces/{by_owner[1]['id']}"
    assert [space["name"] for space in by_viewer] == ["Platform team"]
    assert by_outsider == []


async def test_projects_match_by_name_or_key(desk: Desk) -> None:
    crew = desk.crew
    await desk.create_project("Mobile app", "APP")
    await desk.create_project("Web shop", "SHOP")

    def keys(found: dict[str, list[dict[str, str]]]) -> list[str]:
        return [project["key"] for project in found["projects"]]

    assert keys(await search(crew.owner, "web")) == ["WEB", "SHOP"]  # the exact key first, then by name
    assert keys(await search(crew.owner, "app")) == ["APP"]
    assert keys(await search(crew.owner, "sho")) == ["SHOP"]
    assert keys(await search(crew.owner, "bsi")) == ["WEB"]  # inside the name "Website"
    assert keys(await search(crew.owner, "%")) == []
    found = await search(crew.owner, "shop")
    assert found["projects"][0]["url"] == f"/projects/{found['projects'][0]['id']}/board"
    assert keys(await search(crew.viewer, "web")) == []


async def test_passages_are_escaped_with_matches_marked(desk: Desk) -> None:
    await desk.add_task("<b>Budget</b> & <i>costs</i>", "<script>alert('budget')</script> for the budget meeting")

    hit = (await search(desk.crew.owner, "budget"))["tasks"][0]

    assert hit["title"] == "<b>Budget</b> & <i>costs</i>"
    assert "<script>" not in hit["snippet_html"]
    assert "<b>" not in hit["title_html"]
    assert "&lt;b&gt;<mark>Budget</mark>&lt;/b&gt; &amp;" in hit["title_html"]
    assert "<mark>budget</mark> meeting" in hit["snippet_html"]


async def test_limit_caps_the_hits(desk: Desk) -> None:
    await desk.add_tasks([(f"Budget line {number}", None) for number in range(30)])

    assert len(await task_keys(desk.crew.owner, "budget")) == 20
    assert len(await task_keys(desk.crew.owner, "budget", limit=5)) == 5
    assert len(await task_keys(desk.crew.owner, "budget", limit=50)) == 30


async def test_bad_requests_name_the_parameter(desk: Desk) -> None:
    owner = desk.crew.owner

    problem(await owner.get("/api/v1/search"), 422, "validation_failed", field="q")
    problem(await owner.get("/api/v1/search", params={"q": ""}), 422, "validation_failed", field="q")
    problem(await owner.get("/api/v1/search", params={"q": "   "}), 422, "search_query_blank", field="q")
    problem(await owner.get("/api/v1/search", params={"q": "x" * 201}), 422, "validation_failed", field="q")
    problem(
        await owner.get("/api/v1/search", params={"q": "budget", "limit": 0}), 422, "validation_failed", field="limit"
    )
    problem(
        await owner.get("/api/v1/search", params={"q": "budget", "limit": 51}), 422, "validation_failed", field="limit"
    )
    problem(
        await owner.get("/api/v1/search", params={"q": "budget", "limit": "all"}),
        422,
        "validation_failed",
        field="limit",
    )
    problem(
        await owner.get("/api/v1/search", params={"q": "budget", "workspace_id": "ours"}),
        422,
        "validation_failed",
        field="workspace_id",
    )
    problem(await desk.crew.anonymous.get("/api/v1/search", params={"q": "budget"}), 401, "not_authenticated")
    assert (await owner.get("/api/v1/search", params={"q": "x" * 200})).status_code == 200


async def test_a_search_runs_the_same_statements_for_10_or_200_tasks(desk: Desk, count_sql) -> None:  # type: ignore[no-untyped-def]
    async def statements() -> int:
        await search(desk.crew.owner, "budget")  # the permission cache warms
        with count_sql() as counter:
            found = await search(desk.crew.owner, "budget")
        assert len(found["tasks"]) == min(20, tasks)
        return int(counter.count)

    await desk.add_tasks([(f"Budget line {number}", "Numbers") for number in range(10)])
    tasks = 10
    few = await statements()
    await desk.add_tasks([(f"Budget line {number}", "Numbers") for number in range(190)])
    tasks = 200
    many = await statements()

    assert few == many
    assert many <= 6
