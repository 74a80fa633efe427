"""Registration bans (email domain, CIDR), member applications, ignoring members."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from forum import jobs
from forum.accounts.ignores import ignored_user_ids
from forum.accounts.models import User
from forum.accounts.permissions import posting_block_reason
from forum.accounts.services import current_coc_version
from forum.discussions import services as discussions
from forum.extensions import db
from forum.moderation import services
from forum.moderation.models import RegistrationBan, ReviewItem, ReviewKind
from forum.settings import set_setting
from tests.factories import make_reply, make_topic, make_user
from tests.moderation.helpers import audit_actions


def register(client: Any, username: str = "giulia", email: str = "giulia@example.org", ip: str = "127.0.0.1",
             **extra: Any) -> Any:
    data = {"username": username, "display_name": username.title(), "email": email,
            "password": "a-much-Longer-pass-phrase-9", "coc_version": str(current_coc_version()),
            "accept_coc": "y", **extra}
    return client.post_form("/register", data, environ_base={"REMOTE_ADDR": ip})


def new_user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


# --- bans ------------------------------------------------------------------------------------------

def test_email_domain_ban_covers_subdomains(app, client, mod):
    services.add_ban(mod, "email_domain", "@Spam-Mail.example", "known spam source")
    assert db.session.scalar(select(RegistrationBan.value)) == "spam-mail.example"
    response = register(client, email="bot@spam-mail.example")
    assert "not accepted" in response.get_data(as_text=True) and new_user("giulia") is None
    register(client, email="bot@eu.spam-mail.example")
    assert new_user("giulia") is None
    register(client, email="giulia@notspam-mail.example")  # a different domain that merely ends alike
    assert new_user("giulia") is not None
    assert audit_actions("ban") == ["ban.add"]


def test_ip_range_ban(app, client, mod):
    services.add_ban(mod, "ip_range", "203.0.113.0/24")
    services.add_ban(mod, "ip_range", "2001:db8::/32")
    register(client, ip="203.0.113.77")
    register(client, username="ipv6", email="v6@example.org", ip="2001:db8::1")
    assert new_user("giulia") is None and new_user("ipv6") is None
    register(client, ip="203.0.114.1")
    assert new_user("giulia") is not None


def test_bans_are_validated_and_lifted_not_deleted(app, client, mod, refused):
    with refused():
        services.add_ban(mod, "ip_range", "300.1.2.0/24")
    with refused():
        services.add_ban(mod, "email_domain", "not a domain")
    ban = services.add_ban(mod, "email_domain", "example.net")
    with refused():
        services.add_ban(mod, "email_domain", "example.net")
    client.login("mona")
    assert "example.net" in client.get("/moderation/bans").get_data(as_text=True)
    client.post_form(f"/moderation/bans/{ban.id}/lift")
    db.session.expire_all()
    assert ban.lifted_at is not None and db.session.scalar(select(func.count()).select_from(RegistrationBan)) == 1
    assert services.registration_ban("x@example.net", None) is None
    assert audit_actions("ban") == ["ban.add", "ban.lift"]


def test_ban_form_over_http(app, client, mod):
    client.login("mona")
    response = client.post_form("/moderation/bans", {"kind": "ip_range", "value": "198.51.100.0/24"})
    assert response.status_code == 302
    assert services.registration_ban("a@b.example", "198.51.100.9") is not None


# --- member applications --------------------------------------------------------------------------------

def test_approve_members_mode_holds_registrations_with_answers(app, client, mod, outbox):
    set_setting("approve_members", True)
    set_setting("application_questions", ["Which product do you own?", "How did you find us?"])
    db.session.commit()
    page = client.get("/register").get_data(as_text=True)
    assert "Which product do you own?" in page and 'name="answer_1"' in page
    register(client, answer_0="The X200 blender", answer_1="A friend")
    user = new_user("giulia")
    assert user is not None and user.approved_at is None
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == ReviewKind.MEMBER))
    assert item.user_id == user.id
    assert item.data["answers"] == [["Which product do you own?", "The X200 blender"],
                                    ["How did you find us?", "A friend"]]
    user.email_verified_at = user.created_at
    db.session.commit()
    assert posting_block_reason(user) == "unapproved"

    client.login("mona")
    html = client.get("/review?kind=member").get_data(as_text=True)
    assert "The X200 blender" in html and "giulia@example.org" in html
    client.post_form(f"/review/{item.id}/approve")
    db.session.expire_all()
    assert user.approved_at is not None and item.resolution == "approved"
    assert posting_block_reason(user) is None
    assert audit_actions("user", user.id) == ["user.approve"]
    assert any("approved" in m.subject for m in outbox)


def test_rejecting_an_application_keeps_the_account_unapproved(app, mod, outbox):
    set_setting("approve_members", True)
    db.session.commit()
    user = make_user("applicant")
    user.approved_at = None
    item = services.queue_application(user, {"Why?": "Because"})
    db.session.commit()
    services.reject_item(mod, item, "", "We only admit customers.")
    jobs.run_pending()  # the notice's mail is a job queued with it
    db.session.expire_all()
    assert user.approved_at is None and item.resolution == "rejected"
    assert db.session.get(User, user.id) is not None
    assert any("application" in m.subject for m in outbox)
    assert audit_actions("user", user.id) == ["user.reject"]


# --- ignoring ------------------------------------------------------------------------------------

def test_ignored_members_posts_collapse_without_extra_queries(app, client, member, category, count_queries):
    troll = make_user("troll")
    topic = make_topic(make_user("host"), category)
    make_reply(topic, troll, "Annoying reply number one.")
    make_reply(topic, make_user("nice"), "A useful reply.")
    client.login("mario")
    url = f"/t/{topic.slug}/{topic.id}"
    assert "ignored-marker" not in client.get(url).get_data(as_text=True)
    assert client.post_form("/u/troll/ignore").status_code == 302
    with count_queries() as few:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="ignored-marker') == 1
    assert "Annoying reply number one." in html  # collapsed by CSS, one tick away
    for i in range(10):
        make_reply(topic, troll, f"Annoying reply {i + 2}.")
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="ignored-marker') == 11
    assert many.count == few.count
    client.post_form("/u/troll/unignore")
    assert "ignored-marker" not in client.get(url).get_data(as_text=True)


def test_staff_cannot_be_ignored(app, client, member, mod):
    client.login("mario")
    assert client.post_form("/u/mona/ignore").status_code == 403
    assert ignored_user_ids(member) == set()


def test_pending_posts_of_held_registrations_block_posting(app, member, category, refused):
    # A registration held by a filter (not by the community setting) still cannot post.
    member.approved_at = None
    services.queue_application(member, {})
    db.session.commit()
    with refused(discussions.PostingBlocked):
        discussions.create_topic(member, category, "A title long enough", "Some body text")
    assert member.topic_count == 0
