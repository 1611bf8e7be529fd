"""Searching over the API: ranked full-text matches over tasks (prefix, stemming, keys, highlighted
passages), projects and spaces by name or key, and the index following every edit."""

from __future__ import annotations

from tests.search.conftest import Desk, search, task_keys


async def test_words_in_the_title_rank_above_words_in_the_description(desk: Desk) -> None:
    await desk.add_task("Write release notes", "Mention the invoice export for accounting")
    await desk.add_task("Invoice export", "Let accountants download a CSV")
    await desk.add_task("Unrelated chore", "Nothing to see here")

    found = await search(desk.crew.owner, "invoice")

    assert [hit["title"] for hit in found["tasks"]] == ["Invoice export", "Write release notes"]
    first = found["tasks"][0]
    assert first["key"] == "WEB-2"
    assert first["url"] == "/tasks/WEB-2"
    assert first["project"] == {"id": desk.project["id"], "key": "WEB", "name": "Website"}
    assert first["workspace_id"] == str(desk.crew.workspace_id)
    assert first["workspace"]["name"] == "Engineering"
    assert first["status"]["name"]
    assert first["status"]["color"].startswith("#")
    assert first["title_html"] == "<mark>Invoice</mark> export"
    assert "<mark>invoice</mark> export" in found["tasks"][1]["snippet_html"]


async def test_the_last_word_matches_as_a_prefix(desk: Desk) -> None:
    await desk.add_task("Onboarding checklist for new hires")
    await desk.add_task("Onboard the payments team")

    assert sorted(await task_keys(desk.crew.owner, "onbo")) == ["WEB-1", "WEB-2"]
    assert await task_keys(desk.crew.owner, "checkl") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "hires onbo") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "onbo hires") == []  # earlier words are whole words


async def test_words_match_in_any_form(desk: Desk) -> None:
    await desk.add_task("Deploy the API gateway")
    await desk.add_task("Deployment checklist", "Covers every deployed service")

    assert sorted(await task_keys(desk.crew.owner, "deploying")) == ["WEB-1", "WEB-2"]
    assert await task_keys(desk.crew.owner, "gateways") == ["WEB-1"]


async def test_unicode_words_are_found(desk: Desk) -> None:
    await desk.add_task("Überarbeitung der Startseite", "Café menu with naïve pricing — 東京 office")

    assert await task_keys(desk.crew.owner, "überarbeitung") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "Café") == ["WEB-1"]
    assert await task_keys(desk.crew.owner, "東京") == ["WEB-1"]


async def test_a_task_key_finds_its_task_first(desk: Desk) -> None:
    await desk.add_tasks([(f"Page {number} of the web redesign", None) for number in range(1, 13)])

    for query in ("WEB-12", "web-12", "web 12", " Web - 12 "):
        found = await task_keys(desk.crew.owner, query)
        assert found[0] == "WEB-12", query
    assert set(await task_keys(desk.crew.owner, "WEB-1")) >= {"WEB-1", "WEB-10", "WEB-11", "WEB-12"}
    assert (await task_keys(desk.crew.owner, "WEB-1"))[0] == "WEB-1"
    assert await task_keys(desk.crew.owner, "WEB-99") == []


SYNTAX_CASES = [
    ('"invoice', ["WEB-1"]),
    ("invoice'", ["WEB-1"]),
    ("invo*", ["WEB-1"]),
    ("!invoice", ["WEB-1"]),
    ("-invoice", ["WEB-1"]),
    ("invoice & export", ["WEB-1"]),
    ("invoice | export", ["WEB-1"]),
    ("(invoice) export)", ["WEB-1"]),
    ("invoice:* <-> export", ["WEB-1"]),
    ("title:invoice", []),  # every word must match, and "title" is not one of its words
    ("invoice NEAR export", []),
    ("invoice^2 ~", []),
    ("'; DROP TABLE tasks; --", []),
    ("\\", []),
    ("%_%", []),
    ("***", []),
    ("💥", []),
]


async def test_query_syntax_is_read_as_plain_words(desk: Desk) -> None:
    await desk.add_task("Invoice export", "Send the export to accounting")

    found = {query: await task_keys(desk.crew.owner, query) for query, _ in SYNTAX_CASES}

    assert found == dict(SYNTAX_CASES)


async def test_operator_words_are_plain_words(desk: Desk) -> None:
    await desk.add_task("Invoice export")
    await desk.add_task("Export invoices or receipts")

    assert await task_keys(desk.crew.owner, "invoice OR receipts") == ["WEB-2"]
    assert await task_keys(desk.crew.owner, "receipts NEAR") == []
