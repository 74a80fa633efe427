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
