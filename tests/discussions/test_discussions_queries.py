"""Pages run a constant number of SQL statements however many rows they show (no N+1)."""

from __future__ import annotations

import pytest

from tests.factories import make_category, make_reply, make_topic, make_user


def _queries(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm-up: caches that legitimately fill once per process
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements


def _assert_same(small: tuple[int, list[str]], big: tuple[int, list[str]]) -> None:
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])


@pytest.fixture(params=["visitor", "member"])
def viewer(request, client):
    if request.param == "member":
        make_user("viewer")
        client.login("viewer")
    return request.param


def test_topic_page_1_post_vs_20_posts_by_20_authors(client, count_queries, viewer):
    small = make_topic(make_user(), make_category("Small", slug="small"), title="One lonely post")
    big = make_topic(make_user(), make_category("Big", slug="big"), title="Twenty voices here")
    for _ in range(19):
        make_reply(big, make_user())  # each reply by a new author
    _assert_same(_queries(client, count_queries, f"/t/{small.slug}/{small.id}"),
                 _queries(client, count_queries, f"/t/{big.slug}/{big.id}"))


def test_category_page_1_topic_vs_30_topics_by_distinct_authors(client, count_queries, viewer):
    small_cat, big_cat = make_category("Few", slug="few"), make_category("Many", slug="many")
    make_topic(make_user(), small_cat, title="The only topic")
    for i in range(30):
        topic = make_topic(make_user(), big_cat, title=f"Busy topic {i}")
        make_reply(topic, make_user())  # a distinct last poster too
    _assert_same(_queries(client, count_queries, "/c/few"), _queries(client, count_queries, "/c/many"))


def test_latest_1_topic_vs_30_topics(client, count_queries, viewer):
    cat = make_category("Lat", slug="lat")
    make_topic(make_user(), cat, title="The first topic")
    small = _queries(client, count_queries, "/latest")
    for i in range(29):
        topic = make_topic(make_user(), make_category(f"Lat {i}", slug=f"lat-{i}"), title=f"Topic {i} here")
        make_reply(topic, make_user())
    _assert_same(small, _queries(client, count_queries, "/latest"))


def test_home_1_vs_10_categories(client, count_queries, viewer):
    from forum.discussions.models import Category
    from forum.extensions import db

    db.session.query(Category).delete()  # the default categories have no topics yet
    db.session.commit()
    first = make_category("Only", slug="only")
    make_topic(make_user(), first, title="Activity in one")
    small = _queries(client, count_queries, "/")
    for i in range(9):
        topic = make_topic(make_user(), make_category(f"Cat {i}", slug=f"cat-{i}"), title=f"Activity {i}")
        make_reply(topic, make_user())
    _assert_same(small, _queries(client, count_queries, "/"))


def test_profile_few_vs_many_posts(client, count_queries, viewer):
    author = make_user("prolific")
    topic = make_topic(author, make_category("Prof", slug="prof"), title="Profile topic")
    small = _queries(client, count_queries, "/u/prolific")
    for i in range(10):
        other = make_topic(author, make_category(f"Prof {i}", slug=f"prof-{i}"), title=f"Another one {i}")
        make_reply(other, author)
        make_reply(topic, author)
    _assert_same(small, _queries(client, count_queries, "/u/prolific"))


def test_latest_with_one_vs_five_global_pins(client, count_queries, viewer):
    from sqlalchemy import update

    from forum.discussions.models import Topic
    from forum.extensions import db

    topics = [make_topic(make_user(), make_category(f"Pins {i}", slug=f"pins-{i}"), title=f"Topic to pin {i}")
              for i in range(6)]

    def pin(count: int) -> None:
        db.session.execute(update(Topic).where(Topic.id.in_([t.id for t in topics[:count]]))
                           .values(is_pinned=True, pinned_globally=True))
        db.session.commit()

    pin(1)
    small = _queries(client, count_queries, "/latest")
    pin(5)
    _assert_same(small, _queries(client, count_queries, "/latest"))


def _plan(statement: str) -> str:
    from sqlalchemy import text

    from forum.extensions import db

    return " ".join(str(row[-1]) for row in db.session.execute(
        text("EXPLAIN QUERY PLAN " + statement.replace("?", "1"))))


@pytest.mark.parametrize("url", ["/latest", "/c/plan"])
def test_pins_are_found_through_the_pinned_index_not_a_walk_of_every_topic(client, count_queries, url):
    """Pins come first on /latest (issue 11: the global ones) and on a category's page (all of
    its own). Finding them must not read the whole forum: on SQLite an ORDER BY in that query
    made the planner walk ix_topics_activity over every topic."""
    from tests.conftest import backend

    if backend() != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    make_topic(make_user(), make_category("Plan", slug="plan"), title="A topic to list")
    _count, statements = _queries(client, count_queries, url)
    pinned_query = next(s for s in statements if "is_pinned IS 1 AND" in s and "NOT (" not in s)
    assert ("pinned_globally IS 1" in pinned_query) == (url == "/latest")
    plan = _plan(pinned_query)
    assert "USING INDEX ix_topics_category_pinned" in plan, plan
    walk = next(s for s in statements if "is_pinned IS 1 AND" in s and "NOT (" in s)
    plan = _plan(walk)
    assert "ix_topics_category_pinned" not in plan and "USE TEMP B-TREE" not in plan, plan
