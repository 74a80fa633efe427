"""Staff give an idea a status with a public note, and fold duplicates into one idea.

Both write in one transaction: the idea's row (locked as :mod:`.votes` orders it), its history,
the audit entry, and the notices' job (the fan-out runs after the commit, never in the request).
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from forum import markup
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions.models import Topic
from forum.discussions.services import topic_tools
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.text import one_line

from . import permissions, votes
from .boards import is_board
from .models import Idea, IdeaStatusChange, IdeaVote
from .notices import queue_status_notices
from .statuses import MERGED, STATUSES

MAX_NOTE = 5000
_NO_SYNC = {"synchronize_session": False}


def _clean_note(raw: str | None) -> str:
    note = (raw or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed({"note": _("Keep the note under %(max)d characters.", max=MAX_NOTE)})
    return note


def _record_change(actor: Any, idea: Idea, status: str, note_raw: str) -> IdeaStatusChange:
    previous = idea.status
    cooked = markup.cook(note_raw).html if note_raw else ""
    now = utcnow()
    idea.status, idea.status_note, idea.status_note_raw, idea.status_changed_at = status, cooked, note_raw, now
    change = IdeaStatusChange(topic_id=idea.topic_id, status=status, previous=previous, note_raw=note_raw,
                              note=cooked, changed_by_id=actor.id, created_at=now)
    db.session.add(change)
    db.session.flush()
    return change


def set_status(actor: Any, topic: Topic, status: str, note: str | None = "") -> IdeaStatusChange:
    """Give the idea ``status`` (one of :data:`STATUSES`) with a public note (Markdown); every
    voter and watcher is told (a job). Changing only the note is a change too (it is news)."""
    if not is_board(topic.category_id):
        raise NotFound()
    if not permissions.can_set_status(actor, topic):
        raise PermissionDenied()
    if status not in STATUSES:
        raise ValidationFailed({"status": _("Choose a status.")})
    note_raw = _clean_note(note)
    try:
        votes.lock_topics(topic.id)
        idea = votes.idea_for_update(topic)
        if idea.status == MERGED:
            raise ValidationFailed(_("This idea was merged into another one."))
        if idea.status == status and idea.status_note_raw == note_raw:
            raise ValidationFailed(_("Nothing to change."))
        previous = idea.status
        change = _record_change(actor, idea, status, note_raw)
        record_action(actor, "idea.status", "topic", topic.id, before={"status": previous or None},
                      after={"status": status}, reason=one_line(note_raw)[:300] or None)
        queue_status_notices(change)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return change


def merge_ideas(actor: Any, duplicate: Topic, target: Topic, note: str | None = "") -> int:
    """Fold ``duplicate`` into ``target``: its votes move to the target, a member who voted for
    both keeps one vote (the other is given back), and the duplicate is locked with a public
    note linking the target (discussions' lock tool; nothing is deleted). Returns the votes moved."""
    if not (is_board(duplicate.category_id) and is_board(target.category_id)):
        raise NotFound()
    if duplicate.id == target.id:
        raise ValidationFailed({"target": _("Choose another idea.")})
    if not permissions.can_merge(actor, duplicate, target):
        raise PermissionDenied()
    if not permissions.merge_keeps_readers(duplicate, target):
        # the duplicate's public note names and links the target: its readers must read it too
        raise ValidationFailed({"target": _("Fewer people can read that idea than this one: its title would show "
                                            "in this idea's note. Choose an idea in a board at least as open.")})
    note_raw = _clean_note(note)
    try:
        votes.lock_topics(duplicate.id, target.id)
        first, second = sorted((duplicate, target), key=lambda t: t.id)
        ideas = {t.id: votes.idea_for_update(t) for t in (first, second)}
        source, into = ideas[duplicate.id], ideas[target.id]
        if MERGED in (source.status, into.status):
            raise ValidationFailed({"target": _("This idea was merged into another one.")})
        former_voters = list(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.topic_id == duplicate.id)
                                                .order_by(IdeaVote.user_id)))
        both = select(IdeaVote.user_id).where(IdeaVote.topic_id == target.id).scalar_subquery()
        # Who voted for both keeps the target's vote; whose second vote was given back is named in
        # the audit entry (nothing lost: a merge undone by hand knows whose votes to restore).
        given_back = list(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.topic_id == duplicate.id,
                                                                             IdeaVote.user_id.in_(both))
                                             .order_by(IdeaVote.user_id)))
        twice = db.session.execute(delete(IdeaVote).where(IdeaVote.topic_id == duplicate.id,
                                                          IdeaVote.user_id.in_(both)), execution_options=_NO_SYNC)
        moved = db.session.execute(update(IdeaVote).where(IdeaVote.topic_id == duplicate.id)
                                   .values(topic_id=target.id, category_id=target.category_id),
                                   execution_options=_NO_SYNC)
        moved_count, twice_count = int(getattr(moved, "rowcount", 0)), int(getattr(twice, "rowcount", 0))
        votes.bump(target.id, moved_count)
        votes.bump(duplicate.id, -(moved_count + twice_count))
        link = url_for("discussions.topic", slug=target.slug, topic_id=target.id)
        text = _("Merged into [%(title)s](%(url)s).", title=markup_escape(target.title), url=link)
        change = _record_change(actor, source, MERGED, text + ("\n\n" + note_raw if note_raw else ""))
        queue_status_notices(change, former_voters)  # its voters and watchers hear where their votes went
        source.merged_into_id = target.id
        record_action(actor, "idea.merge", "topic", duplicate.id,
                      before={"votes": moved_count + twice_count},
                      after={"topic_id": target.id, "votes": moved_count, "given_back": given_back},
                      reason=one_line(note_raw) or None)
        if not duplicate.is_locked:
            topic_tools.lock_topic(actor, duplicate, True, _("Merged into another idea."))  # commits the whole write
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return moved_count


def markup_escape(text: str) -> str:
    """A title inside a Markdown link's text: brackets and backslashes would end it early."""
    return "".join("\\" + c if c in "\\[]*_`<>" else c for c in text)


def history(topic_id: int) -> list[IdeaStatusChange]:
    return list(db.session.scalars(select(IdeaStatusChange).where(IdeaStatusChange.topic_id == topic_id)
                                   .order_by(IdeaStatusChange.id.desc()).limit(50)))


def vote_total(topic_id: int) -> int:
    """The idea's votes counted from the rows (what ``vote_count`` must equal: tests, repairs)."""
    return int(db.session.scalar(select(func.count()).select_from(IdeaVote).where(IdeaVote.topic_id == topic_id)) or 0)
