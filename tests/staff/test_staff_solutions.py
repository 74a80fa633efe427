"""Accepted answers in questions categories: who may mark, moving and removing the mark, display."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.discussions.models import Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.staff import services as staff
from tests.factories import (
    general_category,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    opening_post,
    support_category,
)


def solution_of(topic: Topic) -> int | None:
    db.session.expire_all()
    return db.session.get(Topic, topic.id).solution_post_id


@pytest.fixture
def question(app):
    asker = make_user("asker")
    topic = make_topic(asker, support_category(), title="How do I descale my moka?")
    first = make_reply(topic, make_user("helper"), "Use citric acid and water, then rinse twice.")
    second = make_reply(topic, make_user("other"), "Vinegar works too, but rinse well afterwards.")
    return topic, first, second


def test_topic_author_marks_moves_and_unmarks_the_solution(app, client, question) -> None:
    topic, first, second = question
    client.login("asker")
    assert client.post_form(f"/posts/{first.id}/solution").status_code == 302
    assert solution_of(topic) == first.id
    assert client.post_form(f"/posts/{second.id}/solution").status_code == 302
    assert solution_of(topic) == second.id  # one at a time: re-marking moves it
    assert client.post_form(f"/t/{topic.id}/solution/remove").status_code == 302
    assert solution_of(topic) is None
    # The author's own choices are not staff actions: nothing in the audit log.
    assert db.session.scalar(select(AuditLog.id)) is None


@pytest.mark.parametrize("role", ["staff", "moderator"])
def test_staff_may_mark_someone_elses_topic_and_it_is_audited(app, client, question, role) -> None:
    topic, first, _second = question
    if role == "staff":
        make_staff("helpdesk")
    else:
        make_user("helpdesk", role="moderator")
    client.login("helpdesk")
    assert client.post_form(f"/posts/{first.id}/solution").status_code == 302
    assert solution_of(topic) == first.id
    assert db.session.scalar(select(AuditLog.action)) == "topic.solution_mark"


def test_other_members_are_refused(app, client, question) -> None:
    topic, first, _second = question
    client.login("helper")  # even the author of the answer
    assert client.post_form(f"/posts/{first.id}/solution").status_code == 403
    assert solution_of(topic) is None
    with app.test_request_context():
        staff.mark_solution(db.session.get(User, topic.user_id), first)
    assert client.post_form(f"/t/{topic.id}/solution/remove").status_code == 403
    assert solution_of(topic) == first.id
    anonymous = app.test_client()
    assert anonymous.post_form(f"/posts/{first.id}/solution").status_code in (302, 401)
    assert solution_of(topic) == first.id


def test_no_solutions_outside_questions_categories_nor_on_the_opening_post(app, question) -> None:
    topic, _first, _second = question
    asker = topic.author
    opening = opening_post(topic)
    with app.test_request_context():
        with pytest.raises(PermissionDenied):
            staff.mark_solution(asker, opening)
        chat = make_topic(asker, general_category(), title="Just chatting about coffee")
        reply = make_reply(chat)
        with pytest.raises(PermissionDenied):
            staff.mark_solution(asker, reply)
        with pytest.raises(PermissionDenied):
            staff.mark_solution(make_staff(), reply)


def test_topic_shows_solved_with_the_answer_quoted_under_the_first_post(app, client, question) -> None:
    topic, first, _second = question
    with app.test_request_context():
        staff.mark_solution(topic.author, first)
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert 'class="solved-note"' in html
    aside = html[html.index('class="accepted-answer"'):]
    aside = aside[:aside.index("</aside>")]
    assert "Use citric acid and water" in aside and "Helper" in aside
    assert f"/t/{topic.slug}/{topic.id}/2" in aside  # the link to the answer
    # Under the first post: the quote sits inside post #1, before post #2 starts.
    assert html.index('id="p1"') < html.index('class="accepted-answer"') < html.index('id="p2"')
    assert "Mark as solution" not in html  # visitors get no buttons


def test_buttons_for_the_author(app, client, question) -> None:
    topic, first, _second = question
    client.login("asker")
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert html.count("Mark as solution") == 2
    with app.test_request_context():
        staff.mark_solution(topic.author, first)
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert html.count("Mark as solution") == 1 and "Unmark solution" in html


def test_lists_filter_solved_and_unsolved(app, client, question) -> None:
    topic, first, _second = question
    make_topic(make_user(), support_category(), title="Still waiting for an answer")
    with app.test_request_context():
        staff.mark_solution(topic.author, first)
    for base in ("/latest", "/c/support"):
        solved = client.get(f"{base}?solved=yes").get_data(as_text=True)
        assert "How do I descale my moka?" in solved and "Still waiting for an answer" not in solved
        unsolved = client.get(f"{base}?solved=no").get_data(as_text=True)
        assert "Still waiting for an answer" in unsolved and "How do I descale my moka?" not in unsolved
