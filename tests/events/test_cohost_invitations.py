"""Co-hosting is an invitation the member accepts (security issue "co-hosts without consent").

Naming a member co-host used to make them one at once: the event entered their personal
calendar and its management their name. Now it invites them; only their "yes" makes them host.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import select

from forum.errors import PermissionDenied
from forum.events import permissions, services
from forum.events.models import Event, EventHost, HostState
from forum.extensions import db
from forum.notifications.models import Notification
from forum.plugins import Verdict
from tests.factories import event_input, future_day, make_user
from tests.factories.accounts import make_member_in_state
from tests.notifications.helpers import texts


def invitations(user: Any, kind: str = "event_cohost_invited") -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == kind)))


def state_of(event: Event, user: Any) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(EventHost.state).where(EventHost.event_id == event.id,
                                                           EventHost.user_id == user.id))


def page(client: Any, event: Event) -> str:
    return client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)


def feed_ids(user: Any) -> set[int]:
    return {e.id for e in services.personal_feed_events(user)}


def test_naming_a_cohost_invites_them_without_making_them_host(client, make_event, members):
    event = make_event(cohosts="member1")
    invitee = members[0]
    assert state_of(event, invitee) == HostState.INVITED
    assert not permissions.is_host(invitee, event) and invitee.id not in event.host_ids
    assert not permissions.can_manage_event(invitee, event)
    assert event.id not in feed_ids(invitee)  # nothing in their calendar without consent
    with pytest.raises(PermissionDenied):
        services.update_event(invitee, event, event_input(title="Taken over"))
    client.login(invitee.username)
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    html = page(client, event)
    assert "You are invited to co-host this event." in html
    assert f'action="/events/{event.id}/cohost/accept"' in html and 'name="csrf_token"' in html
    assert "Host tools" not in html
    assert 'href="/u/member1"' not in html.split('class="hosted-by"')[1].split("</p>")[0]


def test_accepting_makes_them_host_everywhere(client, make_event, members):
    event = make_event(cohosts="member1")
    client.login("member1")
    assert client.post_form(f"/events/{event.id}/cohost/accept").status_code == 302
    assert state_of(event, members[0]) == HostState.ACCEPTED
    event = db.session.get(Event, event.id)
    assert permissions.is_host(members[0], event) and permissions.can_manage_event(members[0], event)
    assert event.id in feed_ids(members[0])
    assert client.get(f"/events/{event.id}/edit").status_code == 200
    html = page(client, event)
    assert "Host tools" in html and 'href="/u/member1"' in html.split('class="hosted-by"')[1].split("</p>")[0]


def test_declining_does_not_make_them_host_and_is_kept_for_the_owner(client, make_event, members, host):
    event = make_event(cohosts="member1")
    client.login("member1")
    assert client.post_form(f"/events/{event.id}/cohost/decline").status_code == 302
    assert state_of(event, members[0]) == HostState.DECLINED
    event = db.session.get(Event, event.id)
    assert not permissions.is_host(members[0], event) and event.id not in feed_ids(members[0])
    assert client.post_form(f"/events/{event.id}/cohost/accept").status_code == 403  # the answer stands
    client.post_form("/logout")
    client.login(host.username)
    html = page(client, event)
    assert 'data-cohost="member1" data-state="declined"' in html
    assert texts(host, "event_cohost_answered") == [
        "Member1 will not co-host “Community meetup in Rome”."]


def test_an_accepted_cohost_may_step_down(make_event, members):
    event = make_event(cohosts="member1")
    services.accept_cohost(members[0], event)
    services.decline_cohost(members[0], event)
    assert state_of(event, members[0]) == HostState.DECLINED
    assert not permissions.can_manage_event(members[0], db.session.get(Event, event.id))


def test_the_invitation_is_notified_once_in_the_invitees_language(client, make_event, members, host, outbox):
    italian = make_user("lucia", locale="it")
    event = make_event(cohosts="lucia")
    [notice] = invitations(italian)
    assert notice.url == f"/events/{event.id}/{event.slug}"
    [message] = texts(italian)
    assert "Hostess ti ha invitato a co-organizzare “Community meetup in Rome”" in message
    day = format_date(event.local_start, "medium", locale="it")
    assert f"({day}, 19:00 Europe/Rome)" in message  # the date in Italian, in the site's one format
    # Editing the event (even moving it) does not invite her again; only newly named people are.
    day = future_day(12)
    services.update_event(host, event, event_input(title="Moved meetup", start_date=day, end_date=day,
                                                   cohosts="lucia"))
    services.update_event(host, event, event_input(title="Moved meetup", start_date=day, end_date=day,
                                                   start_time=time(18, 0), cohosts="lucia, member1"))
    assert len(invitations(italian)) == 1
    assert len(invitations(members[0])) == 1
    # and by mail, through the web form like a host would
    client.login(host.username)
    outbox.clear()
    response = client.post_form(f"/events/{event.id}/edit", {
        "title": "Moved meetup", "timezone": "Europe/Rome", "start_date": day.isoformat(), "start_time": "18:00",
        "end_date": day.isoformat(), "end_time": "21:00", "visibility": "public", "attendee_visibility": "members",
        "cohosts": "lucia, member1, member2"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [m.to for m in outbox] == [members[1].email]
    assert "Co-host invitation: Moved meetup" in outbox[0].subject and f"/events/{event.id}/" in outbox[0].body


def test_reinviting_after_a_decline_only_by_naming_them_again(client, make_event, members, host):
    event = make_event(cohosts="member1, member2")
    services.accept_cohost(members[1], event)
    services.decline_cohost(members[0], event)
    client.login(host.username)
    form = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="member2"' in form and "Declined: member1." in form  # the form does not re-invite her
    services.update_event(host, event, event_input(cohosts="member2"))  # saving the form as shown
    assert state_of(event, members[0]) == HostState.DECLINED
    assert len(invitations(members[0])) == 1
    services.update_event(host, db.session.get(Event, event.id), event_input(cohosts="member2, member1"))
    assert state_of(event, members[0]) == HostState.INVITED
    assert len(invitations(members[0])) == 2  # a new invitation, told once
    assert state_of(event, members[1]) == HostState.ACCEPTED and len(invitations(members[1])) == 1


def test_removing_a_cohost_removes_the_invitation_and_the_powers(make_event, members, host):
    event = make_event(cohosts="member1, member2")
    services.accept_cohost(members[1], event)
    services.update_event(host, event, event_input(cohosts=""))
    assert state_of(event, members[0]) is None and state_of(event, members[1]) is None
    event = db.session.get(Event, event.id)
    assert not permissions.can_manage_event(members[1], event) and event.id not in feed_ids(members[1])
    with pytest.raises(PermissionDenied):
        services.accept_cohost(members[0], event)


def test_people_not_invited_cannot_accept(client, make_event, members, host):
    event = make_event(cohosts="member1")
    client.login("member2")
    assert client.post_form(f"/events/{event.id}/cohost/accept").status_code == 403
    assert client.post_form(f"/events/{event.id}/cohost/decline").status_code == 403
    assert client.post_form("/events/999999/cohost/accept").status_code == 404
    assert "cohost/accept" not in page(client, event)
    client.post_form("/logout")
    response = client.post_form(f"/events/{event.id}/cohost/accept")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for outsider in (members[1], host, make_user("moddo", role="moderator")):
        with pytest.raises(PermissionDenied):
            services.accept_cohost(outsider, event)
    assert state_of(event, members[0]) == HostState.INVITED
    assert db.session.scalar(select(EventHost.id).where(EventHost.user_id == members[1].id)) is None


def test_accepting_needs_the_csrf_token(client, make_event, members):
    event = make_event(cohosts="member1")
    client.login("member1")
    assert client.post(f"/events/{event.id}/cohost/accept").status_code == 400
    assert state_of(event, members[0]) == HostState.INVITED


@pytest.mark.parametrize("state", ["silenced", "unverified", "pending"])
def test_members_who_may_not_post_cannot_accept(client, make_event, state):
    invitee = make_member_in_state(state, "quiet")
    event = make_event(cohosts="quiet")
    client.login("quiet")
    html = page(client, event)
    assert "cohost/accept" not in html and "cohost/decline" in html  # saying no needs no privilege
    assert client.post_form(f"/events/{event.id}/cohost/accept").status_code == 403
    with pytest.raises(PermissionDenied):
        services.accept_cohost(invitee, db.session.get(Event, event.id))
    assert state_of(event, invitee) == HostState.INVITED
    assert client.post_form(f"/events/{event.id}/cohost/decline").status_code == 302
    assert state_of(event, invitee) == HostState.DECLINED


def test_a_held_meetup_invites_once_it_is_approved(app, client, event_filter, members):
    from forum.settings import set_setting

    set_setting("events_creators", "members")
    db.session.commit()
    event_filter(Verdict.require_approval("looks like spam"))
    creator = make_user("nuova")
    event = services.create_event(creator, event_input(description="A forbidden plan", cohosts="member1"))
    assert event.is_pending and invitations(members[0]) == []  # she could not open it yet
    with pytest.raises(PermissionDenied):
        services.accept_cohost(members[0], event)
    services.approve_event(make_user("mona", role="moderator"), event)
    [notice] = texts(members[0], "event_cohost_invited")
    assert notice.startswith("Nuova invited you to co-host")
    services.accept_cohost(members[0], db.session.get(Event, event.id))
    assert state_of(event, members[0]) == HostState.ACCEPTED
