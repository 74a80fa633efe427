"""Data rights, security review: the last administrator cannot delete their account, a deletion
link serves only its own account, an erasure leaves the member's name neither in others'
notices, nor in file names, nor in its own audit entry; a leaving member's API calls get JSON."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import render_template, render_template_string
from flask_babel import force_locale
from sqlalchemy import func, select

from forum import jobs
from forum.accounts.models import Role, User
from forum.accounts.states import Membership
from forum.audit import AuditLog
from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.messages import services as messages
from forum.notifications.models import Notification
from forum.notifications.rendering import render
from forum.privacy.models import AccountDeletion, DeletionState
from forum.privacy.services import erasure
from forum.settings import set_setting
from forum.uploads import services as uploads
from forum.uploads.models import Upload
from tests.factories import make_established_user as make_long_standing_user
from tests.factories import make_topic, make_user
from tests.uploads import image_samples

PASSWORD = "correct horse battery"


def make_established_user(username: str, **fields: Any) -> User:
    """Long-standing, with no post counter to disagree with the rows (the suite checks counters)."""
    fields.setdefault("post_count", 0)
    return make_long_standing_user(username, **fields)


@pytest.fixture
def messaging() -> None:
    """Members with no posts may write private messages."""
    set_setting("messages_new_member_posts", 0)


def _reload(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.membership != Membership.ERASED)) or 0


# --- the last administrator ---------------------------------------------------------------------

def test_the_last_admin_cannot_ask_for_their_own_deletion(app, client, outbox):
    make_user("boss", role="admin")
    make_user("member")
    with pytest.raises(ValidationFailed):
        erasure.request_deletion(_reload(db.session.scalar(select(User.id).where(User.username == "boss"))),
                                 password=PASSWORD, remove_content=False)
    client.login("boss")
    page = client.post_form("/settings/delete-account", {"password": PASSWORD, "confirm": "y"})
    assert page.status_code == 400 and "last administrator" in page.get_data(as_text=True)
    assert not outbox and db.session.scalar(select(func.count()).select_from(AccountDeletion)) == 0


def test_an_admin_may_leave_while_another_admin_stays(app):
    boss = make_user("boss", role="admin")
    make_user("other-boss", role="admin")
    deletion = erasure.request_deletion(boss, password=PASSWORD, remove_content=False)
    erasure.confirm_deletion(erasure.confirmation_token(deletion))
    assert _reload(boss.id).membership == Membership.LEAVING


def test_the_confirmation_is_refused_once_the_other_admin_is_gone(app):
    boss, other = make_user("boss", role="admin"), make_user("other-boss", role="admin")
    deletion = erasure.request_deletion(boss, password=PASSWORD, remove_content=False)
    other.role = Role.MEMBER
    db.session.commit()
    with pytest.raises(ValidationFailed):
        erasure.confirm_deletion(erasure.confirmation_token(deletion))
    assert _reload(boss.id).membership != Membership.LEAVING


def test_a_due_erasure_of_the_last_admin_waits_and_keeps_the_request(app, caplog):
    boss, other = make_user("boss", role="admin"), make_user("other-boss", role="admin")
    deletion = erasure.request_deletion(boss, password=PASSWORD, remove_content=False)
    erasure.confirm_deletion(erasure.confirmation_token(deletion))
    other.role = Role.MEMBER  # the other administrator stepped down during the grace period
    scheduled = db.session.get(AccountDeletion, deletion.id)
    assert scheduled is not None
    scheduled.erase_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        assert erasure.erase_due() == 0
    assert "last administrator" in caplog.text
    assert _reload(boss.id).membership == Membership.LEAVING and _active_admins() == 1
    assert db.session.get(AccountDeletion, deletion.id).state == DeletionState.SCHEDULED
    _reload(other.id).role = Role.ADMIN  # once another is appointed, the next run erases
    db.session.commit()
    assert erasure.erase_due() == 1
    assert _reload(boss.id).membership == Membership.ERASED


# --- the confirmation link ------------------------------------------------------------------------

def test_the_deletion_link_is_refused_to_another_signed_in_account(app, client, outbox, mail_link):
    alice = make_established_user("alice")
    make_established_user("mallory")
    client.login("alice")
    client.post_form("/settings/delete-account", {"password": PASSWORD, "confirm": "y"})
    link = mail_link(outbox, alice.email, "Confirm the deletion")
    client.post_form("/logout")
    client.login("mallory")
    page = client.get(link)
    assert page.status_code == 403 and "Sign out first" in page.get_data(as_text=True)
    assert client.post_form(link).status_code == 403
    assert _reload(alice.id).membership != Membership.LEAVING
    client.post_form("/logout")
    assert client.post_form(link).status_code == 200  # signed out, the link still works
    assert _reload(alice.id).membership == Membership.LEAVING


def test_the_link_names_its_account(app):
    alice = make_established_user("alice")
    deletion = erasure.request_deletion(alice, password=PASSWORD, remove_content=False)
    data = erasure._serializer().loads(erasure.confirmation_token(deletion))
    assert data["u"] == alice.id
    forged = erasure._serializer().dumps({**data, "u": alice.id + 1})
    with pytest.raises(ValidationFailed):
        erasure.read_confirmation(forged)


# --- what the erasure leaves ----------------------------------------------------------------------

def test_erasure_leaves_no_name_in_others_notifications(app, messaging):
    alice = make_established_user("alice", display_name="Alicia Quokkabottom")
    bob = make_established_user("bob")
    messages.start_conversation(alice, "Plans", "hello bob", to_users=[bob])
    jobs.run_pending()
    notices = list(db.session.scalars(select(Notification).where(Notification.user_id == bob.id)))
    assert notices and any("Quokkabottom" in json.dumps(n.params) for n in notices)
    erasure.erase_account(alice, actor=None, reason=None, remove_content=False)
    db.session.expire_all()
    notices = list(db.session.scalars(select(Notification).where(Notification.user_id == bob.id)))
    assert notices  # bob keeps his notices
    for notice in notices:
        assert "Quokkabottom" not in json.dumps(notice.params or {}) + (notice.message or "")
        assert "Former member" in render(notice)
        with force_locale("it"):
            assert "Ex membro" in render(notice)


def test_erasure_leaves_no_file_names(app, messaging):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    photo = uploads.accept_upload(alice, "Alicia-Quokkabottom-passport.png", image_samples.photo_png()).upload
    messages.start_conversation(alice, "My passport", "Here " + uploads.markdown_for(photo), to_users=[bob])
    erasure.erase_account(alice, actor=None, reason=None, remove_content=False)
    db.session.expire_all()
    names = [(u.original_name, u.url_name) for u in db.session.scalars(select(Upload))]
    assert names and not any("Quokkabottom" in " ".join(n) for n in names), names
    assert db.session.get(Upload, photo.id).original_name.startswith("image.")


def test_a_kept_posts_file_still_opens_at_its_old_url_after_erasure(app, client):
    alice = make_established_user("alice")
    sheet = uploads.accept_upload(alice, "Alicia-Quokkabottom-notes.txt", b"my notes\n").upload
    old_path = uploads.file_path(sheet)
    make_topic(alice, body="My notes: " + uploads.markdown_for(sheet))
    erasure.erase_account(alice, actor=None, reason=None, remove_content=False)
    db.session.expire_all()
    renamed = db.session.get(Upload, sheet.id)
    assert renamed is not None and (renamed.original_name, renamed.url_name) == ("file.txt", "file.txt")
    kept = client.get(old_path)  # the URL in the kept post's cooked text
    assert kept.status_code == 200 and kept.get_data() == b"my notes\n"
    assert "Quokkabottom" not in kept.headers.get("Content-Disposition", "")
    assert client.get(uploads.file_path(renamed)).status_code == 200


def test_the_erasure_audit_entry_keeps_no_name_from_the_reason(app):
    admin = make_user("boss", role="admin")
    alice = make_established_user("alice", display_name="Alicia Quokkabottom", email="alicia.q@example.org")
    erasure.admin_erase(admin, alice, "Alicia Quokkabottom (alicia.q@example.org) asked by phone")
    rows = [(a.action, a.reason, a.before, a.after) for a in db.session.scalars(select(AuditLog))]
    assert any(r[0] == "user.erase" and "asked by phone" in (r[1] or "") for r in rows), rows
    assert not any("Quokkabottom" in repr(r) or "alicia.q@" in repr(r) for r in rows), rows


# --- a leaving member's API calls ---------------------------------------------------------------

def test_a_leaving_members_session_api_call_gets_a_json_403(app, client, outbox, mail_link):
    member = make_established_user("leaving")
    client.login("leaving")
    client.post_form("/settings/delete-account", {"password": PASSWORD, "confirm": "y"})
    assert client.post_form(mail_link(outbox, member.email, "Confirm the deletion")).status_code == 200
    client.login("leaving")  # a sign-in during the grace period
    response: Any = client.get("/api/v1/me")
    assert response.status_code == 403 and response.is_json
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "being deleted" in response.get_json()["error"]["message"]


# --- "Former member" on every page ------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "shown"), [("en", "Former member"), ("it", "Ex membro"), ("fr", "Ancien membre")])
def test_an_erased_member_reads_former_member_in_the_readers_language(app, locale, shown):
    staff = make_user("agent", display_name="Alicia Quokkabottom")
    erasure.erase_account(staff, actor=None, reason=None, remove_content=False)
    erased = _reload(staff.id)
    post = type("Post", (), {"author": erased})()
    with app.test_request_context("/"), force_locale(locale):
        pages = [
            render_template_string("{{ u|member_name }}", u=erased),
            render_template_string('{% from "macros/ui.html" import user_link %}{{ user_link(u) }}', u=erased),
            render_template("staff/_signature.html", post=post, community_name="Circolo"),
        ]
    for page in pages:
        assert shown in page and "Quokkabottom" not in page and "Former member" not in page.replace(shown, ""), page
