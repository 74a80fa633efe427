"""Unsubscribing without signing in (RFC 8058 one-click and the page), and the preferences page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from forum.accounts.models import User
from forum.extensions import db
from forum.notifications import preferences, unsubscribe
from forum.notifications.kinds import Delivery
from tests.factories import make_user
from tests.notifications.email_helpers import ACCOUNT, BELL_ONLY, PRIVATE, REPLY, WATCHED, mail_kinds  # noqa: F401

pytestmark = pytest.mark.usefixtures("mail_kinds")
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def link(user: Any, purpose: str) -> str:
    return "/email/unsubscribe/" + unsubscribe.make_token(user, purpose)


def fresh(user: Any) -> User:
    db.session.expire_all()
    found = db.session.get(User, user.id)
    assert found is not None
    return found


# --- one click (RFC 8058) --------------------------------------------------------------------------

def test_one_click_turns_off_that_kinds_mail_and_nothing_else(client):
    anna = make_user("anna", notification_prefs={WATCHED.name: Delivery.EMAIL})
    response = client.post(link(anna, unsubscribe.kind_purpose(REPLY)), data=ONE_CLICK)  # no CSRF token
    assert response.status_code == 200
    anna = fresh(anna)
    assert preferences.delivery_for(anna, REPLY) == Delivery.APP  # still in the bell
    assert preferences.delivery_for(anna, WATCHED) == Delivery.EMAIL
    assert preferences.digest_frequency(anna) == "weekly"


def test_one_click_from_a_summary_stops_summaries(client):
    anna = make_user("anna")
    assert client.post(link(anna, unsubscribe.DIGEST), data=ONE_CLICK).status_code == 200
    assert fresh(anna).digest == "never"


@pytest.mark.parametrize("body", [{}, {"List-Unsubscribe": "Yes"}, {"unsubscribe": "One-Click"}])
def test_one_click_needs_exactly_rfc_8058s_body(client, body):
    anna = make_user("anna")
    assert client.post(link(anna, unsubscribe.DIGEST), data=body).status_code == 400
    assert fresh(anna).digest is None


def test_a_get_never_unsubscribes(client):
    anna = make_user("anna")
    page = client.get(link(anna, unsubscribe.kind_purpose(REPLY)))
    assert page.status_code == 200
    anna = fresh(anna)
    assert anna.notification_prefs == {} and anna.digest is None


# --- refused links -----------------------------------------------------------------------------------

def test_forged_altered_and_other_purpose_tokens_are_refused(client, app):
    anna, bruno = make_user("anna"), make_user("bruno")
    token = unsubscribe.make_token(anna, unsubscribe.DIGEST)
    forged = URLSafeTimedSerializer("not-our-secret", salt=unsubscribe.SALT).dumps(
        {"u": bruno.id, "p": unsubscribe.DIGEST, "e": "x"})
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="forum.verify").dumps(
        {"u": bruno.id, "p": unsubscribe.DIGEST, "e": unsubscribe._address_mark(bruno)})
    payload, rest = token.split(".", 1)
    altered = payload[:-1] + ("B" if payload[-1] != "B" else "C") + "." + rest  # another member's id, say
    for bad in ("forged-token", forged, other_salt, token[:-2], altered):
        assert client.get(f"/email/unsubscribe/{bad}").status_code == 400
        assert client.post(f"/email/unsubscribe/{bad}", data=ONE_CLICK).status_code == 400
    assert fresh(bruno).digest is None and fresh(anna).digest is None


def test_an_expired_link_is_refused_with_a_way_forward(client, monkeypatch):
    anna = make_user("anna")
    url = link(anna, unsubscribe.DIGEST)
    monkeypatch.setattr(unsubscribe, "MAX_AGE", -1)
    page = client.get(url)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    assert client.post(url, data=ONE_CLICK).status_code == 400
    assert fresh(anna).digest is None


def test_a_link_stops_working_when_the_address_changes(client):
    anna = make_user("anna")
    url = link(anna, unsubscribe.DIGEST)
    anna.email, anna.email_canonical = "anna@new.example", "anna@new.example"
    db.session.commit()
    assert client.post(url, data=ONE_CLICK).status_code == 400


def test_a_link_changes_its_owners_mail_whoever_is_signed_in(client):
    anna, bruno = make_user("anna"), make_user("bruno")
    client.login("bruno")
    assert client.post(link(anna, unsubscribe.DIGEST), data=ONE_CLICK).status_code == 200
    assert fresh(anna).digest == "never" and fresh(bruno).digest is None


def test_no_link_for_account_mail(client):
    anna = make_user("anna")
    for kind in (ACCOUNT, PRIVATE):
        assert client.get(link(anna, unsubscribe.kind_purpose(kind))).status_code == 400
    assert client.get(link(anna, "kind:no-such-kind")).status_code == 400


# --- the page ---------------------------------------------------------------------------------------------

def test_the_page_explains_and_offers_the_choices(client):
    anna = make_user("anna", email="anna.rossi@example.com")
    page = client.get(link(anna, unsubscribe.kind_purpose(REPLY))).get_data(as_text=True)
    assert "a•••@example.com" in page and "anna.rossi" not in page
    assert 'value="kind"' in page and 'value="all"' in page and 'value="digest"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(("choice", "digest", "check"), [
    ("kind", "daily", lambda u: preferences.delivery_for(u, REPLY) == Delivery.APP and u.digest is None),
    ("all", "weekly", lambda u: preferences.email_paused(u) and u.digest == "never"),
    ("digest", "daily", lambda u: u.digest == "daily" and preferences.delivery_for(u, REPLY) == Delivery.EMAIL_AWAY),
])
def test_the_pages_form_applies_one_choice(client, choice, digest, check):
    anna = make_user("anna")
    url = link(anna, unsubscribe.kind_purpose(REPLY))
    response = client.post_form(url + "/choose", {"choice": choice, "digest": digest})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert check(fresh(anna))
    assert "were saved" in client.get(url).get_data(as_text=True)


def test_the_pages_form_needs_its_csrf_token(client):
    anna = make_user("anna")
    response = client.post(link(anna, unsubscribe.DIGEST) + "/choose", data={"choice": "all", "digest": "never"})
    assert response.status_code == 400
    assert not preferences.email_paused(fresh(anna))


def test_a_summary_link_offers_no_kind_choice(client):
    anna = make_user("anna")
    url = link(anna, unsubscribe.DIGEST)
    assert 'value="kind"' not in client.get(url).get_data(as_text=True)
    assert client.post_form(url + "/choose", {"choice": "kind", "digest": "weekly"}).status_code == 400


def test_a_summary_link_proposes_never_so_saving_stops_the_summary(client):
    """They followed "unsubscribe" from a summary: the page proposes "never" (their current
    frequency is said on it), nothing changes until they save, and saving stops it."""
    anna = make_user("anna", digest="weekly")
    url = link(anna, unsubscribe.DIGEST)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<option selected value="never">', page), page
    assert fresh(anna).digest == "weekly"
    assert re.search(r'value="digest"[^>]*checked|checked[^>]*value="digest"', page)
    assert client.post_form(url + "/choose", {"choice": "digest", "digest": "never"}).status_code == 302
    assert preferences.digest_frequency(fresh(anna)) == "never"


# --- the preferences page -------------------------------------------------------------------------------

def test_the_preferences_page_lists_every_labelled_kind_and_saves_in_one_post(client, app):
    anna = make_user("anna", locale="it")
    client.login("anna")
    page = client.get("/settings/notifications").get_data(as_text=True)
    for kind in (REPLY, WATCHED, BELL_ONLY, PRIVATE):
        assert f'name="kind__{kind.name}"' in page
    assert f'name="kind__{ACCOUNT.name}"' not in page  # no label: not a choice
    bell_only = re.search(rf'<select[^>]*name="kind__{BELL_ONLY.name}".*?</select>', page, re.S)
    assert bell_only and 'value="email"' not in bell_only.group(0)  # no subject: no mail choices
    assert "Notifiche e email" in page  # in her language
    response = client.post_form("/settings/notifications", {
        f"kind__{REPLY.name}": "never", f"kind__{WATCHED.name}": "email", f"kind__{BELL_ONLY.name}": "app",
        f"kind__{PRIVATE.name}": "email_away", "digest": "daily", "auto_watch_created": "y"})
    assert response.status_code == 302
    anna = fresh(anna)
    assert preferences.delivery_for(anna, REPLY) == Delivery.NEVER
    assert preferences.delivery_for(anna, WATCHED) == Delivery.EMAIL
    assert preferences.delivery_for(anna, PRIVATE) == Delivery.EMAIL_AWAY
    assert anna.digest == "daily" and not preferences.email_paused(anna)
    assert preferences.watch_default(anna, preferences.AUTO_WATCH_CREATED)
    assert not preferences.watch_default(anna, preferences.AUTO_TRACK_REPLIED)


def test_a_choice_a_kind_does_not_offer_is_refused(client):
    anna = make_user("anna")
    client.login("anna")
    response = client.post_form("/settings/notifications", {f"kind__{BELL_ONLY.name}": "email", "digest": "weekly"})
    assert response.status_code == 400
    assert fresh(anna).notification_prefs == {}


def test_the_settings_page_links_to_the_preferences(client):
    make_user("anna")
    client.login("anna")
    assert 'href="/settings/notifications"' in client.get("/settings").get_data(as_text=True)
