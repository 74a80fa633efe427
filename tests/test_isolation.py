"""The suite's isolation: each test in a rolled-back transaction unless marked ``committing``."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.discussions.models import Category, Topic
from forum.extensions import db
from tests.factories import make_topic, make_user


def users_seen_by_another_connection() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(User.__table__))


@pytest.mark.parametrize("run", [1, 2, 3])
def test_each_test_starts_from_the_default_data(app, run):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 0
    assert set(db.session.scalars(select(Category.slug))) == {"announcements", "general", "support"}
    make_topic(make_user(f"leftover{run}"), title="Left behind for the next test")  # rolled back


def test_services_commit_into_the_test_transaction_only(app):
    make_user("mario")
    assert db.session.scalar(select(User.username)) == "mario"
    assert users_seen_by_another_connection() == 0  # nothing is really committed


def test_requests_and_the_test_see_each_others_commits(app, client):
    make_user("mario")
    assert client.login("mario").status_code == 302  # the request sees the test's user
    category = db.session.scalar(select(Category).where(Category.slug == "general"))
    response = client.post_form("/new-topic", {"category": category.id, "title": "Posted through a request",
                                               "body": "A body long enough to be posted."})
    assert response.status_code == 302
    assert db.session.scalar(select(Topic.title)) == "Posted through a request"  # and the test sees the request's


def test_a_rollback_of_the_tests_session_keeps_what_a_request_committed(app, client):
    make_user("mario")
    assert db.session.scalar(select(User.username)) == "mario"  # the test's session is in a transaction
    client.login("mario")
    category = db.session.scalar(select(Category).where(Category.slug == "general"))
    client.post_form("/new-topic", {"category": category.id, "title": "Committed by the request",
                                    "body": "A body long enough to be posted."})
    db.session.rollback()  # as a service does after an error
    assert db.session.scalar(select(Topic.title)) == "Committed by the request"


def test_a_session_from_another_thread_is_refused(app):
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                db.session.scalar(select(User.id))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "mark the test @pytest.mark.committing" in str(errors[0])


@pytest.mark.committing
def test_a_committing_test_really_commits(app):
    make_user("mario")
    assert users_seen_by_another_connection() == 1  # emptied again after the test
