"""What accounts (the bottom domain) asks of the domains above it, as protocols.

Implementations are registered at start-up with :mod:`forum.registry` (moderation registers
the judgement recorder and a posting rule from its ``init_app``). Everything that writes
judged content (posts, topics, events, profile text, registrations) uses these same
interfaces, whichever domain it lives in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from forum.plugins import FilterContext, Verdict, VerdictKind

if TYPE_CHECKING:  # permissions imports this module: the type only, for the protocol below
    from .permissions import PostingBlock


class JudgedKind:
    """What a judgement is about."""

    POST = "post"                  # a topic's opening post, a reply, or an edit of either
    EVENT = "event"                # a meetup's title and description
    PROFILE = "profile"            # a member's profile text
    REGISTRATION = "registration"  # an account being created


@dataclass(frozen=True)
class Judgement:
    """The content filters' verdicts on one thing being written, and what became of it.

    ``held`` says the writer stored the thing as pending review; ``subject`` is the stored
    row (a Post, an Event, a User). ``details`` carries what the reviewer needs beyond the
    row (a registration's answers to the application questions).
    """

    kind: str
    subject: Any
    verdicts: Sequence[Verdict]
    context: FilterContext
    held: bool
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def notable(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind != VerdictKind.ALLOW]


class JudgementRecorder(Protocol):
    """Records a judgement INSIDE the writer's transaction: the review item, the verdict
    history, the flags. It is part of the write, not an event: if it raises, the caller's
    transaction rolls back and nothing is stored (so a held post can never be pending with
    no review item, invisible to every moderator)."""

    def record(self, judgement: Judgement) -> None: ...

    def settle(self, kind: str, subject: Any, actor: Any, *, approved: bool) -> None:
        """The held thing was decided outside the review queue (a meetup approved or cancelled
        from its own page): close its review item, in the caller's transaction."""
        ...


class PostingRule(Protocol):
    """An extra reason a member may not post yet, from a domain above accounts (moderation:
    "your membership is waiting for approval"). Returns a block code, or None."""

    def __call__(self, user: Any) -> str | None: ...


class SitePause(Protocol):
    """The whole community stops taking posts for a while, from a domain above accounts (crisis:
    read-only mode for maintenance), said up front like a member's own block. ``block`` answers
    the block with its own wording (``PostingBlock.message``), or None for those it spares (staff);
    it is asked on every page with a form, so it reads cached settings, not the database."""

    def block(self, user: Any) -> PostingBlock | None: ...


class ProfileSection(Protocol):
    """Adds to a member's profile page: returns template variables (e.g. discussions'
    ``topics`` and ``posts``) computed for ``viewer`` looking at ``member``."""

    def __call__(self, viewer: Any, member: Any) -> dict[str, Any]: ...


class SuspensionReason(Protocol):
    """Why a member is suspended, for the sign-in page (moderation keeps the sanctions)."""

    def __call__(self, user: Any) -> str | None: ...


class VisibleActivityCounter(Protocol):
    """How many published topics and posts ``member`` has where ``viewer`` may read, as
    ``(topics, posts)`` (discussions provides it). A profile shows these, never the raw
    counters, which include rooms the viewer cannot enter."""

    def __call__(self, viewer: Any, member: Any) -> tuple[int, int]: ...


class ExternalSignIn(Protocol):
    """Sign-in at an identity provider (the sso domain contributes one when OpenID Connect
    providers are configured). With none contributed, passwords and registration are open."""

    def members_use_passwords(self) -> bool:
        """False in "SSO only" mode: members sign in at the provider, nobody registers here."""
        ...

    def password_sign_in_allowed(self, user: Any) -> bool:
        """Whether ``user`` (None: no such account) may sign in with a local password now
        (in "SSO only" mode, administrators only: the break-glass sign-in)."""
        ...

    def logout_continuation(self) -> Any:
        """Called while the member is still signed in, before the session is cleared; returns
        a callable giving the logout's response afterwards (the provider's sign-out), or None."""
        ...


class PersonalData(Protocol):
    """One domain's part in a member's data rights (GDPR: access and portability, erasure).

    Every domain that keeps something about a member contributes one (``contribute(app,
    PersonalData, …)`` from its ``init_app``): accounts the profile and consents, discussions
    the posts and likes, events the RSVPs, messages the conversations… The export and the
    erasure walk the contributions, so a new domain cannot be forgotten by a central list.
    """

    name: str  # the section's file stem in the export ZIP: ``<name>.json`` (and ``<name>.csv``)
    description: Any  # what the section holds, for the ZIP's README.txt (a lazy_gettext string)

    def export(self, user: Any) -> list[dict[str, Any]]:
        """Everything this domain keeps about ``user``, as JSON-ready rows (strings, numbers,
        booleans, None, ISO 8601 times; flat rows also become a CSV). Reads only."""
        ...

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """In the caller's transaction (errors propagate and roll the whole erasure back): drop
        the personal data this domain keeps about ``user`` (addresses, IPs, private settings).
        What the member published stays for the others, attributed to the former member, or,
        with ``remove_content``, is hidden as a moderator would hide it (never hard-deleted)."""
        ...


class StoredAddresses(Protocol):
    """IP addresses a domain keeps beside what members do (posts, messages, audit entries,
    sign-ins), for the retention job: after the retention period they are truncated (the
    network part kept, for abuse patterns) or removed. Contributed with ``contribute``."""

    def purge_addresses(self, before: Any, *, truncate: bool) -> int:
        """In the caller's transaction: for rows older than ``before`` (a UTC datetime), replace
        the address by its network (IPv4 /24, IPv6 /48) when ``truncate``, else by None.
        Returns how many rows changed. Idempotent (a truncated address stays as it is)."""
        ...
