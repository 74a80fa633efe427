"""Deleting an account: the password, the mailed confirmation, the grace period (deactivated,
a sign-in offers to cancel), the erasure (personal data gone from every table, posts kept as a
former member's or withdrawn, counters right), administrators anonymising a member, the audit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.accounts.models import AuthSession, CodeOfConductAcceptance, Role, User
from forum.accounts.states import Membership
from forum.api import keys as api_keys
from forum.api.models import ApiKey
from forum.audit import AuditLog, record_action
from forum.db_types import utcnow
from forum.discussions import reactions
from forum.discussions.models import Bookmark, Draft, Post, PostState
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.moderation.models import ReviewItem, ReviewKind
from forum.notifications.models import Notification
from forum.privacy import services
from forum.privacy.models import AccountDeletion, DeletionState
from forum.settings import set_setting
from forum.sso.models import ExternalIdentity
from forum.staff import services as staff
from forum.staff.models import StaffMembership
from tests.conftest import CSRF_RE
from tests.factories import make_reply, make_topic, make_user, opening_post


def _reload(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _ask_and_confirm(client: Any, outbox: list[Any], mail_link: Any, user: User, **form: Any) -> str:
    assert client.login(user.username).status_code == 302
    response = client.post_form("/settings/delete-account", {"password": "correct horse battery", "confirm": "y",
                                                             **form})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    link = mail_link(outbox, user.email, "Confirm the deletion")
    page = client.get(link)
    assert page.status_code == 200 and "Confirm the deletion" in page.get_data(as_text=True)
    confirmed = client.post_form(link)
    assert confirmed.status_code == 200 and "closed" in confirmed.get_data(as_text=True)
    return link


def _member_with_everything(name: str = "leaving") -> tuple[User, Any]:
    member = make_user(name, display_name="Lucia Bianchi", email=f"{name}@example.org")
    topic = make_topic(member, title="Il mio primo argomento")
    other = make_user(f"{name}-friend")
    reply = make_reply(topic, other, "Benvenuta!")
    make_reply(topic, member, "Grazie a tutti")
    reactions.react(member, reply, "heart")
    reactions.react(other, opening_post(topic), "heart")
    db.session.add(Bookmark(user_id=member.id, post_id=reply.id, note="x"))
    db.session.add(Draft(user_id=member.id, kind="reply", key=str(topic.id), data={"body": "draft"}))
    db.session.add(ExternalIdentity(user_id=member.id, provider="brand", subject="sub-123", email=member.email))
    db.session.add(ReviewItem(kind=ReviewKind.MEMBER, reason_code="approval", user_id=member.id, status="resolved",
                              data={"answers": {"Why?": "Lucia Bianchi, barista in Torino"}}))
    api_keys.create_user_key(member, "my script", ["read"])
    db.session.execute(Post.__table__.update().where(Post.user_id == member.id).values(ip_address="203.0.113.9"))
    record_action(member, "user.update_profile", "user", member.id, before={"display_name": "Lucia"},
                  after={"display_name": "Lucia Bianchi", "email": member.email})
    db.session.commit()
    return member, topic


def _personal_data_gone(member_id: int, email: str) -> None:
    user = _reload(member_id)
    assert user.membership == Membership.ERASED
    assert user.username.startswith("former-member-") and user.display_name == "Former member"
    assert user.email.endswith("@erased.invalid") and user.email != email
    assert user.avatar_token is None and user.bio == "" and user.locale is None
    assert user.password_hash.count("$") < 2  # unusable
    assert db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == member_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)
                             .where(ExternalIdentity.user_id == member_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiKey)
                             .where(ApiKey.user_id == member_id, ApiKey.revoked_at.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Draft).where(Draft.user_id == member_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Bookmark).where(Bookmark.user_id == member_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(CodeOfConductAcceptance)
                             .where(CodeOfConductAcceptance.user_id == member_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == member_id)) == 0
    assert not any(db.session.scalars(select(Post.ip_address).where(Post.user_id == member_id)))
    assert not any(db.session.scalars(select(ReviewItem.data).where(ReviewItem.user_id == member_id)))
    # Nothing personal left in the audit log: not in the entries by or about the member either.
    dump = json.dumps([[e.before, e.after, e.reason, e.ip_address] for e in db.session.scalars(select(AuditLog))])
    for value in (email, "Lucia Bianchi", "leaving@"):
        assert value not in dump


def test_the_whole_way_keeps_posts_as_a_former_members(app, client, outbox, mail_link, counters_ok):
    member, topic = _member_with_everything()
    email = member.email
    _ask_and_confirm(client, outbox, mail_link, member)
    # Deactivated at once: signed out everywhere, the account's state says so.
    assert "/login" in client.get("/settings").headers["Location"]
    user = _reload(member.id)
    assert user.membership == Membership.LEAVING
    assert db.session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.user_id == member.id, AuthSession.revoked_at.is_(None))) == 0
    deletion = db.session.scalar(select(AccountDeletion).where(AccountDeletion.user_id == member.id))
    assert deletion is not None and deletion.state == DeletionState.SCHEDULED
    assert deletion.erase_after is not None and deletion.erase_after > utcnow() + timedelta(days=13)
    assert services.erase_due() == 0  # not before the grace period is over
    deletion.erase_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert services.erase_due() == 1
    _personal_data_gone(member.id, email)
    posts = list(db.session.scalars(select(Post).where(Post.user_id == member.id)))
    assert len(posts) == 2 and all(p.state == PostState.PUBLISHED for p in posts)
    counters_ok()
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Former member" in page and "Lucia" not in page
    assert f"/u/{_reload(member.id).username}" not in page  # no profile link
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.erase"))
    assert entry is not None and entry.target_id == member.id and entry.actor_id is None
    assert _reload(member.id).membership == Membership.ERASED
    assert client.login(_reload(member.id).username).status_code != 302  # nobody signs in again
    assert client.login(email).status_code != 302


def test_with_remove_the_posts_are_withdrawn_and_counters_stay_right(app, client, outbox, mail_link, counters_ok):
    set_setting("privacy_deleted_content", "remove")
    db.session.commit()
    member, topic = _member_with_everything("remover")
    others_reply = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.user_id != member.id))
    assert others_reply is not None
    _ask_and_confirm(client, outbox, mail_link, member)
    db.session.execute(AccountDeletion.__table__.update().values(erase_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert services.erase_due() == 1
    posts = list(db.session.scalars(select(Post).where(Post.user_id == member.id)))
    assert posts and all(p.state == PostState.DELETED for p in posts)  # hidden, never hard-deleted
    assert all(p.raw for p in posts)
    assert _reload(member.id).post_count == 0 and _reload(member.id).topic_count == 0
    counters_ok()


def test_the_member_chooses_when_the_admin_lets_them(app, client, outbox, mail_link):
    member = make_user("chooser")
    with app.test_request_context("/"):
        assert not services.request_deletion(member, password="correct horse battery",
                                             remove_content=True).remove_content  # default: anonymise
        set_setting("privacy_deleted_content", "member")
        db.session.commit()
        assert services.request_deletion(member, password="correct horse battery", remove_content=True).remove_content
        assert not services.request_deletion(member, password="correct horse battery",
                                             remove_content=False).remove_content


def test_a_sign_in_during_the_grace_period_offers_to_cancel(app, client, outbox, mail_link):
    member = make_user("second-thoughts")
    topic = make_topic(make_user())
    _ask_and_confirm(client, outbox, mail_link, member)
    assert client.login("second-thoughts").status_code == 302
    response = client.get("/latest")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings/delete-account/scheduled")
    page = client.get("/settings/delete-account/scheduled")
    assert page.status_code == 200 and "Cancel the deletion" in page.get_data(as_text=True)
    token = CSRF_RE.search(page.get_data(as_text=True))
    assert token
    # Cannot post: every page leads to the cancel page, and nothing is written.
    before = db.session.scalar(select(func.count()).select_from(Post))
    refused = client.post(f"/t/{topic.slug}/{topic.id}/reply", data={"body": "Still here!", "csrf_token": token[1]})
    assert refused.status_code == 302 and "/settings/delete-account/scheduled" in refused.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Post)) == before
    assert client.post("/settings/delete-account/cancel", data={"csrf_token": token[1]}).status_code == 302
    user = _reload(member.id)
    assert user.membership == Membership.OPEN
    assert client.get("/latest").status_code == 200
    assert services.erase_due() == 0
    assert db.session.scalar(select(AccountDeletion.state).where(AccountDeletion.user_id == member.id)) == "cancelled"


def test_a_wrong_password_mails_nothing(app, client, outbox):
    make_user("careful")
    client.login("careful")
    response = client.post_form("/settings/delete-account", {"password": "guess", "confirm": "y"})
    assert response.status_code == 400 and "not your current password" in response.get_data(as_text=True)
    assert not [m for m in outbox if "deletion" in m.subject]
    assert db.session.scalar(select(AccountDeletion.id)) is None


def test_tampered_reused_or_replaced_links_are_refused(app, client, outbox, mail_link):
    member = make_user("tamper")
    client.login("tamper")
    client.post_form("/settings/delete-account", {"password": "correct horse battery", "confirm": "y"})
    first = mail_link(outbox, member.email, "Confirm the deletion")
    token = first.rsplit("/", 1)[1]
    forged = first.replace(token, token[:-4] + "abcd")
    assert client.get(forged).status_code == 400
    assert client.post_form(forged).status_code == 400
    client.post_form("/settings/delete-account", {"password": "correct horse battery", "confirm": "y"})
    second = mail_link(outbox, member.email, "Confirm the deletion")
    assert second != first
    assert client.post_form(first).status_code == 400  # the newer request replaced it
    assert _reload(member.id).membership == Membership.OPEN
    assert client.post_form(second).status_code == 200
    assert client.post_form(second).status_code == 400  # used
    assert _reload(member.id).membership == Membership.LEAVING


def test_an_admin_anonymises_a_member_at_once(app, client, counters_ok):
    make_user("boss", role="admin")
    member, _topic = _member_with_everything("target")
    staff.add_member_by_group_name(member, "Customer Care", create=True)
    db.session.commit()
    assert _reload(member.id).is_staff_member
    email = member.email
    client.login("boss")
    response = client.post_form(f"/admin/members/{member.username}/anonymise", {"reason": "Asked by letter"})
    assert response.status_code == 302
    _personal_data_gone(member.id, email)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.erase"))
    assert entry is not None and entry.reason == "Asked by letter" and entry.target_id == member.id
    assert not _reload(member.id).is_staff_member
    assert db.session.scalar(select(StaffMembership.id).where(StaffMembership.user_id == member.id)) is None
    assert db.session.scalar(select(AccountDeletion.state).where(AccountDeletion.user_id == member.id)) == "erased"
    profile = client.get(f"/u/{_reload(member.id).username}").get_data(as_text=True)
    assert "Former member" in profile and "Lucia" not in profile
    counters_ok()


def test_admin_anonymise_refusals(app, client):
    boss = make_user("boss", role="admin")
    member = make_user("plain")
    with app.test_request_context("/"):
        with pytest.raises(ValidationFailed, match="own account"):
            services.admin_erase(boss, boss, "tidy")
        with pytest.raises(ValidationFailed):
            services.admin_erase(boss, member, "  ")
    client.login("plain")
    assert client.post_form(f"/admin/members/{boss.username}/anonymise", {"reason": "x"}).status_code == 403
    assert _reload(boss.id).membership == Membership.OPEN
    client.post_form("/logout")
    client.login("boss")
    client.post_form(f"/admin/members/{boss.username}/anonymise", {"reason": "x"})
    assert _reload(boss.id).role == Role.ADMIN and _reload(boss.id).membership == Membership.OPEN


def test_an_sso_only_member_confirms_without_a_password(app, client, outbox, mail_link):
    from forum.accounts.external import unusable_password

    member = make_user("sso-only")
    client.login("sso-only")
    member.password_hash = unusable_password()
    db.session.commit()
    page = client.get("/settings/delete-account").get_data(as_text=True)
    assert 'name="password"' not in page
    response = client.post_form("/settings/delete-account", {"confirm": "y"})
    assert response.status_code == 200
    assert mail_link(outbox, member.email, "Confirm the deletion")
