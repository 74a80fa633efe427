"""Per-account limits: many machines aimed at one account are stopped like one machine is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from forum.accounts.models import AccountThrottle
from forum.db_types import utcnow
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH, mail_link, normalise, text
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "amber kettle on mars"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**FAST_HASH, "LOGIN_FAILURES_BEFORE_LOCK": 3}


def fail(app: Any, login: str, times: int) -> Any:
    """``times`` wrong passwords, each from a different browser (and so, for the IP limit, nobody
    in particular): the last answer."""
    response = None
    for attempt in range(times):
        response = app.test_client().login(login, f"wrong password {attempt}")
    return response


def test_repeated_failures_lock_the_account_even_for_the_right_password(app):
    make_user("mario")
    assert "Wrong username" in text(fail(app, "mario", 2))
    locked = fail(app, "mario", 1)
    assert locked.status_code == 400
    assert "Too many failed sign-ins for this account" in text(locked)
    assert "15 minutes" in text(locked)
    # The owner, with the right password, waits too: otherwise the guesser would learn it.
    right = app.test_client().login("mario", PASSWORD)
    assert right.status_code == 400 and "Too many failed sign-ins" in text(right)


def test_username_and_email_count_against_the_same_account(app):
    make_user("mario", email="mario@example.com")
    fail(app, "mario", 2)
    assert "Too many failed sign-ins" in text(fail(app, "MARIO@example.com", 1))


def test_the_lock_ends_after_its_time(app):
    make_user("mario")
    fail(app, "mario", 3)
    for row in db.session.query(AccountThrottle):
        row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().login("mario", PASSWORD).status_code == 302


def test_an_unknown_name_locks_and_answers_exactly_like_a_real_one(app):
    make_user("mario")
    for times in (2, 1):  # wrong password, then the lock
        known, unknown = fail(app, "mario", times), fail(app, "ghost", times)
        assert known.status_code == unknown.status_code == 400
        # The form keeps what was typed; apart from that, the same page.
        assert normalise(text(known)).replace("mario", "NAME") == normalise(text(unknown)).replace("ghost", "NAME")
    assert "Too many failed sign-ins" in text(unknown)


def test_the_owner_is_mailed_once_with_a_way_back_in(app, outbox):
    make_user("mario", email="mario@example.com")
    fail(app, "mario", 3)
    notices = [m for m in outbox if m.to == "mario@example.com"]
    assert len(notices) == 1
    assert "Sign-in attempts" in notices[0].subject
    assert "http://forum.test/password/reset" in notices[0].body
    for row in db.session.query(AccountThrottle):
        row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    fail(app, "mario", 3)  # locked again the same day: no second mail
    assert len([m for m in outbox if m.to == "mario@example.com"]) == 1


def test_a_password_reset_lifts_the_lock(app, client, outbox):
    make_user("mario")
    fail(app, "mario", 3)
    client.post_form("/password/reset", {"login": "mario"})
    link = mail_link(outbox, "/password/reset/")
    assert client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert app.test_client().login("mario", NEW_PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(app):
    make_user("mario")
    fail(app, "mario", 2)
    assert app.test_client().login("mario", PASSWORD).status_code == 302
    assert "Wrong username" in text(fail(app, "mario", 2))  # counting starts again


def test_reset_mails_are_capped_per_account_without_changing_the_answer(app, outbox):
    make_user("mario", email="mario@example.com")
    pages = [normalise(text(app.test_client().post_form("/password/reset", {"login": "mario"})))
             for _ in range(5)]
    assert len(set(pages)) == 1
    assert len([m for m in outbox if m.to == "mario@example.com"]) == 3
