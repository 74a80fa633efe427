"""/api/v1/events: the events page's lists and rules, the RSVP form's service (seats, waitlist,
promotion and its notice), the attendee list as the page shows it, constant SQL for the list."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.discussions.models import ReadAccess
from forum.events.models import Event, EventRsvp
from forum.extensions import db
from forum.notifications.models import Notification
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import future_day, make_category, make_event, make_user
from tests.factories.accounts import make_member_in_state


@pytest.fixture(autouse=True)
def request_context(app: Any) -> Any:
    """Event services word their messages: the factories run inside a request, as views do."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def host(app: Any) -> Any:
    return make_user("hostess", role="moderator")


def _walk(client: Any, url: str, headers: dict[str, str] | None = None) -> list[int]:
    """Every id of a cursor-paginated list, following ``next``."""
    ids: list[int] = []
    cursor = None
    for _ in range(50):
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers or {})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        ids += [e["id"] for e in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids
    raise AssertionError("the walk never ended")


def test_a_visitor_never_sees_members_only_events_and_a_member_does(client, host):
    club = make_category("Club", slug="club", read_access=ReadAccess.MEMBERS)
    public = [make_event(host, title=f"Public meetup {i}", start_date=future_day(3 + i), end_date=future_day(3 + i))
              for i in range(3)]
    secret = make_event(host, title="Members-only meetup", visibility="members", category_id=club.id,
                        start_date=future_day(4), end_date=future_day(4))
    seen_by_visitor = _walk(client, "/api/v1/events?limit=2")
    assert seen_by_visitor == [e.id for e in public]  # soonest first, every page once
    assert_error(client.get(f"/api/v1/events/{secret.id}"), 404)
    member = bearer(make_key(make_user("reader")))
    seen_by_member = _walk(client, "/api/v1/events?limit=1", member)
    assert seen_by_member == [public[0].id, public[1].id, secret.id, public[2].id]
    assert client.get(f"/api/v1/events/{secret.id}", headers=member).get_json()["title"] == "Members-only meetup"
    # Nothing is over yet: the past list is empty.
    assert client.get("/api/v1/events?period=past").get_json() == {"items": [], "next": None}


def test_the_online_link_is_for_who_is_going(client, host):
    event = make_event(host, title="Hybrid meetup")
    key = bearer(make_key(make_user("goer")))
    assert client.get(f"/api/v1/events/{event.id}", headers=key).get_json()["online_url"] is None
    assert client.put(f"/api/v1/events/{event.id}/rsvp", headers=key, json={"status": "going"}).status_code == 200
    assert client.get(f"/api/v1/events/{event.id}", headers=key).get_json()["online_url"] == event.online_url
    assert client.get("/api/v1/events", headers=key).get_json()["items"][0]["online_url"] is None  # lists: never


def test_rsvp_seats_waitlist_and_promotion_are_the_forms(client, host):
    """Two events of one seat each: the same answers through the web form and through the API
    leave the same rows, counts and notices."""
    web_event = make_event(host, title="Web small meetup", capacity=1)
    api_event = make_event(host, title="Api small meetup", capacity=1)
    first, second = make_user("first"), make_user("second")
    for who in ("first", "second"):
        client.login(who)
        assert client.post_form(f"/events/{web_event.id}/rsvp", {"status": "going"}).status_code == 302
        client.post_form("/logout")
    keys = {u.username: bearer(make_key(u)) for u in (first, second)}
    answer = client.put(f"/api/v1/events/{api_event.id}/rsvp", headers=keys["first"], json={"status": "going"})
    assert answer.get_json() == {"event_id": api_event.id, "status": "going", "waitlist_position": None,
                                 "changed": True, "going_count": 1}
    answer = client.put(f"/api/v1/events/{api_event.id}/rsvp", headers=keys["second"], json={"status": "going"})
    assert answer.get_json()["status"] == "waitlisted" and answer.get_json()["waitlist_position"] == 1
    mine = client.get(f"/api/v1/events/{api_event.id}/rsvp", headers=keys["second"]).get_json()
    assert (mine["status"], mine["waitlist_position"], mine["changed"]) == ("waitlisted", 1, False)

    def state(event: Event) -> tuple[Any, ...]:
        db.session.refresh(event)
        rows = dict(db.session.execute(select(EventRsvp.user_id, EventRsvp.status)
                                       .where(EventRsvp.event_id == event.id)).all())
        return event.going_count, rows[first.id], rows[second.id]

    assert state(web_event) == state(api_event) == (1, "going", "waitlisted")
    # Cancelling (DELETE) is "not going": the seat goes to the waitlist, who is told.
    client.login("first")
    client.post_form(f"/events/{web_event.id}/rsvp", {"status": "not_going"})
    cancelled = client.delete(f"/api/v1/events/{api_event.id}/rsvp", headers=keys["first"])
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "not_going"
    assert state(web_event) == state(api_event) == (1, "not_going", "going")
    promoted = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == second.id, Notification.kind == "event_promoted"))
    assert promoted == 2  # one per event, web and API alike


