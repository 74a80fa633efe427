"""Who sees what: the event, its online link and its attendee list, for each role."""

from __future__ import annotations

import pytest

from forum.accounts.models import AnonymousUser
from forum.events import services
from tests.factories import make_category, make_user

ONLINE = "https://meet.example.com/abc"


@pytest.fixture
def people(app, host, members):
    """One of each role; the event is created by `host` (a moderator) with member6 as co-host
    (invited, and accepted: an invitation alone makes nobody a host)."""
    return {
        "visitor": None,
        "member": members[0],
        "going": members[1],
        "waitlisted": members[2],
        "cohost": members[5],
        "host": host,
        "moderator": make_user("moddy", role="moderator"),
        "staff_group": make_user("brandy", staff=True),
    }


def _setup(make_event, people, **overrides):
    event = make_event(capacity=1, cohosts="member6", **overrides)
    services.accept_cohost(people["cohost"], event)
    services.rsvp(people["going"], event, "going")
    services.rsvp(people["waitlisted"], event, "going")
    return event


def _page(client, event, user):
    if user is not None:
        client.login(user.username)
    response = client.get(f"/events/{event.id}/{event.slug}")
    if user is not None:
        client.post_form("/logout")
    return response


ONLINE_LINK = {"visitor": False, "member": False, "going": True, "waitlisted": False, "cohost": True,
               "host": True, "moderator": True, "staff_group": False}


@pytest.mark.parametrize("role", list(ONLINE_LINK))
def test_online_link_only_for_people_going_and_hosts(client, make_event, people, role):
    event = _setup(make_event, people)
    html = _page(client, event, people[role]).get_data(as_text=True)
    assert (ONLINE in html) is ONLINE_LINK[role]
    if not ONLINE_LINK[role]:
        assert "the link is shown to people going" in html


@pytest.mark.parametrize("role", ["waitlisted", "member"])
def test_online_link_for_the_waitlist_when_the_event_allows_it(client, make_event, people, role):
    event = _setup(make_event, people, online_link_to_waitlist=True)
    html = _page(client, event, people[role]).get_data(as_text=True)
    assert (ONLINE in html) is (role == "waitlisted")


def test_online_link_never_in_public_calendars(client, make_event, people):
    event = _setup(make_event, people)
    assert ONLINE not in client.get(f"/events/{event.id}.ics").get_data(as_text=True)
    assert ONLINE not in client.get("/calendar.ics").get_data(as_text=True)


ATTENDEES = {
    "public": {"visitor": True, "member": True, "going": True, "host": True, "cohost": True, "moderator": True,
               "staff_group": True},
    "members": {"visitor": False, "member": True, "going": True, "host": True, "cohost": True,
                "moderator": True, "staff_group": True},
    "hosts": {"visitor": False, "member": False, "going": False, "host": True, "cohost": True,
              "moderator": True, "staff_group": False},
}


@pytest.mark.parametrize("role", ["visitor", "member", "going", "host", "cohost", "moderator", "staff_group"])
def test_attendee_list_per_event_setting(client, make_event, people, role):
    for setting, expected in ATTENDEES.items():
        event = _setup(make_event, people, attendee_visibility=setting, title=f"Meetup {setting}")
        html = _page(client, event, people[role]).get_data(as_text=True)
        # member2 is going (and, as the "going" viewer, also named in the header).
        listed = "attendee-list" in html and html.count('href="/u/member2"') >= (2 if role == "going" else 1)
        assert listed is expected[role], setting


VISIBLE = {
    "members": {"visitor": False, "member": True, "staff_group": True, "moderator": True},
    "staff": {"visitor": False, "member": False, "staff_group": True, "moderator": True},
}


@pytest.mark.parametrize("visibility", list(VISIBLE))
@pytest.mark.parametrize("role", ["visitor", "member", "staff_group", "moderator"])
def test_event_visibility(client, host, make_event, people, visibility, role):
    access = {"members": "members", "staff": "staff"}[visibility]
    category = make_category(f"{visibility} room", read_access=access, topic_access="members")
    event = make_event(host, visibility=visibility, category_id=category.id)
    response = _page(client, event, people[role])
    assert (response.status_code == 200) is VISIBLE[visibility][role]
    viewer = people[role]
    listed = event in services.list_upcoming(viewer or AnonymousUser())[0]
    assert listed is VISIBLE[visibility][role]
    ics = client.get(f"/events/{event.id}.ics")
    assert ics.status_code == 404  # the test client is logged out here
    assert event.title not in client.get("/calendar.ics").get_data(as_text=True)


def test_cohost_sees_a_restricted_event_it_hosts(client, host, make_event, members):
    category = make_category("Staff room", read_access="staff", topic_access="members")
    event = make_event(host, visibility="staff", category_id=category.id, cohosts="member1")
    client.login("member1")
    # The invitee sees what they are asked to host, and so can answer.
    assert client.get(f"/events/{event.id}/{event.slug}").status_code == 200
    assert event in services.list_upcoming(members[0])[0]
    assert event not in services.list_upcoming(members[1])[0]
    services.accept_cohost(members[0], event)
    assert client.get(f"/events/{event.id}/{event.slug}").status_code == 200
    assert event in services.list_upcoming(members[0])[0]
    services.decline_cohost(members[0], event)  # stepping down: back to an ordinary member
    assert client.get(f"/events/{event.id}/{event.slug}").status_code == 404
    assert event not in services.list_upcoming(members[0])[0]
