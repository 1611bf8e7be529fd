"""The search results page, and the palette every signed-in page carries."""

from __future__ import annotations

from tests.projects.helpers import add_member
from tests.search.conftest import Desk

HTML = {"Accept": "text/html"}


async def test_the_results_page_lists_matches_with_marked_passages(desk: Desk) -> None:
    await desk.add_task("Budget review", "Numbers <b>for</b> the budget meeting")
    await desk.create_project("Budget planning", "PLAN")

    page = await desk.crew.owner.get("/search", params={"q": "budget"}, headers=HTML)

    assert page.status_code == 200
    html = page.text
    assert 'data-task-key="WEB-1"' in html
    assert 'href="/tasks/WEB-1"' in html
    assert "<mark>Budget</mark> review" in html
    assert "the <mark>budget</mark> meeting" in html
    assert "<b>" not in html  # escaped, or (PostgreSQL's passages) left out as markup
    assert "1 task and 1 project for “budget”" in html
    assert 'id="command-palette"' in html


async def test_the_results_page_shows_only_what_the_reader_may_see(desk: Desk) -> None:
    await desk.add_task("Budget review")

    hidden = await desk.crew.viewer.get("/search", params={"q": "budget"}, headers=HTML)
    await add_member(desk.crew.owner, desk.project, desk.crew.viewer, "VIEWER")
    shown = await desk.crew.viewer.get("/search", params={"q": "budget"}, headers=HTML)

    assert "No matches for “budget”" in hidden.text
    assert 'data-task-key="WEB-1"' not in hidden.text
    assert 'data-task-key="WEB-1"' in shown.text


async def test_without_a_query_the_page_invites_one(desk: Desk) -> None:
    blank = await desk.crew.owner.get("/search", headers=HTML)
    spaces = await desk.crew.owner.get("/search", params={"q": "   "}, headers=HTML)
    too_long = await desk.crew.owner.get("/search", params={"q": "x" * 201}, headers=HTML)

    assert blank.status_code == spaces.status_code == too_long.status_code == 200
    assert "Find anything" in blank.text
    assert "Find anything" in spaces.text
    assert "Search for at most 200 characters." in too_long.text
    assert 'aria-invalid="true"' in too_long.text


async def test_signed_out_visitors_are_sent_to_sign_in(desk: Desk) -> None:
    page = await desk.crew.anonymous.get("/search", params={"q": "budget"}, headers=HTML)
    landing = await desk.crew.anonymous.get("/", headers=HTML)

    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?return_to=/search%3Fq%3Dbudget"
    assert 'id="command-palette"' not in landing.text
