"""Email verification: signed, expiring, single-use links; unverified members read but do not post."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.discussions.models import Post, Topic
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH, is_logged_in, mail_link, old_token, register, text, user
from tests.factories import make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def test_the_link_from_the_mail_works_once(client, outbox):
    register(client)
    link = mail_link(outbox, "/verify/")
    first = client.get(link)
    assert first.status_code == 302 and first.headers["Location"] == "/login"
    assert user("giulia").is_verified
    assert "your email address is confirmed" in text(client.get("/login"))
    second = client.get(link)
    assert second.status_code == 400
    assert "already used" in text(second)


def test_a_signed_in_member_goes_home_after_confirming(client, outbox):
    register(client)
    client.login("giulia", "violet tram under snow")
    response = client.get(mail_link(outbox, "/verify/"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "You can post now" in text(client.get("/"))


def test_an_expired_link_is_refused(client, app):
    member = make_user("late", verified=False)
    token = old_token(member, "verify", app.config["EMAIL_VERIFY_MAX_AGE"] + 60)
    response = client.get(f"/verify/{token}")
    assert response.status_code == 400
    assert "expired" in text(response)
    assert not user("late").is_verified


def test_a_link_just_inside_its_lifetime_still_works(client, app):
    member = make_user("intime", verified=False)
    token = old_token(member, "verify", app.config["EMAIL_VERIFY_MAX_AGE"] - 60)
    assert client.get(f"/verify/{token}").status_code == 302
    assert user("intime").is_verified


def test_a_tampered_link_is_refused(client, outbox):
    register(client)
    link = mail_link(outbox, "/verify/")
    head, token = link.rsplit("/", 1)
    payload, _sep, rest = token.partition(".")
    # Change the payload (the user id inside) but keep the signature: the signature no longer matches.
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest
    for bad in (forged, token[:-2], "garbage", token + "x"):
        response = client.get(f"{head}/{bad}")
        assert response.status_code == 400
        assert "not valid" in text(response)
    assert not user("giulia").is_verified


def test_a_reset_token_cannot_verify_an_email(client, app):
    member = make_user("mixed", verified=False)
    from forum.accounts.services import make_token

    response = client.get(f"/verify/{make_token(member, 'reset')}")
    assert response.status_code == 400
    assert not user("mixed").is_verified


def test_unverified_members_read_but_cannot_post(client, app):
    topic = make_topic(title="A topic to read")
    make_user("newbie", verified=False)
    client.login("newbie")
    assert client.get("/").status_code == 200
    page = client.get(f"/t/{topic.slug}/{topic.id}")
    assert page.status_code == 200 and "A topic to read" in text(page)
    assert "Please confirm your email address to start posting." in text(page)  # the banner

    topics_before = db.session.scalar(select(func.count()).select_from(Topic))
    posts_before = db.session.scalar(select(func.count()).select_from(Post))
    new_topic = client.post_form("/new-topic", {"category": topic.category_id, "title": "My first topic here",
                                                "body": "Hello, this is me."}, follow_redirects=True)
    assert "Please confirm your email address before posting" in text(new_topic)
    reply = client.post_form(f"/t/{topic.id}/reply", {"body": "A reply that must not be saved."},
                             follow_redirects=True)
    assert "Please confirm your email address before posting" in text(reply)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Topic)) == topics_before
    assert db.session.scalar(select(func.count()).select_from(Post)) == posts_before


def test_resend_mails_a_working_link(client, outbox):
    make_user("slow", verified=False)
    client.login("slow")
    response = client.post_form("/verify/resend", {"next": "/latest"})
    assert response.status_code == 302 and response.headers["Location"] == "/latest"
    assert [m.to for m in outbox] == ["slow@example.com"]
    assert "We sent you a new confirmation link" in text(client.get("/latest"))
    client.get(mail_link(outbox, "/verify/"))
    assert user("slow").is_verified
    assert is_logged_in(client)


def test_resend_for_a_verified_member_sends_nothing(client, outbox):
    make_user("done")
    client.login("done")
    client.post_form("/verify/resend", {"next": "/"})
    assert outbox == []
    assert "already confirmed" in text(client.get("/"))


def test_resend_needs_a_login(client, outbox):
    response = client.post_form("/verify/resend")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert outbox == []


def test_resend_never_redirects_off_site(client):
    make_user("slow", verified=False)
    client.login("slow")
    response = client.post_form("/verify/resend", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_an_applicant_confirming_the_address_is_told_the_application_waits(client, outbox):
    from forum.settings import set_setting

    set_setting("approve_members", True)
    db.session.commit()
    register(client)
    client.login("giulia", "violet tram under snow")
    response = client.get(mail_link(outbox, "/verify/"))
    assert response.status_code == 302
    page = text(client.get("/"))
    assert "your email address is confirmed" in page
    assert "waiting for approval by the moderators" in page
    assert "You can post now" not in page


def test_an_applicant_confirming_while_signed_out_is_told_the_application_waits(client, outbox):
    from forum.settings import set_setting

    set_setting("approve_members", True)
    db.session.commit()
    register(client)
    response = client.get(mail_link(outbox, "/verify/"))
    page = text(client.get(response.headers["Location"]))
    assert "waiting for approval by the moderators" in page
    assert "Log in to start posting" not in page
