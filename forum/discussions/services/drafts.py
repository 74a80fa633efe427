"""Drafts kept on the server: one per member per place (a topic's reply box, the new-topic
form, a post being edited).

Two writers keep them: the composer's autosave (:func:`autosave_draft`, every few seconds
while the member types, so the text survives a closed tab, a browser restart or a move to
another device) and the posting views when a member must unblock themselves first
(:func:`save_draft`, e.g. new rules to accept).

Reading a draft never removes it: a GET must not change state (an image in a post pointing at
``/new-topic`` would otherwise wipe the draft of everyone who views it). A draft goes away when
the post it belongs to is saved, or when its author discards it (a POST).

Autosaves arrive out of order: a beacon sent as the tab goes to the background overtakes the
fetch still on its way, a slow save lands after the reply was sent, a second tab writes too.
The composer sends the time its page was rendered (:func:`page_stamp`, the server's clock,
rendered into the form) and a sequence number that grows with each save from that page; a
draft keeps the newest ``(page, seq)`` it was written with and an older save is refused
(:class:`DraftOutdated`), in the same statement that would write it, so two workers racing
cannot undo each other. An emptied composer keeps its row, empty, for the same reason (a late
save of the text just deleted must not bring it back); readers see no draft. And a save from a
page rendered before the member's last post in that topic (or last new topic, for the
new-topic form) is refused: the post already took that text, and its draft is gone.

Places are extensible (:class:`~forum.discussions.interfaces.DraftPlace`): discussions registers
its own (:func:`register_draft_places`); a domain above contributes more (messages: a conversation's
reply box, the new-conversation form). Whatever the place, a draft is its author's only: every
read, write and removal is by ``(member, kind, key)``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.registry import contribute, contributions
from forum.text import ascii_int

from .. import permissions
from ..interfaces import DraftPlace
from ..models import Draft, Post, Topic
from .reads import get_post, get_topic

# Fields every place may keep besides text: a number (a category's id) and short lines (a
# message's recipients). The rest are texts as long as a post (a title: as a title).
_NUMBER_FIELDS = ("category",)
_LINE_FIELDS = {"to": 1000}
# Drafts kept per member, all places together. The autosave's rate limit slows an account
# down; this bounds what it can pile up over days (a draft in every topic of the forum). 50
# is far more open replies than anyone writes at once; the 51st place evicts the draft
# updated longest ago.
MAX_DRAFTS_PER_MEMBER = 50
# Page times are microseconds since this instant (an integer in the page, compared exactly).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class DraftOutdated(Exception):
    """A save older than what the draft holds (or than the member's last post there): ignored."""

    @property
    def message(self) -> str:
        return _("This draft was not saved: a newer version was saved from another page, or you have "
                 "posted since this page was opened.")


def page_stamp() -> str:
    """The time a composer's page is rendered, for its autosaves to say how recent they are."""
    return str((utcnow() - EPOCH) // _MICROSECOND)


def _order(fields: dict[str, Any]) -> tuple[str | None, datetime | None]:
    """The save's place in time, ``"<page>.<seq>"`` zero-padded so that strings compare like the
    pairs (in Python and in SQL alike), and the page's time; (None, None) when the client sent
    none (a composer from before ordering: it neither checks nor is checked). A page time in
    the future counts as now: a forged one cannot lock the member's later pages out."""
    page, seq = ascii_int(fields.get("page"), 20), ascii_int(fields.get("seq"), 9)
    if page is None:
        return None, None
    now = utcnow()
    micros = min(page, (now - EPOCH) // _MICROSECOND)
    number = seq or 0
    return f"{micros:020d}.{number:010d}", EPOCH + micros * _MICROSECOND


def _key(key: int | None) -> str:
    return str(key if key is not None else "new")


def _store(user: User, kind: str, key: int | None, data: dict[str, Any], order: str | None, *,
           force: bool = False) -> None:
    """Insert or replace the member's draft for this place and commit; unless ``force``,
    raise :class:`DraftOutdated` when the draft holds a newer save than ``order``.

    The comparison is part of the UPDATE, so it holds when saves race in two workers; two
    first saves racing to insert: the loser finds the winner's row and compares with it."""
    where = (Draft.user_id == user.id, Draft.kind == kind, Draft.key == _key(key))
    if order is not None:
        data = {**data, "order": order}
    stored = Draft.data["order"].as_string()
    # A save without order (an old composer) is older than any ordered one.
    not_newer = or_(stored.is_(None), stored <= (order or ""))
    for attempt in range(2):
        written = db.session.execute(
            update(Draft).where(*where, *(() if force else (not_newer,)))
            .values(data=data, updated_at=utcnow()).execution_options(synchronize_session=False))
        if getattr(written, "rowcount", 0):
            db.session.commit()
            return
        if attempt:
            break  # the row is there and holds a newer save
        _make_room(user)
        try:
            with db.session.begin_nested():
                db.session.add(Draft(user_id=user.id, kind=kind, key=_key(key), data=data))
        except IntegrityError:
            continue  # someone inserted it meanwhile: compare with theirs
        db.session.commit()
        return
    db.session.rollback()
    raise DraftOutdated()


# --- discussions' own places -------------------------------------------------------------------

class ReplyPlace:
    """A topic's reply box (key: the topic id)."""

    kind = "reply"
    fields = ("body",)
    autosaved = True

    def may_write(self, user: Any, key: int | None) -> bool:
        if key is None:
            return False
        if not permissions.can_reply(user, get_topic(user, key)):  # NotFound: a topic they cannot read
            raise PermissionDenied()  # one they read but may not reply to (locked)
        return True

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool:
        """One index range (ix_posts_user) from that time on."""
        query = select(Post.id).where(Post.user_id == user.id, Post.created_at > since, Post.topic_id == key)
        return db.session.scalar(query.limit(1)) is not None


class TopicPlace:
    """The new-topic form (key: none, "new")."""

    kind = "topic"
    fields = ("category", "title", "body")
    autosaved = True

    def may_write(self, user: Any, key: int | None) -> bool:
        return key is None

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool:
        """Started a topic since (ix_topics_user)."""
        query = select(Topic.id).where(Topic.user_id == user.id, Topic.created_at > since)
        return db.session.scalar(query.limit(1)) is not None


class EditPlace:
    """A post being edited (key: the post id): kept while the member unblocks themselves only."""

    kind = "edit"
    fields = ("body",)
    autosaved = False

    def may_write(self, user: Any, key: int | None) -> bool:
        return key is not None and permissions.can_edit_post(user, get_post(user, key))

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool:
        return False


def register_draft_places(app: Flask) -> None:
    """Discussions' places (from its ``init_app``); other domains contribute theirs."""
    for place in (TopicPlace(), ReplyPlace(), EditPlace()):
        contribute(app, DraftPlace, place)


def draft_place(kind: str) -> DraftPlace | None:
    """The registered place of this kind, or None."""
    return next((place for place in contributions(DraftPlace) if place.kind == kind), None)


def _has_text(data: dict[str, Any]) -> bool:
    return any((data.get(name) or "").strip() for name in ("title", "body"))


def _make_room(user: User) -> None:
    """Before a new draft: remove the member's least recently updated ones beyond
    MAX_DRAFTS_PER_MEMBER - 1 (one statement; the member's rows are found through the
    (user_id, kind, key) unique index)."""
    beyond = (select(Draft.id).where(Draft.user_id == user.id)
              .order_by(Draft.updated_at.desc(), Draft.id.desc()).offset(MAX_DRAFTS_PER_MEMBER - 1))
    db.session.execute(delete(Draft).where(Draft.id.in_(beyond)))


def save_draft(user: User, kind: str, key: int | None, data: dict[str, Any]) -> None:
    """Keep what the member wrote while they unblock themselves (one draft per place). The text
    just sent is the newest there is: it replaces the draft whatever it holds, and an autosave
    from a page rendered before now cannot overwrite it."""
    _store(user, kind, key, data, _order({"page": page_stamp()})[0], force=True)


def autosave_draft(user: User, kind: str, key: int | None, fields: dict[str, Any]) -> bool:
    """Keep the text being typed in the composer; True if a draft is kept, False if the form
    is empty (then readers see no draft: clearing the box clears the draft). ``fields`` may
    carry the composer's ``page`` and ``seq``; a save older than the draft's, or from a page
    rendered before the member's last post there, raises :class:`DraftOutdated`.

    Bounded: the body at MAX_POST_LENGTH, the title at MAX_TITLE_LENGTH (a post that long
    could not be published either). Too long is a :class:`ValidationFailed` that says so; the
    member's text stays in their browser, so nothing is lost."""
    place = draft_place(kind)
    if place is None or not place.autosaved:
        raise ValidationFailed({"kind": _("This form has no draft.")})
    cfg = current_app.config
    data: dict[str, Any] = {"kind": kind, "key": key}
    for name in place.fields:
        value = fields.get(name)
        if name in _NUMBER_FIELDS:
            data[name] = ascii_int(value, 9)
            continue
        text = (value or "").replace("\r\n", "\n") if isinstance(value, str) else ""
        limit = (cfg["MAX_TITLE_LENGTH"] if name == "title"
                 else _LINE_FIELDS.get(name, cfg["MAX_POST_LENGTH"]))
        if len(text) > limit:
            raise ValidationFailed({name: _("The draft was not saved: it is longer than %(n)d characters.",
                                            n=limit)})
        data[name] = text
    order, page_time = _order(fields)
    if page_time is not None and place.posted_since(user, key, page_time):
        raise DraftOutdated()
    kept = _has_text(data)
    if not kept and order is None:
        discard_draft(user, kind, key)  # an old composer: nothing to order by, nothing to keep
        return False
    # Emptied: the row stays, empty, holding the order (readers see no draft).
    _store(user, kind, key, data, order)
    return kept


def read_draft(user: Any, kind: str, key: int | None) -> dict[str, Any] | None:
    """The saved draft for this place, if any (read only)."""
    if not user.is_authenticated:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == _key(key)))
    return dict(draft.data) if draft is not None and _has_text(draft.data) else None


def discard_draft(user: Any, kind: str, key: int | None) -> bool:
    """Remove the member's draft for this place (after the post is saved, or on request)."""
    if not user.is_authenticated:
        return False
    removed = db.session.execute(delete(Draft).where(
        Draft.user_id == user.id, Draft.kind == kind, Draft.key == _key(key)))
    db.session.commit()
    return bool(getattr(removed, "rowcount", 0))
