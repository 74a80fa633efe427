"""Ids that are keys are never handed out twice: on SQLite, deleting the newest row used to
give its id to the next one (ROWID reuse), and taking back a like deletes the newest rows of
two tables (the reaction, and the author's notice when nothing is left in it).

Found by the browser story of issue 12 (tests/e2e/test_engagement_loop_browser.py): a like
given after an undo reused the undone like's id, inside the window the author had already
read, and was never told; a notice that reused a deleted notice's id lost its mail (the
mail job's dedupe key is the notice's id). PostgreSQL's sequences never reused ids."""

from __future__ import annotations

from sqlalchemy import select, update

from forum import jobs
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import reactions
from forum.discussions.models import Post, PostReaction
from forum.extensions import db
from forum.notifications.models import Notification
from forum.notifications.services import notify
from tests.factories import make_category, make_reply, make_topic, make_user


def member(name: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(select(User).where(User.username == name))
    return found or make_user(name, display_name=name.title())


def set_reaction(app, name: str, post: Post, *, undo: bool = False) -> None:
    with app.test_request_context():
        fresh = db.session.get(Post, post.id)
        assert fresh is not None
        if undo:
            reactions.unreact(member(name), fresh)
        else:
            reactions.react(member(name), fresh, reactions.LIKE)
        jobs.run_pending()


def liked_notices(name: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == member(name).id, Notification.kind == reactions.NOTICE_KIND).order_by(Notification.id)))


def giulias_reply() -> Post:
    topic = make_topic(member("anna"), make_category("Coffee", slug="coffee"), title="Grinding for espresso")
    post = make_reply(topic, member("giulia"), "Finer than you think.")
    jobs.run_pending()  # the reply's own notices first: the like's notice is the newest row
    return post


def test_a_like_after_an_undo_is_told_once_the_first_notice_was_read(app):
    post = giulias_reply()
    set_reaction(app, "anna", post)
    [first] = liked_notices("giulia")
    db.session.execute(update(Notification).where(Notification.id == first.id).values(read_at=utcnow()))
    db.session.commit()
    undone = db.session.scalar(select(PostReaction.id).where(PostReaction.post_id == post.id))
    set_reaction(app, "anna", post, undo=True)
    set_reaction(app, "bruno", post)
    given = db.session.scalar(select(PostReaction.id).where(PostReaction.post_id == post.id))
    assert undone is not None and given is not None and given > undone
    old, new = liked_notices("giulia")
    assert old.id == first.id and new.params is not None and new.params["names"] == ["Bruno"]
    assert new.read_at is None


def test_a_notice_after_a_deleted_one_still_gets_its_mail(app, outbox):
    post = giulias_reply()
    giulia = member("giulia")
    giulia.notification_prefs = {reactions.NOTICE_KIND: "email", "mentioned": "email"}
    db.session.commit()
    set_reaction(app, "anna", post)
    [liked] = liked_notices("giulia")
    set_reaction(app, "anna", post, undo=True)  # unread and about nothing: the notice is deleted
    assert liked_notices("giulia") == []
    with app.test_request_context():
        assert notify(member("giulia"), "mentioned", {"actor": "Bruno", "title": "Grinding for espresso"},
                      url=f"/t/{post.topic.slug}/{post.topic_id}/{post.post_number}")
        db.session.commit()
        jobs.run_pending()
    mention = db.session.scalar(select(Notification).where(Notification.kind == "mentioned"))
    assert mention is not None and mention.id > liked.id
    assert [m.subject for m in outbox if m.to == "giulia@example.com"] == [
        "Anna liked your post in “Grinding for espresso”", "Bruno mentioned you in “Grinding for espresso”"]
