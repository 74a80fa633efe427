"""What notifications (below discussions) asks of the domains above it, as protocols.

Notifications store plain ids (``topic_id``, ``post_id``) and know nothing of topics: the mail of
a notice and the summary mail ask discussions, which registers the implementations from its
``init_app`` (:mod:`forum.registry`):

* :class:`NoticeAccess`: may this member still read what a notice is about, and what does the
  post say (for its mail);
* :class:`DigestSource`: the most active topics a member may read since a moment (the summary).

Both answer for one member and never leak what that member may not read: category read
access, held, hidden and deleted posts are the implementer's rules
(:mod:`forum.discussions.permissions`), not the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class NoticePost:
    """The post a notice is about, as its recipient may read it (the mail shows it)."""

    topic_title: str
    category_name: str    # in the current (reader's) language
    author_name: str      # "" when the author's account is gone
    cooked_html: str      # the post's sanitised HTML (forum.markup), relative links and all
    text: str             # the post as plain text (the mail's text part)
    path: str             # the post's permalink, a site path ("/t/slug/5/3")
    created_at: datetime
    post_number: int
    public: bool = True   # a visitor may read it (then a mail client may fetch its images)


class NoticeAccess(Protocol):
    """Discussions' answer about the content notices point at."""

    def readable(self, user: Any, notices: Sequence[Any]) -> set[int]:
        """Ids of ``notices`` whose topic and post ``user`` may read now (a bounded number of
        queries whatever the number of notices). A notice about no topic or post counts as
        readable: there is nothing to hide."""
        ...

    def post(self, user: Any, notice: Any) -> NoticePost | None:
        """The post ``notice`` is about, if ``user`` may read it; None when it points at no
        post, or at one the user may no longer read (moved to a staff category, hidden)."""
        ...


@dataclass(frozen=True)
class DigestTopic:
    """One topic of a summary mail."""

    title: str
    category_name: str    # in the current (reader's) language
    category_color: str   # "#rrggbb"
    excerpt: str          # plain text, one line, cut between words
    path: str             # a site path: the first post written since ``since`` when known
    new_posts: int        # published posts since ``since``
    replies: int          # replies in all
    likes: int            # reactions on the opening post
    last_posted_at: datetime
    is_new: bool          # the topic itself was started since ``since``


class DigestSource(Protocol):
    def __call__(self, user: Any, since: datetime, limit: int) -> list[DigestTopic]:
        """Up to ``limit`` topics ``user`` may read with posts since ``since``, the most active
        first (a bounded number of queries: never one per topic). Muted topics and categories,
        and topics started by members ``user`` ignores, are left out."""
        ...


class NoticeVisibility(Protocol):
    """Discussions' answer for LISTS of notices (the bell's count and menu, the notifications
    page): which of a member's notices they may still see, as SQL, so each list stays one
    statement however many notices it shows."""

    def condition(self, user: Any) -> Any:
        """A condition on :class:`forum.notifications.models.Notification` rows, built without a
        query: true for a notice about no topic or post, or about a topic and post ``user`` may
        read now (category read access, held, hidden and deleted posts and topics, a post moved
        since into a topic they may not read)."""
        ...
