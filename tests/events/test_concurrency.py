"""Two members taking the last seat at the same moment never both get it.

Each thread is a separate browser: its own test client, its own app context (so its own
database session and connection), all released together by a barrier. Runs on SQLite and,
with FORUM_TEST_DATABASE=postgresql, on PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from forum.events import services
from forum.events.models import EventRsvp, RsvpStatus
from forum.extensions import db
from tests.conftest import FormClient

pytestmark = pytest.mark.committing  # each thread is a browser with its own session and connection


def _browsers(app: Any, usernames: list[str]) -> list[tuple[FormClient, str]]:
    app.test_client_class = FormClient
    browsers = []
    for name in usernames:
        client = app.test_client()
        client.login(name)
        browsers.append((client, client.csrf_token()))
    return browsers


def _at_once(browsers: list[tuple[FormClient, str]], url: str, data: dict[str, str]) -> list[int]:
    barrier = threading.Barrier(len(browsers))
    codes: list[int] = []
    errors: list[BaseException] = []

    def run(client: FormClient, token: str) -> None:
        try:
            with client.application.app_context():
                barrier.wait(timeout=30)
                codes.append(client.post(url, data={**data, "csrf_token": token}).status_code)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=b) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return codes


def _statuses(event_id: int) -> dict[str, list[int]]:
    db.session.expire_all()
    rows = db.session.execute(db.select(EventRsvp.user_id, EventRsvp.status)
                              .where(EventRsvp.event_id == event_id)).all()
    out: dict[str, list[int]] = {}
    for user_id, status in rows:
        out.setdefault(status, []).append(user_id)
    return out


def test_last_seats_are_never_given_twice(app, make_event, members):
    event = make_event(capacity=2)
    browsers = _browsers(app, [m.username for m in members])  # six people, two seats
    codes = _at_once(browsers, f"/events/{event.id}/rsvp", {"status": "going"})
    assert codes == [302] * 6
    statuses = _statuses(event.id)
    assert len(statuses.get(RsvpStatus.GOING, [])) == 2
    assert len(statuses.get(RsvpStatus.WAITLISTED, [])) == 4
    db.session.refresh(event)
    assert event.going_count == 2


def test_simultaneous_cancellations_promote_distinct_people_in_order(app, make_event, members):
    event = make_event(capacity=2)
    for m in members[:5]:  # two going, three waiting in order
        services.rsvp(m, event, "going")
    browsers = _browsers(app, [members[0].username, members[1].username])
    codes = _at_once(browsers, f"/events/{event.id}/rsvp", {"status": "not_going"})
    assert codes == [302, 302]
    statuses = _statuses(event.id)
    assert sorted(statuses[RsvpStatus.GOING]) == sorted([members[2].id, members[3].id])
    assert statuses[RsvpStatus.WAITLISTED] == [members[4].id]
    db.session.refresh(event)
    assert event.going_count == 2


def test_double_click_counts_once(app, make_event, members):
    event = make_event(capacity=3)
    tabs = _browsers(app, [members[0].username] * 3)  # three tabs of one member
    codes = _at_once(tabs, f"/events/{event.id}/rsvp", {"status": "going"})
    assert codes == [302] * 3
    assert _statuses(event.id) == {RsvpStatus.GOING: [members[0].id]}
    db.session.refresh(event)
    assert event.going_count == 1
