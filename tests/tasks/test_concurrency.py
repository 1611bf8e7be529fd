"""Races: keys stay consecutive and unique under concurrent creates, and of two edits made from the
same version exactly one wins."""

from __future__ import annotations

import asyncio

from tests.tasks.conftest import Board


async def test_fifty_concurrent_creates_get_fifty_consecutive_keys(board: Board) -> None:
    owner = board.crew.owner

    responses = await asyncio.gather(
        *(owner.post(board.tasks_url, json={"title": f"Item {number}"}) for number in range(50))
    )

    assert [response.status_code for response in responses] == [201] * 50
    keys = sorted(int(response.json()["key"].removeprefix("WEB-")) for response in responses)
    assert keys == list(range(1, 51))
    listed = await owner.get(board.tasks_url, params={"limit": 200})
    assert listed.json()["total"] == 50


async def test_a_failed_create_gives_its_number_back(board: Board) -> None:
    await board.new(title="One")
    refused = await board.crew.owner.post(board.tasks_url, json={"title": "Bad", "type": "NOPE"})
    after = await board.new(title="Two")

    assert refused.status_code == 422
    assert after["key"] == "WEB-2"


async def test_of_two_concurrent_edits_from_the_same_version_one_is_refused(board: Board) -> None:
    created = await board.new(title="Contested")
    url = f"/api/v1/tasks/{created['id']}"
    owner, admin = board.crew.owner.client, board.crew.admin.client

    first, second = await asyncio.gather(
        owner.patch(url, json={"title": "Mine"}, headers={"If-Match": '"1"'}),
        admin.patch(url, json={"title": "Yours"}, headers={"If-Match": '"1"'}),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    stored = (await owner.get(url)).json()
    assert (stored["title"], stored["version"]) == (winner.json()["title"], 2)
