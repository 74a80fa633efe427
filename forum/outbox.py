"""What must leave with a write: events recorded INSIDE the writer's transaction.

A writer that announces something (a topic, a flag, a registration…) does it in two steps
with the same event name and arguments as the after-commit hook (:mod:`forum.plugins.spec`):

1. :func:`record` before its commit: every :class:`~forum.interfaces.EventOutbox` contributed
   at start-up (webhooks: the deliveries and their jobs) writes its rows in the writer's
   transaction, so they commit or roll back with the write. No process dying between the
   commit and a hook can lose them; an error here fails the write (it propagates).
2. ``fire()`` after the commit: plugins and the domains' after-commit reactions, which never
   carry work that must not be lost.

:func:`commit_and_fire` does both for a list of events, for writers that gather them.
"""

from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.interfaces import EventOutbox
from forum.plugins.manager import fire
from forum.registry import contributions

Events = list[tuple[str, dict[str, Any]]]


def record(name: str, /, **subject: Any) -> None:
    """Tell every outbox, in the caller's transaction, that ``name`` happened (before commit).
    ``name`` and ``subject`` are the after-commit hook's (forum.plugins.spec)."""
    for outbox in contributions(EventOutbox):
        outbox.record(name, **subject)


def record_all(events: Events) -> None:
    for name, kwargs in events:
        record(name, **kwargs)


def commit_and_fire(events: Events) -> None:
    """Record ``events`` in the outboxes, commit the write with them, then fire the hooks."""
    record_all(events)
    db.session.commit()
    for name, kwargs in events:
        fire(name, **kwargs)
