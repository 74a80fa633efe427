"""App-wide extension points that no single domain owns (domain protocols live in each
domain's ``interfaces.py``). Contributions are made with :mod:`forum.registry`.

The admin area's are here, on the ground floor, because every domain contributes to them and
the admin package sits above them all: a domain contributes an :class:`AdminSection` (its
admin page, listed on the dashboard and in the admin navigation in registration order) and
:class:`AdminFigure` s (the numbers that matter today at the top of the admin overview, each
linking to the page where someone acts on it). No template lists the domains.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


class DemoLoader(Protocol):
    """Adds a domain's part of the Quickstart's demo community (moderation: a queue with
    work in it; events: meetups). Called once, after the base community exists, inside a
    request context, with the demo people by username."""

    def __call__(self, people: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class AdminSection:
    endpoint: str     # the page's endpoint, e.g. "events.admin_settings"
    label: Any        # a lazy translation (``lazy_gettext``)
    description: Any  # one line for the dashboard (lazy translation)


@dataclass(frozen=True)
class AdminFigure:
    """One number on the admin overview. ``count(viewer)`` answers in one query (or from the
    request's cache); a figure that needs someone when it is not zero sets ``needs_action``."""

    label: Any                    # lazy translation, e.g. "In the review queue"
    count: Callable[[Any], int]
    endpoint: str                 # where to act on it
    url_values: dict[str, Any] = field(default_factory=dict)
    hint: Any = ""                # lazy translation, e.g. "last 7 days"
    needs_action: bool = False


@dataclass(frozen=True)
class BackupFolder:
    """Files a domain keeps on disk beside the database, archived by the embedded install's
    ``forum backup`` under ``name/`` and put back by ``forum restore`` (uploads on local
    storage). ``path()`` answers None when the domain keeps nothing on this disk (an S3 bucket
    is backed up on its own, README)."""

    name: str
    path: Callable[[], Any]


class EventOutbox(Protocol):
    """Told INSIDE the writer's transaction, before its commit, that the hook ``name`` is about
    to be fired with ``subject`` (the hook's own keyword arguments, forum.plugins.spec), so what
    must go out with the write (webhook deliveries and their jobs) is written in the same
    commit: no process dying between the forum's commit and an after-commit hook can lose it.
    Contributed with ``forum.registry.contribute``; writers call :func:`forum.outbox.record`
    (every contribution), then commit, then fire the hook."""

    def record(self, name: str, /, **subject: Any) -> None: ...


@dataclass(frozen=True)
class Mismatch:
    """One stored value that disagrees with the rows it summarises (``forum check``)."""

    table: str
    row_id: int
    column: str
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return f"{self.table} {self.row_id} {self.column}: stored {self.stored!r}, expected {self.expected!r}"


@dataclass(frozen=True)
class IntegrityCheck:
    """A domain's denormalised values, verified and repaired by ``flask --app wsgi forum check
    [--repair]`` (and by the test suites' counter oracle), in registration order. ``check`` and
    ``repair`` take a Session or a Connection; ``repair`` rewrites set-based from the rows and
    leaves the commit to its caller."""

    name: str                                        # e.g. "tags": printed before its mismatches
    check: Callable[[Any], Iterable[Mismatch]]
    repair: Callable[[Any], None]
