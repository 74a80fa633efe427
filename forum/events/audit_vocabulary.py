"""How meetups read in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db

from .models import Event


def event_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(Event.id, Event.slug, Event.title).where(Event.id.in_(ids)))
    return {event_id: TargetName(f"“{title}”", url_for("events.show", event_id=event_id, slug=slug or "-"))
            for event_id, slug, title in rows}


VOCABULARY = AuditVocabulary(
    actions={"event.approve": _l("Approved a meetup"), "event.reject": _l("Did not approve a meetup")},
    targets={"event": event_names},
    target_labels={"event": _l("meetup")},
)
