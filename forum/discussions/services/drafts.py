"""Drafts kept on the server: one per member per place (a topic's reply box, the new-topic
form, a post being edited).

Two writers keep them: the composer's autosave (:func:`autosave_draft`, every few seconds
while the member types, so the text survives a closed tab, a browser restart or a move to
another device) and the posting views when a member must unblock themselves first
(:func:`save_draft`, e.g. new rules to accept).

Reading a draft never removes it: a GET must not change state (an image in a post pointing at
``/new-topic`` would otherwise wipe the draft of everyone who views it). A draft goes away when
the post it belongs to is saved, or when its author discards it (a POST).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from forum.accounts.models import User
from forum.errors import ValidationFailed
from forum.extensions import db

from ..models import Draft

DRAFT_KINDS = ("topic", "reply", "edit")
# What the composer autosaves: the reply box (key: the topic id) and the new-topic form ("new").
AUTOSAVE_KINDS = ("topic", "reply")
# The fields each kind keeps; anything else a client sends is ignored.
_FIELDS = {"topic": ("category", "title", "body"), "reply": ("body",), "edit": ("body",)}
# Drafts kept per member, all places together. The autosave's rate limit slows an account
# down; this bounds what it can pile up over days (a draft in every topic of the forum). 50
# is far more open replies than anyone writes at once; the 51st place evicts the draft
# updated longest ago.
MAX_DRAFTS_PER_MEMBER = 50


def _key(key: int | None) -> str:
    return str(key if key is not None else "new")


def _store(user: User, kind: str, key: int | None, data: dict[str, Any]) -> None:
    """Insert or replace the member's draft for this place and commit.

    Two autosaves of a first draft can race (two tabs, a retry): the loser of the insert
    finds the winner's row and writes over it instead of failing."""
    where = (Draft.user_id == user.id, Draft.kind == kind, Draft.key == _key(key))
    for _attempt in range(2):
        draft = db.session.scalar(select(Draft).where(*where))
        if draft is not None:
            draft.data = data
            db.session.commit()
            return
        _make_room(user)
        try:
            with db.session.begin_nested():
                db.session.add(Draft(user_id=user.id, kind=kind, key=_key(key), data=data))
        except IntegrityError:
            continue  # someone inserted it meanwhile: update theirs
        db.session.commit()
        return


def _make_room(user: User) -> None:
    """Before a new draft: remove the member's least recently updated ones beyond
    MAX_DRAFTS_PER_MEMBER - 1 (one statement; the member's rows are found through the
    (user_id, kind, key) unique index)."""
    beyond = (select(Draft.id).where(Draft.user_id == user.id)
              .order_by(Draft.updated_at.desc(), Draft.id.desc()).offset(MAX_DRAFTS_PER_MEMBER - 1))
    db.session.execute(delete(Draft).where(Draft.id.in_(beyond)))


def save_draft(user: User, kind: str, key: int | None, data: dict[str, Any]) -> None:
    """Keep what the member wrote while they unblock themselves (one draft per place)."""
    _store(user, kind, key, data)


def autosave_draft(user: User, kind: str, key: int | None, fields: dict[str, Any]) -> bool:
    """Keep the text being typed in the composer; True if a draft is kept, False if the form
    is empty (then the draft is removed: clearing the box clears the draft).

    Bounded: the body at MAX_POST_LENGTH, the title at MAX_TITLE_LENGTH (a post that long
    could not be published either). Too long is a :class:`ValidationFailed` that says so; the
    member's text stays in their browser, so nothing is lost."""
    if kind not in AUTOSAVE_KINDS:
        raise ValidationFailed({"kind": _("This form has no draft.")})
    cfg = current_app.config
    data: dict[str, Any] = {"kind": kind, "key": key}
    for name in _FIELDS[kind]:
        value = fields.get(name)
        if name == "category":
            data[name] = int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None
            continue
        text = (value or "").replace("\r\n", "\n") if isinstance(value, str) else ""
        limit = cfg["MAX_TITLE_LENGTH"] if name == "title" else cfg["MAX_POST_LENGTH"]
        if len(text) > limit:
            raise ValidationFailed({name: _("The draft was not saved: it is longer than %(n)d characters.",
                                            n=limit)})
        data[name] = text
    if not any((data.get(name) or "").strip() for name in ("title", "body")):
        discard_draft(user, kind, key)
        return False
    _store(user, kind, key, data)
    return True


def read_draft(user: Any, kind: str, key: int | None) -> dict[str, Any] | None:
    """The saved draft for this place, if any (read only)."""
    if not user.is_authenticated:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == _key(key)))
    return dict(draft.data) if draft is not None else None


def discard_draft(user: Any, kind: str, key: int | None) -> bool:
    """Remove the member's draft for this place (after the post is saved, or on request)."""
    if not user.is_authenticated:
        return False
    removed = db.session.execute(delete(Draft).where(
        Draft.user_id == user.id, Draft.kind == kind, Draft.key == _key(key)))
    db.session.commit()
    return bool(getattr(removed, "rowcount", 0))
