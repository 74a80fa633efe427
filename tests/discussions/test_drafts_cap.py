"""Drafts are bounded per member: the autosave limit slows one account down, the cap stops it
from piling up rows (a draft for every topic of the forum) over days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from forum.db_types import utcnow
from forum.discussions.models import Draft
from forum.discussions.services import drafts
from forum.extensions import db
from tests.factories import make_topic, make_user


def _keys(user) -> set[str]:
    return set(db.session.scalars(select(Draft.key).where(Draft.user_id == user.id, Draft.kind == "reply")))


def test_the_51st_draft_evicts_the_least_recently_updated_one(app):
    cap = drafts.MAX_DRAFTS_PER_MEMBER
    assert cap == 50
    writer, neighbour = make_user("prolific"), make_user("neighbour")
    drafts.autosave_draft(neighbour, "reply", 1, {"body": "Someone else's draft"})
    for key in range(1, cap + 1):
        drafts.autosave_draft(writer, "reply", key, {"body": f"Draft {key}"})
    # Oldest first by last update: draft 1 was written first but updated last, so draft 2 goes.
    start = utcnow() - timedelta(days=1)
    for key in range(1, cap + 1):
        db.session.execute(update(Draft).where(Draft.user_id == writer.id, Draft.key == str(key))
                           .values(updated_at=start + timedelta(minutes=key)))
    db.session.commit()
    drafts.autosave_draft(writer, "reply", 1, {"body": "Draft 1, touched again"})  # an update: nothing goes
    assert len(_keys(writer)) == cap
    drafts.autosave_draft(writer, "reply", cap + 1, {"body": "One more"})
    assert _keys(writer) == {str(k) for k in range(1, cap + 2)} - {"2"}
    # A draft kept while the member unblocks themselves counts too, and evicts the same way.
    drafts.save_draft(writer, "topic", None, {"kind": "topic", "key": None, "body": "Kept for later"})
    assert db.session.scalar(select(func.count()).select_from(Draft).where(Draft.user_id == writer.id)) == cap
    assert "3" not in _keys(writer)
    # Another member's drafts are theirs alone.
    assert _keys(neighbour) == {"1"}


def test_the_cap_holds_through_the_composer(client):
    topic = make_topic(make_user(), title="One more topic to answer")
    writer = make_user("writer")
    client.login("writer")
    db.session.add_all([Draft(user_id=writer.id, kind="reply", key=str(100000 + i), data={"body": "old"},
                              updated_at=utcnow() - timedelta(days=1, minutes=i))
                        for i in range(drafts.MAX_DRAFTS_PER_MEMBER)])
    db.session.commit()
    assert client.post_form(f"/drafts/reply/{topic.id}", {"body": "The newest draft"}).status_code == 200
    keys = _keys(writer)
    assert len(keys) == drafts.MAX_DRAFTS_PER_MEMBER and str(topic.id) in keys
    assert str(100000 + drafts.MAX_DRAFTS_PER_MEMBER - 1) not in keys  # the least recently updated
