"""Who may edit, cancel and manage an event; attendee export."""

from __future__ import annotations

import csv
import io

import pytest

from forum.errors import PermissionDenied
from forum.events import services
from forum.extensions import db
from tests.factories import event_input, make_user

ROLES = ["visitor", "member", "staff_group", "invitee", "declined", "cohost", "creator", "moderator", "admin"]
# A co-host is one who accepted; an open or declined invitation gives no powers.
MAY_MANAGE = {"visitor": False, "member": False, "staff_group": False, "invitee": False, "declined": False,
              "cohost": True, "creator": True, "moderator": True, "admin": True}


@pytest.fixture
def cast(app, members):
    creator = make_user("creator", staff=True)
    return {
        "visitor": None, "member": members[0], "staff_group": make_user("brand2", staff=True),
        "cohost": members[1], "invitee": members[3], "declined": members[4],
        "creator": creator, "moderator": make_user("mod2", role="moderator"),
        "admin": make_user("boss", role="admin"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_cancel_and_manage(client, cast, make_event, role, members):
    event = make_event(cast["creator"], cohosts="member2, member4, member5")
    services.accept_cohost(cast["cohost"], event)  # a co-host is one who accepted the invitation
    services.decline_cohost(cast["declined"], event)
    services.rsvp(members[2], event, "going")
    user = cast[role]
    if user is not None:
        client.login(user.username)
    allowed = MAY_MANAGE[role]
    edit = client.get(f"/events/{event.id}/edit")
    roster = client.get(f"/events/{event.id}/attendees")
    export = client.get(f"/events/{event.id}/attendees.csv")
    if user is None:
        assert all(r.status_code == 302 and "/login" in r.headers["Location"] for r in (edit, roster, export))
    else:
        assert (edit.status_code == 200) is allowed and (edit.status_code == 403) is (not allowed)
        assert (roster.status_code == 200) is allowed
        assert (export.status_code == 200) is allowed
        page = client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)
        assert ("Host tools" in page) is allowed
    if user is not None and not allowed:
        with pytest.raises(PermissionDenied):
            services.update_event(user, event, event_input(title="Hijacked"))
        with pytest.raises(PermissionDenied):
            services.cancel_event(user, event)
        with pytest.raises(PermissionDenied):
            services.remove_attendee(user, event, members[2].id)
    if user is not None:
        response = client.post_form(f"/events/{event.id}/cancel")
        assert response.status_code == (302 if allowed else 403)
    db.session.refresh(event)
    assert event.is_cancelled is bool(allowed and user is not None)


FORMULAS = {  # username -> display name a spreadsheet would run as a formula
    "formula1": "=HYPERLINK(\"http://x\")", "formula2": "+1+1", "formula3": "-2", "formula4": "@SUM(A1)",
    "formula5": "\t=1+1", "formula6": "\r=1+1",
}


def test_csv_export_defuses_formulas(client, make_event, host):
    event = make_event()
    for username, name in FORMULAS.items():
        services.rsvp(make_user(username, display_name=name), event, "going")
    services.rsvp(make_user("plain", display_name="Ann O'Neil"), event, "going")
    client.login(host.username)
    response = client.get(f"/events/{event.id}/attendees.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert rows[0][:3] == ["username", "display_name", "status"]
    names = {r[0]: r[1] for r in rows[1:]}
    for username, name in FORMULAS.items():
        assert names[username] == "'" + name, username  # shown as typed, never run
    assert names["plain"] == "Ann O'Neil"
    assert all(r[2] == "going" for r in rows[1:])
    assert "@example.com" not in response.get_data(as_text=True)  # no e-mail addresses for hosts


def test_roster_lists_waitlist_in_order(make_event, members, host):
    event = make_event(capacity=1)
    for m in members[:4]:
        services.rsvp(m, event, "going")
    roster = services.roster(host, event)
    assert [r.user_id for r in roster.going] == [members[0].id]
    assert [r.user_id for r in roster.waitlist] == [m.id for m in members[1:4]]
    csv_rows = list(csv.reader(io.StringIO(services.attendees_csv(host, event))))
    assert [(r[0], r[3]) for r in csv_rows[2:]] == [("member2", "1"), ("member3", "2"), ("member4", "3")]


@pytest.mark.parametrize("host_role", ["creator", "cohost"])
def test_a_silenced_host_cannot_manage_until_the_silence_ends(client, cast, make_event, host_role):
    from datetime import timedelta

    from forum.db_types import utcnow

    event = make_event(cast["creator"], cohosts="member2")
    services.accept_cohost(cast["cohost"], event)
    host = cast[host_role]
    host.silenced_until = utcnow() + timedelta(days=3)
    db.session.commit()
    client.login(host.username)
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    with pytest.raises(PermissionDenied):
        services.update_event(host, event, event_input(title="Written while silenced"))
    host.silenced_until = None
    db.session.commit()
    assert client.get(f"/events/{event.id}/edit").status_code == 200
