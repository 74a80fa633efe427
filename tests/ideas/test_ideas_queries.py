"""The ideas pages run a constant number of SQL statements however many ideas they show."""

from __future__ import annotations

import pytest

from forum.ideas import status, votes
from tests.factories import make_user
from tests.ideas.helpers import make_board, make_idea


def _count(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm-up: caches that fill once per process
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements


def _fill(board, n: int, prefix: str) -> list:
    staff = make_user(f"{prefix}-staff", role="moderator")
    ideas = []
    for i in range(n):
        idea = make_idea(board, f"{prefix} idea number {i}", author=make_user(f"{prefix}-author{i}"))
        votes.vote(make_user(f"{prefix}-fan{i}"), idea)
        status.set_status(staff, idea, ("planned", "shipped", "under_review")[i % 3])
        ideas.append(idea)
    return ideas


@pytest.mark.parametrize("order", ["votes", "trending", "newest"])
def test_board_list_1_idea_vs_25_ideas(client, count_queries, order):
    small, big = make_board(slug="small", name="Small"), make_board(slug="big", name="Big")
    _fill(small, 1, "s")
    _fill(big, 25, "b")
    make_user("viewer")
    client.login("viewer")
    few = _count(client, count_queries, f"/ideas/small?order={order}")
    many = _count(client, count_queries, f"/ideas/big?order={order}")
    print(f"/ideas/<board>?order={order}: {many[0]} statements with 1 or 25 ideas")  # the README's number (-s)
    assert few[0] == many[0], "\n".join(["SMALL:", *few[1], "BIG:", *many[1]])


def test_category_page_chips_1_vs_25_ideas(client, count_queries):
    small, big = make_board(slug="small", name="Small"), make_board(slug="big", name="Big")
    _fill(small, 1, "s")
    _fill(big, 25, "b")
    few = _count(client, count_queries, "/c/small")
    many = _count(client, count_queries, "/c/big")
    print(f"/c/<board>: {many[0]} statements with 1 or 25 ideas")
    assert few[0] == many[0], "\n".join(["SMALL:", *few[1], "BIG:", *many[1]])


def test_ideas_by_status_1_vs_25_ideas(client, count_queries):
    board = make_board()
    _fill(board, 1, "s")
    few = _count(client, count_queries, "/ideas")
    _fill(board, 24, "b")
    many = _count(client, count_queries, "/ideas")
    print(f"/ideas: {many[0]} statements with 1 or 25 ideas")
    assert few[0] == many[0], "\n".join(["SMALL:", *few[1], "BIG:", *many[1]])


def test_ideas_of_one_status_1_vs_25_ideas(client, count_queries):
    board = make_board()
    _fill(board, 3, "s")  # one of each status: planned has 1 idea
    few = _count(client, count_queries, "/ideas?status=planned")
    _fill(board, 75, "b")  # 25 more planned ideas (more than a page of 30 with the first)
    many = _count(client, count_queries, "/ideas?status=planned")
    print(f"/ideas?status=…: {many[0]} statements with 1 or 26 ideas")
    assert few[0] == many[0], "\n".join(["FEW:", *few[1], "MANY:", *many[1]])


def test_an_ideas_topic_page_1_vs_many_history_entries_and_votes(client, count_queries):
    board = make_board(budget=5)
    staff = make_user("history-staff", role="moderator")
    small, big = make_idea(board, "Small history idea"), make_idea(board, "Big history idea")
    votes.vote(make_user("small-fan"), small)
    status.set_status(staff, small, "under_review")
    status.set_status(staff, small, "planned")  # two entries: the history list is shown
    for n in range(12):
        votes.vote(make_user(f"big-fan{n}"), big)
        status.set_status(staff, big, ("under_review", "planned", "in_progress")[n % 3], f"Step {n}.")
    make_user("reader")
    client.login("reader")
    few = _count(client, count_queries, f"/t/{small.slug}/{small.id}")
    many = _count(client, count_queries, f"/t/{big.slug}/{big.id}")
    assert "Status history" in client.get(f"/t/{big.slug}/{big.id}").get_data(as_text=True)
    print(f"/t/<idea>: {many[0]} statements with 1 or 12 status changes and votes")
    assert few[0] == many[0], "\n".join(["FEW:", *few[1], "MANY:", *many[1]])