def test_rsvp_refusals(client, host):
    event = make_event(host, title="Refusals meetup")
    read_only = bearer(make_key(make_user("looker"), ("read",)))
    assert_error(client.put(f"/api/v1/events/{event.id}/rsvp", headers=read_only, json={"status": "going"}),
                 403, "insufficient_scope")
    silenced = bearer(make_key(make_member_in_state("silenced", "quiet")))
    error = assert_error(client.put(f"/api/v1/events/{event.id}/rsvp", headers=silenced, json={"status": "going"}),
                         422)
    assert "read-only" in error["message"]
    key = bearer(make_key(make_user("odd")))
    assert_error(client.put(f"/api/v1/events/{event.id}/rsvp", headers=key, json={"status": "waitlisted"}), 422)
    assert_error(client.put(f"/api/v1/events/{event.id}/rsvp", json={"status": "going"}), 401)
    assert_error(client.put("/api/v1/events/999999/rsvp", headers=key, json={"status": "going"}), 404)
    assert db.session.scalar(select(func.count()).select_from(EventRsvp)) == 0


def test_the_attendee_list_follows_the_hosts_choice(client, host):
    members_list = make_event(host, title="Members list meetup")  # attendees: members (the default)
    hosts_list = make_event(host, title="Hosts list meetup", attendee_visibility="hosts")
    goer = make_user("goer")
    key = bearer(make_key(goer))
    for event in (members_list, hosts_list):
        client.put(f"/api/v1/events/{event.id}/rsvp", headers=key, json={"status": "going"})
    assert [u["username"] for u in client.get(f"/api/v1/events/{members_list.id}/attendees",
                                              headers=key).get_json()] == ["goer"]
    assert_error(client.get(f"/api/v1/events/{members_list.id}/attendees"), 401)
    assert_error(client.get(f"/api/v1/events/{hosts_list.id}/attendees", headers=key), 403)
    host_key = bearer(make_key(host))
    assert [u["username"] for u in client.get(f"/api/v1/events/{hosts_list.id}/attendees",
                                              headers=host_key).get_json()] == ["goer"]


def test_the_list_runs_constant_sql(client, count_queries, host):
    key = bearer(make_key(make_user("counter")))
    make_event(host, title="The only meetup", start_date=future_day(2), end_date=future_day(2))

    def queries() -> tuple[int, list[str]]:
        client.get("/api/v1/events", headers=key)
        with count_queries() as q:
            assert client.get("/api/v1/events", headers=key).status_code == 200
        return q.count, q.statements

    small = queries()
    for i in range(9):
        make_event(make_user(f"host{i}", role="moderator"), title=f"Another meetup {i}",
                   start_date=future_day(3 + i), end_date=future_day(3 + i))
    big = queries()
    assert len(client.get("/api/v1/events", headers=key).get_json()["items"]) == 10
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])
