"""Names that look like another member's, a reserved word or a staff member's are refused."""

from __future__ import annotations

import html
from typing import Any

import pytest

from forum.accounts import services
from forum.errors import ValidationFailed
from forum.settings import set_setting
from forum.text import lookalike_skeleton
from tests.accounts.helpers import FAST_HASH, register, text, user
from tests.factories import make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


@pytest.mark.parametrize(("first", "second"), [
    ("giulia", "giuIia"),       # capital i for l
    ("giulia", "giu1ia"),       # digit one for l
    ("demo-admin", "dem0-admin"),
    ("demo-admin", "demo-admín"),
    ("demo-admin", "demo_admin"),
    ("demo-admin", "demoadmin"),
    ("demo-admin", "Demo.Admin"),
    ("modern", "rnodern"),      # r + n reads as m
    ("giulia", "giulìa"),
])
def test_skeletons_of_lookalikes_match(first, second):
    assert lookalike_skeleton(first) == lookalike_skeleton(second)


@pytest.mark.parametrize(("first", "second"), [("giulia", "giulio"), ("anna", "anne"), ("demo-admin", "demo-admins")])
def test_different_names_keep_different_skeletons(first, second):
    assert lookalike_skeleton(first) != lookalike_skeleton(second)


@pytest.mark.parametrize(("taken", "wanted"), [
    ("demo-admin", "dem0-admin"), ("demo-admin", "demo-admín"), ("giulia", "giuIia"), ("giulia", "giu1ia"),
    ("demo-admin", "demo_admin"), ("marco.rossi", "marcorossi"),
])
def test_registration_refuses_a_name_that_looks_like_a_taken_one(client, taken, wanted):
    make_user(taken)
    response = register(client, username=wanted, email="new@example.org")
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert "looks too much like one that is" in page
    assert f'value="{wanted}"' in page  # the form keeps what was typed
    assert user(wanted) is None or user(wanted).username == taken


@pytest.mark.parametrize("name", ["adm1n", "m0derator", "supp0rt", "staff_", "Sy5tem", "AdmIn", "circo1o",
                                  "ad.min", "moderat0r"])
def test_reserved_names_are_refused_in_their_lookalike_spellings(client, name):
    response = register(client, username=name)
    assert response.status_code == 400
    assert "reserved" in text(response)


def test_the_community_name_is_reserved(client):
    set_setting("community_name", "Caffè Club")
    response = register(client, username="caffe-c1ub")
    assert response.status_code == 400 and "reserved" in text(response)


def test_a_display_name_that_impersonates_staff_is_refused_at_registration(client):
    make_user("anna", display_name="Anna Bianchi", role="moderator")
    response = register(client, username="ordinary", display_name="Anna Bianchl")
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert "looks too much like the name of a member of the team" in page
    assert 'value="Anna Bianchl"' in page
    response = register(client, username="ordinary", display_name="ANNA")  # the staff username
    assert response.status_code == 400


def test_staff_group_members_are_protected_too(client):
    make_user("paolo", display_name="Paolo from Support", staff=True)
    response = register(client, username="ordinary", display_name="Paolo from Supp0rt")
    assert response.status_code == 400


def test_a_display_name_like_a_plain_members_is_allowed(client):
    make_user("anna", display_name="Anna Bianchi")
    response = register(client, username="ordinary", display_name="Anna Bianchi")
    assert response.status_code == 200, text(response)


@pytest.mark.parametrize("name", ["Admin", "Moderat0r", "Circolo", "Staff", "Circolo Staff", "supp0rt-circolo"])
def test_reserved_display_names_are_refused(client, name):
    response = register(client, username="ordinary", display_name=name)
    assert response.status_code == 400, name


def test_changing_the_display_name_is_checked_too(client):
    make_user("anna", display_name="Anna Bianchi", role="admin")
    make_user("mario")
    client.login("mario")
    response = client.post_form("/settings", {"display_name": "Anna Biánchi", "bio": "", "locale": "",
                                              "timezone": ""})
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert "looks too much like the name of a member of the team" in page
    assert 'value="Anna Biánchi"' in page
    assert user("mario").display_name == "Mario"


def test_staff_keep_their_own_name(client):
    make_user("anna", display_name="Anna Bianchi", role="moderator")
    client.login("anna")
    response = client.post_form("/settings", {"display_name": "Anna Bianchi", "bio": "", "locale": "",
                                              "timezone": ""})
    assert response.status_code == 302, text(response)


def test_the_operator_command_line_checks_lookalikes_too(app):
    make_user("giulia")
    with pytest.raises(ValidationFailed):
        services.create_account("giuIia", "other@example.org", "violet tram under snow")
