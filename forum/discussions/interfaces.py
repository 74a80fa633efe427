"""What discussions asks of the domains above it, as protocols (registered at start-up
through :mod:`forum.registry`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol


class PostLoadOption(Protocol):
    """An eager-load option for rendering posts (staff: the authors' badges), so a topic page
    runs the same number of queries with 1 post or 20."""

    def __call__(self) -> Any: ...


class TopicLoadOption(Protocol):
    """An eager-load option for topic lists (staff: the last poster's badges)."""

    def __call__(self) -> Any: ...


class PostsMovedListener(Protocol):
    """Told, inside the transaction, that posts changed topic or category (split, merge, a
    topic moved), so data that points at them stays right (moderation's review items)."""

    def posts_moved(self, post_ids: Sequence[int], topic_id: int, category_id: int) -> None: ...

    def topic_moved(self, topic_id: int, category_id: int) -> None: ...


class MentionableGroups(Protocol):
    """Staff groups that a post may mention as a whole (``@support``): staff provides it.

    ``members(names)`` gets lower-cased ``@name`` candidates that are no member's username and
    answers ``{name: [user ids]}`` for the ones that name a group (a bounded number of queries
    whatever the number of names); names of no group are left out. Who may mention a group is
    discussions' rule (:func:`forum.discussions.permissions.can_mention_groups`), not the
    provider's."""

    def members(self, names: Sequence[str]) -> dict[str, list[int]]: ...


class PostFiles(Protocol):
    """Files in posts (the uploads domain provides it).

    ``resolver(writer)`` is the cooking resolver for text ``writer`` writes (see
    :mod:`forum.markup.uploads`): the files they may show, by token. ``record(post, cooked,
    writer, fetch_remote=)`` runs inside the post's write, after its flush: the post's
    references follow the files its text now uses, and (``fetch_remote``) remote images are
    queued for hosting. It raises ValidationFailed (too many files) and the write rolls back.

    Composer forms also carry a file field for browsers without script: ``request_limit(writer)``
    is the request size such a form may have (set before the form is read), and
    ``form_files(writer)`` stores the files it sent and answers their Markdown to append to the
    text ('' for none), or raises ValidationFailed on ``body``. ``topic_image(topic_id)`` answers
    the topic's thumbnail (see :mod:`forum.discussions.topic_images`), in one query."""

    def resolver(self, writer: Any) -> Any: ...

    def request_limit(self, writer: Any) -> int: ...

    def topic_image(self, topic_id: int) -> str | None:
        """The token of the first image the topic's first published post with one shows."""

    def thumbnail_path(self, token: str) -> str:
        """The site path of an image's thumbnail (topic lists show it)."""

    def form_files(self, writer: Any) -> str: ...

    def record(self, post: Any, cooked: Any, writer: Any, *, fetch_remote: bool = True) -> None: ...


class DraftPlace(Protocol):
    """A place where a member's composer keeps a draft on the server (see
    :mod:`forum.discussions.services.drafts`, the one owner of drafts). Discussions registers
    its own (a topic's reply box, the new-topic form, a post being edited); a domain above
    contributes more (messages: a conversation's reply box, the new-conversation form).

    ``kind`` names the place in ``/drafts/<kind>/<key>`` and in the stored draft (at most 16
    characters); ``fields`` are the form fields a draft there keeps (anything else a client
    sends is ignored); ``autosaved``: the composer saves it as the member types (False: only
    :func:`~forum.discussions.services.drafts.save_draft` writes it). A key is an id, or None
    for a form that creates something ("new" in URLs).

    ``may_write(user, key)``: the member may write there now; False (or NotFound) answers the
    autosave 404, so a place the member cannot read is never confirmed; a place may raise
    PermissionDenied for one the member sees but may not write (403).
    ``posted_since(user, key, since)``: the member sent what this place writes after ``since``
    (a save from a page rendered before it is refused: that text was already sent)."""

    kind: str
    fields: tuple[str, ...]
    autosaved: bool

    def may_write(self, user: Any, key: int | None) -> bool: ...

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool: ...


class TopicTags(Protocol):
    """Tags on topics (the tags domain provides it).

    ``write(actor, topic, names, *, new)`` runs inside a topic's write (its creation, or an edit
    of its opening post), after the topic's flush: ``names`` is the composer's field as typed
    (comma-separated). It resolves synonyms, checks the category's rules, the per-topic maximum
    and who may create tags, writes the topic's tags and their counts, and answers whether they
    changed. Bad tags raise ValidationFailed on ``tags`` and the whole write rolls back.
    ``for_topics(topic_ids)``: each listed topic's tags for display, ``{topic id: [tag]}``, in one
    query whatever the number of topics. ``names_for(topic_ids)``: the tag names a topic's search
    documents carry, ``{topic id: [name]}``, in one query. ``topics_tagged``: the ``?tag=`` filter."""

    def write(self, actor: Any, topic: Any, names: str, *, new: bool) -> bool: ...

    def for_topics(self, topic_ids: Sequence[int]) -> dict[int, list[Any]]: ...

    def names_for(self, topic_ids: Sequence[int]) -> dict[int, list[str]]: ...

    def topics_tagged(self, name: str) -> Any:
        """A SELECT of the ids of the topics carrying tag ``name`` (a synonym names its target),
        for a listing's WHERE; an unknown tag selects nothing."""
