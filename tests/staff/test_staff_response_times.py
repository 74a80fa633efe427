"""Staff response times: per-topic times, the "awaiting a staff response" list and the figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template

from forum.discussions import counters
from forum.discussions import services as discussions
from forum.discussions.models import PostState, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.staff import services as staff
from tests.factories import general_category, make_reply, make_staff, make_topic, make_user, support_category

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield app


def test_first_staff_and_official_reply_times_are_recorded(rctx) -> None:
    member, agent = make_user(), make_staff()
    topic = make_topic(member, general_category())
    make_reply(topic, make_user())  # members do not count
    db.session.refresh(topic)
    assert topic.first_staff_reply_at is None
    reply = discussions.create_reply(agent, topic, "We are looking into it right now.").post
    discussions.create_reply(agent, topic, "Here is the official answer, with details.", official=True)
    db.session.refresh(topic)
    assert topic.first_staff_reply_at == reply.created_at
    assert topic.first_official_reply_at is not None and topic.first_official_reply_at >= reply.created_at
    assert staff.time_to_first_staff_reply(topic) == reply.created_at - topic.created_at
    assert staff.time_to_first_official_reply(topic) == topic.first_official_reply_at - topic.created_at
    # A staff member's own topic is not "answered" by their own replies.
    own = make_topic(agent, general_category())
    make_reply(own, agent)
    db.session.refresh(own)
    assert own.first_staff_reply_at is None


def test_a_held_staff_reply_counts_when_it_is_published(rctx) -> None:
    agent = make_staff()
    topic = make_topic(make_user(), general_category())
    post = make_reply(topic, agent)
    counters.unpublish(post, PostState.PENDING, None)
    topic.first_staff_reply_at = None
    db.session.commit()
    counters.publish(post)
    db.session.commit()
    db.session.refresh(topic)
    assert topic.first_staff_reply_at == post.created_at


def _topic(title: str, age: timedelta, *, reply_after: timedelta | None = None, author=None,
           category=None, solved: bool = False) -> Topic:
    topic = make_topic(author or make_user(), category or general_category(), title=title)
    topic.created_at = NOW - age
    topic.first_staff_reply_at = topic.created_at + reply_after if reply_after is not None else None
    if solved:
        topic.solution_post_id = make_reply(topic).id
    db.session.commit()
    return topic


@pytest.fixture
def timeline(rctx):
    """Member topics with known ages and response times (see the figures test for the maths)."""
    return {
        "A": _topic("Topic A answered fast", 2 * D, reply_after=1 * H),
        "B": _topic("Topic B answered", 3 * D, reply_after=3 * H),
        "C": _topic("Topic C answered late", 5 * D, reply_after=30 * H),
        "D": _topic("Topic D never answered", 6 * D),
        "E": _topic("Topic E brand new", 2 * H),
        "Q1": _topic("Question one solved", 4 * D, reply_after=5 * H, category=support_category(), solved=True),
        "F": _topic("Topic F this month", 20 * D, reply_after=10 * H),
        "Q2": _topic("Question two waiting", 10 * D, category=support_category()),
        "G": _topic("Topic G this quarter", 60 * D, reply_after=2 * H),
        "H": _topic("Topic H too old", 100 * D, reply_after=1 * H),
        "S": _topic("Staff announcement", 1 * D, author=make_staff()),
        "M": _topic("Moderator note", 1 * D, author=make_user(role="moderator")),
    }


def test_figures_for_7_30_90_days(timeline) -> None:
    viewer = make_staff()
    week, month, quarter = staff.response_figures(viewer, now=NOW)
    assert (week.days, week.topics, week.answered) == (7, 6, 4)         # A B C D E Q1
    assert week.median_seconds == pytest.approx(4 * 3600)                # 1 3 5 30 h
    assert week.p90_seconds == pytest.approx(22.5 * 3600)
    assert (week.within_target, week.target_base) == (3, 5)              # E is too young to count
    assert week.within_target_pct == pytest.approx(60.0)
    assert (week.questions, week.solved, week.solved_pct) == (1, 1, 100.0)

    assert (month.topics, month.answered) == (8, 5)                      # + F, Q2
    assert month.median_seconds == pytest.approx(5 * 3600)               # 1 3 5 10 30 h
    assert month.p90_seconds == pytest.approx(22 * 3600)
    assert month.within_target_pct == pytest.approx(100 * 4 / 7)
    assert month.solved_pct == pytest.approx(50.0)

    assert (quarter.topics, quarter.answered) == (9, 6)                  # + G; H is older
    assert quarter.median_seconds == pytest.approx(4 * 3600)             # 1 2 3 5 10 30 h
    assert quarter.p90_seconds == pytest.approx(20 * 3600)
    assert quarter.within_target_pct == pytest.approx(62.5)

    support = staff.response_figures(viewer, now=NOW, category_id=support_category().id)[2]
    assert (support.topics, support.answered, support.questions, support.solved) == (2, 1, 2, 1)


def test_figures_cost_a_fixed_number_of_queries(timeline, count_queries) -> None:
    viewer = make_staff()
    staff.response_figures(viewer, now=NOW)
    with count_queries() as few:
        staff.response_figures(viewer, now=NOW)
    for i in range(15):
        _topic(f"More topic {i}", (i + 1) * D, reply_after=(i + 1) * H)
    db.session.refresh(viewer)  # the commits expired it: reloading it is not the figures' cost
    with count_queries() as many:
        staff.response_figures(viewer, now=NOW)
    assert many.count == few.count <= 9


def test_figures_with_no_topics_are_empty_not_errors(rctx) -> None:
    week = staff.response_figures(make_staff(), now=NOW)[0]
    assert week.topics == 0 and week.median_seconds is None and week.within_target_pct is None
    assert week.solved_pct is None


def test_weekly_series(timeline) -> None:
    points = staff.weekly_series(make_staff(), weeks=2, now=NOW)
    assert [p.start for p in points] == [NOW - 14 * D, NOW - 7 * D]
    assert [(p.topics, p.within_target) for p in points] == [(1, 0), (6, 3)]   # Q2 | A B C D E Q1
    assert points[1].pct == pytest.approx(50.0)


def test_awaiting_list_oldest_first_with_category_filter_and_keyset_pages(timeline) -> None:
    viewer = make_staff()
    page = staff.awaiting_staff_response(viewer)
    assert [t.title for t in page.topics] == ["Question two waiting", "Topic D never answered",
                                              "Topic E brand new"]
    first = staff.awaiting_staff_response(viewer, per_page=2)
    assert [t.title for t in first.topics] == ["Question two waiting", "Topic D never answered"]
    rest = staff.awaiting_staff_response(viewer, per_page=2, cursor=first.next_cursor)
    assert [t.title for t in rest.topics] == ["Topic E brand new"] and rest.next_cursor is None
    support = staff.awaiting_staff_response(viewer, category_id=support_category().id)
    assert [t.title for t in support.topics] == ["Question two waiting"]
    with pytest.raises(PermissionDenied):
        staff.awaiting_staff_response(make_user())


def test_chart_escapes_every_label(rctx) -> None:
    points = [staff.WeekPoint(start=NOW, topics=4, within_target=3), staff.WeekPoint(start=NOW, topics=0,
                                                                                      within_target=0)]
    chart = staff.build_chart(points, ['<script>alert("x")</script>', "1 & 2"])
    svg = render_template("staff/_chart.html", chart=chart)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "1 &amp; 2" in svg
    assert "75%" in svg and svg.count("<rect") == 2
    assert chart.bars[0].height > 0 and chart.bars[1].height == 0


def test_response_page_access_and_content(app, client, timeline) -> None:
    make_user("member")
    client.login("member")
    assert client.get("/staff/responses").status_code == 403
    for name, maker in (("agent", lambda: make_staff("agent")), ("mod", lambda: make_user("mod", role="moderator"))):
        maker()
        c = app.test_client()
        c.login(name)
        response = c.get("/staff/responses")
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert "Topic D never answered" in html and "Topic A answered fast" not in html
        assert "<svg" in html
    c = app.test_client()
    c.login("agent")
    html = c.get(f"/staff/responses?category={support_category().id}").get_data(as_text=True)
    assert "Question two waiting" in html and "Topic D never answered" not in html


def test_topic_header_shows_response_times_to_staff_only(app, client, timeline) -> None:
    topic = timeline["B"]
    make_staff("agent")
    assert "First staff reply" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    client.login("agent")
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "First staff reply:" in html and "3 hours" in html


@pytest.mark.parametrize("cursor", ["garbage", "12_", "_3", "1.5_2", "99999999999999999999_1",
                                    "1_99999999999999999999"])
def test_a_crafted_cursor_on_the_response_page_answers_400(app, client, cursor) -> None:
    make_staff("agent")
    client.login("agent")
    response = client.get("/staff/responses", query_string={"after": cursor})
    assert response.status_code == 400
    assert "This page link is not valid" in response.get_data(as_text=True)


def test_the_response_page_more_link_walks_every_waiting_topic_once(app, client) -> None:
    app.config["TOPICS_PER_PAGE"] = 2
    created = [make_topic(make_user(), general_category(), title=f"Waiting topic number {i}") for i in range(5)]
    instant = created[0].created_at
    for topic in created:  # ties on the timestamp: the id breaks them
        topic.created_at = instant
    db.session.commit()
    make_staff("agent")
    client.login("agent")
    seen: list[str] = []
    url: str | None = "/staff/responses"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"Waiting topic number \d", html)
        more = re.search(r'href="([^"]+)">More topics<', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == [f"Waiting topic number {i}" for i in range(5)]
